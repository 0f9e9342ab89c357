"""Reads on files that more than one caller uses (admin, API, project pages, the dashboard)."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import FileExtraction, FileIngest, FileKind, FileMetadata, FileStatus

# What counts as a design file for a project (the Quoting gate): drawings, LightBurn projects,
# PDF drawings and photos of sketches; a spreadsheet is not a drawing.
DESIGN_KINDS = (FileKind.DXF, FileKind.LIGHTBURN, FileKind.PDF, FileKind.IMAGE)


def file_list() -> QuerySet[FileIngest]:
    """Every file with what a list shows, newest first (deleted ones included: filter them)."""
    return FileIngest.objects.for_list()


def project_files(project=None) -> QuerySet[FileIngest]:
    """Live files with their metadata, by part and version: a project's (or, for the project
    page's inline, which filters by project itself, everyone's)."""
    files = (
        FileIngest.objects.live()
        .select_related("metadata", "client", "project")
        .order_by("part", "kind", "-version")
    )
    return files if project is None else files.filter(project=project)


def design_file_count(project) -> int:
    """How many design files the project has (live, not failed): the Quoting gate counts these."""
    return (
        FileIngest.objects.live()
        .filter(project=project, kind__in=DESIGN_KINDS)
        .exclude(status=FileStatus.FAILED)
        .count()
    )


def extraction_history(file: FileIngest, *, raw: bool = False) -> QuerySet[FileExtraction]:
    """Every reading of a file, newest first (without the large raw JSON unless asked)."""
    readings = FileExtraction.objects.filter(file=file).order_by("-created_at", "-id")
    return readings if raw else readings.defer("raw")


def waiting_count() -> int:
    return FileIngest.objects.waiting().count()


def failed_count() -> int:
    return FileIngest.objects.failed().count()


def file_metadata(file: FileIngest) -> FileMetadata | None:
    """The file's metadata without a query when it was select_related (None if not read yet)."""
    try:
        return file.metadata
    except FileMetadata.DoesNotExist:
        return None


def mail_waiting_count() -> int:
    """E-mails from unknown senders waiting for a manager (the admin index's tile)."""
    from .models import MailMessage, MailStatus

    return MailMessage.objects.filter(status=MailStatus.UNKNOWN_SENDER).count()


def mail_failed_count() -> int:
    """E-mails that could not be filed (tried again by the mail task; the admin index's tile)."""
    from .models import MailMessage, MailStatus

    return MailMessage.objects.filter(status=MailStatus.FAILED).count()
