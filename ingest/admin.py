"""Admin for the ingest app."""
