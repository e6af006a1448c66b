"""The entry date's index carries the door: the dashboard's leads loaded per day and door
(``statistics.leads_loaded_per_day``) reads that index alone instead of a month of table rows
(1.2 s with 10 million leads, bench/growth_bench.py). The new index is built before the old
one is dropped; on a big live table, build it first by hand with CREATE INDEX CONCURRENTLY
(docs/SCALING.md)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0009_supervisor_words_and_manual_reviews"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["entry_date", "door"], name="lead_entry_date_door"),
        ),
        migrations.AlterField(
            model_name="lead",
            name="entry_date",
            field=models.DateTimeField(),
        ),
    ]
