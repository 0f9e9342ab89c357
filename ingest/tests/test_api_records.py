"""/api/v1/file-metadata/, /file-extractions/ and /mail-messages/'s generated tests
(laseros.api_testing): read by every role (the matrix's ingest row)."""

from __future__ import annotations

from django.utils import timezone

from ingest.models import FileExtraction, FileMetadata, MailMessage, MailStatus
from ingest.tests.factories import file_row, make_project
from laseros.api_testing import EndpointTests, Filter, dates, set_fields


def on(field, value):
    """Filter arrangement: the matching row gets `value` in `field`."""
    return lambda match, other: set_fields(match, **{field: value})


class TestFileMetadata(EndpointTests):
    prefix = "file-metadata"
    model = FileMetadata
    filters = (
        Filter("file", lambda metadata: metadata.file_id),
        Filter(
            "has_warnings",
            lambda metadata: "true",
            lambda match, other: set_fields(match, has_warnings=True, warning_count=1),
        ),
    )

    def make(self, n):
        return FileMetadata.objects.get(file=file_row(metadata=True))


class TestFileExtractions(EndpointTests):
    prefix = "file-extractions"
    model = FileExtraction
    filters = (
        Filter("file", lambda extraction: extraction.file_id),
        Filter("parser", lambda extraction: "pdf", on("parser", "pdf")),
        Filter("is_current", lambda extraction: "false", on("is_current", False)),
    )

    def make(self, n):
        return FileExtraction.objects.create(
            file=file_row(metadata=False),
            parser="dxf",
            parser_version="1",
            raw={"n": n},
            created_at=timezone.now(),
        )


class TestMailMessages(EndpointTests):
    prefix = "mail-messages"
    model = MailMessage
    filters = (
        Filter("status", lambda mail: MailStatus.FILED, on("status", MailStatus.FILED)),
        Filter("client", lambda mail: mail.client_id),
        Filter("project", lambda mail: mail.project_id),
        *dates("received_at"),
    )

    def make(self, n):
        project = make_project()
        return MailMessage.objects.create(
            message_key=f"<m{n}-{project.pk}@example.com>",
            message_id=f"<m{n}-{project.pk}@example.com>",
            mailbox="INBOX",
            reference=str(n),
            raw=f"mail/m{n}.eml",
            size_bytes=100,
            from_address=f"buyer{n}@example.com",
            subject=f"Order {n}",
            received_at=timezone.now(),
            client=project.client,
            project=project,
        )
