"""MariaDB/MySQL: every dedupe-lock bucket row created up front.

An API add takes its duplicate-check lock in its login's first statement with a locking read
of the bucket rows (leadhub/db/locks.py); a row that does not exist yet costs a second
statement (the upsert that creates it). The 65,536 rows (2 MB) are created here once. Other
backends keep no rows (PostgreSQL uses advisory locks, SQLite none).
"""

from django.db import migrations

BUCKETS = 1 << 16  # leadhub.db.locks.BUCKETS when this migration was written
CHUNK = 4096


def buckets_create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "mysql":
        return
    table = connection.ops.quote_name(apps.get_model("leads", "DedupeLock")._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, BUCKETS, CHUNK):
            marks = ", ".join(["(%s, 0)"] * CHUNK)
            cursor.execute(
                f"INSERT IGNORE INTO {table} (bucket, uses) VALUES {marks}",
                list(range(start, start + CHUNK)),
            )


class Migration(migrations.Migration):
    dependencies = [("leads", "0008_neutral_stored_options")]

    operations = [migrations.RunPython(buckets_create, migrations.RunPython.noop, elidable=True)]
