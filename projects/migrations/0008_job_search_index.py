"""A GIN index for global search on PostgreSQL (laseros.site.search): a job's name and
description as one 'simple' text-search document, the expression the search filters on. Nothing
on SQLite (its search reads the columns with icontains)."""

from django.db import migrations

INDEX = "projects_project_search"
DOCUMENT = "to_tsvector('simple'::regconfig, coalesce(\"name\", '') || ' ' || coalesce(\"description\", ''))"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {INDEX} ON "projects_project" USING gin (({DOCUMENT}))'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("projects", "0007_words_job")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
