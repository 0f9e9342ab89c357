"""A trigram index on a file's original and stored names for global search on PostgreSQL
(laseros.site.search): the search finds a word inside a name with icontains,
`upper(name) LIKE '%WORD%'`, which only a trigram index (pg_trgm, gin_trgm_ops) on those same
expressions can answer without reading every file. pg_trgm ships with PostgreSQL and is a
trusted extension (the database's owner may create it); where it cannot be created, the index
is left out and the search reads the table, as before. Nothing on SQLite."""

import logging

from django.db import DatabaseError, migrations, transaction

INDEX = "ingest_fileingest_names_trgm"
EXPRESSIONS = (
    'upper(("original_name")::text) gin_trgm_ops, upper(("stored_name")::text) gin_trgm_ops'
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as exc:
        logging.getLogger(__name__).warning("no pg_trgm, so no %s: %s", INDEX, exc)
        return
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS {INDEX} ON "ingest_fileingest" USING gin ({EXPRESSIONS})'
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("ingest", "0010_file_source_tracking")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
