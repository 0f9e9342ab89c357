from django.apps import AppConfig


class IngestConfig(AppConfig):
    """Every file that comes in: validation, naming, versioned storage, parsing."""

    name = "ingest"
    verbose_name = "Files"
