"""A trigram index on a file's original and stored names for global search on PostgreSQL
(laseros.migration_ops.trigram_index says why and what happens without pg_trgm)."""

from django.db import migrations

from laseros.migration_ops import trigram_index


class Migration(migrations.Migration):
    dependencies = [("ingest", "0010_file_source_tracking")]

    operations = [
        trigram_index(
            table="ingest_fileingest",
            name="ingest_fileingest_names_trgm",
            columns=("original_name", "stored_name"),
        )
    ]
