"""PostgreSQL: vacuum and analyze the leads table after 1% new rows, not 20%.

An import of a million leads into a table of ten million stays below PostgreSQL's default
threshold (20% + 1,000 rows), so nothing marks the new rows' pages all-visible: the
dashboard's index-only count of today's leads then visits every new row in the table (6 s
after a 1M-row import at 10M leads, bench/growth_bench.py) and the planner's estimate under
the lead list lags. At 1% (100,000 rows at 10M) autovacuum keeps up; a vacuum of an insert-only
table reads only the pages not yet all-visible. Other databases: nothing to do."""

from django.db import migrations

SETTINGS = (
    "autovacuum_vacuum_insert_scale_factor = 0.01",
    "autovacuum_analyze_scale_factor = 0.01",
)


def tune(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(apps.get_model("leads", "Lead")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET ({', '.join(SETTINGS)})")


def untune(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(apps.get_model("leads", "Lead")._meta.db_table)
        names = ", ".join(setting.split(" = ")[0] for setting in SETTINGS)
        schema_editor.execute(f"ALTER TABLE {table} RESET ({names})")


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0010_lead_entry_date_door_index"),
    ]

    operations = [migrations.RunPython(tune, untune)]
