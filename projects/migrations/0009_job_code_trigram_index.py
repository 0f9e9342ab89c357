"""A trigram index on a job's code for global search on PostgreSQL
(laseros.migration_ops.trigram_index says why and what happens without pg_trgm)."""

from django.db import migrations

from laseros.migration_ops import trigram_index


class Migration(migrations.Migration):
    dependencies = [("projects", "0008_job_search_index")]

    operations = [
        trigram_index(
            table="projects_project", name="projects_project_code_trgm", columns=("code",)
        )
    ]
