"""/api/v1/file-metadata/, /file-extractions/ and /mail-messages/: what was read from each file
and the e-mails received, read-only (laseros.api.records). A stored file (the raw e-mail, a
preview) is not in the answer: files are downloaded through /api/v1/files/."""

from __future__ import annotations

import django_filters

from laseros.api.filters import day_range
from laseros.api.records import RecordViewSet, record_serializer
from laseros.api.routers import router

from .mail.reading import message_key
from .models import FileExtraction, FileMetadata, MailMessage


class FileMetadataFilter(django_filters.FilterSet):
    """What was read from one file, or every file with warnings; the readings taken from one
    extraction (a parser's raw reading), or changed on a day."""

    updated_after, updated_before = day_range("updated_at")

    class Meta:
        model = FileMetadata
        fields = ["file", "has_warnings", "extraction"]


class FileMetadataViewSet(RecordViewSet):
    """The normalised reading of each file: material, thickness, cut length, pierces, holes."""

    queryset = FileMetadata.objects.all()
    serializer_class = record_serializer(FileMetadata, exclude=("preview",))
    filterset_class = FileMetadataFilter
    search_fields = ["material_code", "file__original_name"]
    ordering_fields = ["updated_at", "cut_length_mm", "pierce_count", "id"]
    ordering = ["-id"]


class FileExtractionFilter(django_filters.FilterSet):
    """A file's readings (the current one or all), every reading by one parser, or by day."""

    created_after, created_before = day_range("created_at")

    class Meta:
        model = FileExtraction
        fields = ["file", "parser", "is_current"]


class FileExtractionViewSet(RecordViewSet):
    """Each parser's raw reading of a file, kept per version of the parser."""

    queryset = FileExtraction.objects.all()
    serializer_class = record_serializer(FileExtraction)
    filterset_class = FileExtractionFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-id"]


class MessageKeyFilter(django_filters.CharFilter):
    """One e-mail, by its Message-ID (as a mail program shows it) or the key it is remembered
    by (the sha256 of that Message-ID, as the list answers it)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", "E-mail (its Message-ID, or its message_key)")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": {value.lower(), message_key(value, b"")}})


class MailMessageFilter(django_filters.FilterSet):
    """E-mails received, by outcome, client, job, whether one made its job, one by its
    Message-ID, and the day sent, received or its drawings were all read."""

    message_key = MessageKeyFilter()
    received_after, received_before = day_range("received_at")
    sent_after, sent_before = day_range("sent_at")
    measured_after, measured_before = day_range("measured_at")

    class Meta:
        model = MailMessage
        fields = ["status", "client", "project", "created_job", "message_key"]


class MailMessageViewSet(RecordViewSet):
    """Every e-mail the shop's mailbox received and what became of it."""

    queryset = MailMessage.objects.all()
    serializer_class = record_serializer(MailMessage, exclude=("raw",))
    filterset_class = MailMessageFilter
    search_fields = ["subject", "from_address", "from_name", "reference"]
    ordering_fields = ["received_at", "id"]
    ordering = ["-received_at", "-id"]


router.register("file-metadata", FileMetadataViewSet, basename="filemetadata")
router.register("file-extractions", FileExtractionViewSet, basename="fileextraction")
router.register("mail-messages", MailMessageViewSet, basename="mailmessage")
