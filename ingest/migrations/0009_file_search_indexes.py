"""GIN indexes for global search on PostgreSQL (laseros.site.search): a file's name, and the text
read from it (every string value of a reading's raw JSON, keys left out), the expressions the
search filters on. Nothing on SQLite (its search reads the columns with icontains)."""

from django.db import migrations

INDEXES = {
    "ingest_fileingest_search": (
        "ingest_fileingest",
        "to_tsvector('simple'::regconfig, coalesce(\"original_name\", ''))",
    ),
    "ingest_fileextraction_search": (
        "ingest_fileextraction",
        "jsonb_to_tsvector('simple'::regconfig, \"raw\", '[\"string\"]'::jsonb)",
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, (table, document) in INDEXES.items():
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS {name} ON "{table}" USING gin (({document}))'
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("ingest", "0008_mail_intake")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
