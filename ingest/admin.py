"""Admin for the ingest app."""


def attach_project_files_inline():
    pass
