"""/api/v1/file-metadata/, /file-extractions/ and /mail-messages/'s generated tests
(laseros.api_testing): read by every role (the matrix's ingest row)."""

from __future__ import annotations

from django.utils import timezone

from ingest.mail.reading import message_key
from ingest.models import FileExtraction, FileMetadata, MailMessage, MailStatus
from ingest.tests.factories import file_row, make_project
from laseros.api_testing import EndpointTests, Filter, dates, set_fields


def on(field, value):
    """Filter arrangement: the matching row gets `value` in `field`."""
    return lambda match, other: set_fields(match, **{field: value})


def read_by_an_extraction(match, other):
    """The matching reading comes from a parser's raw reading of its file."""
    extraction = FileExtraction.objects.create(
        file=match.file, parser="dxf", parser_version="1", raw={}, created_at=timezone.now()
    )
    set_fields(match, extraction=extraction)


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
        Filter("extraction", lambda metadata: metadata.extraction_id, read_by_an_extraction),
        *dates("updated_at"),
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
        *dates("created_at"),
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
        Filter("created_job", lambda mail: "true", on("created_job", True)),
        Filter("message_key", lambda mail: mail.message_key),
        # the Message-ID a mail program shows, in any case: the filter hashes it as reading did
        Filter("message_key", lambda mail: mail.message_id.upper(), name="message_key=Message-ID"),
        *dates("received_at"),
        *dates("sent_at"),
        *dates("measured_at"),
    )

    def make(self, n):
        project = make_project()
        message_id = f"<m{n}-{project.pk}@example.com>"
        return MailMessage.objects.create(
            message_key=message_key(message_id, b""),
            message_id=message_id,
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
