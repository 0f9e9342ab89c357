"""A trigram index on a job's code for global search on PostgreSQL (laseros.site.search): the
search finds a word inside a code with icontains, `upper(code) LIKE '%WORD%'`, which only a
trigram index (pg_trgm, gin_trgm_ops) on that same expression can answer without reading every
job. pg_trgm ships with PostgreSQL and is a trusted extension (the database's owner may create
it); where it cannot be created, the index is left out and the search reads the table, as
before. Nothing on SQLite."""

import logging

from django.db import DatabaseError, migrations, transaction

INDEX = "projects_project_code_trgm"
EXPRESSION = 'upper(("code")::text) gin_trgm_ops'


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
        f'CREATE INDEX IF NOT EXISTS {INDEX} ON "projects_project" USING gin ({EXPRESSION})'
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("projects", "0008_job_search_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
