"""/api/v1/file-metadata/, /file-extractions/ and /mail-messages/: what was read from each file
and the e-mails received, read-only (laseros.api.records). A stored file (the raw e-mail, a
preview) is not in the answer: files are downloaded through /api/v1/files/."""

from __future__ import annotations

import django_filters

from laseros.api.filters import day_range
from laseros.api.records import RecordViewSet, record_serializer
from laseros.api.routers import router

from .models import FileExtraction, FileMetadata, MailMessage


class FileMetadataFilter(django_filters.FilterSet):
    """What was read from one file, or every file with warnings."""

    class Meta:
        model = FileMetadata
        fields = ["file", "has_warnings"]


class FileMetadataViewSet(RecordViewSet):
    """The normalised reading of each file: material, thickness, cut length, pierces, holes."""

    queryset = FileMetadata.objects.all()
    serializer_class = record_serializer(FileMetadata, exclude=("preview",))
    filterset_class = FileMetadataFilter
    search_fields = ["material_code", "file__original_name"]
    ordering_fields = ["updated_at", "cut_length_mm", "pierce_count", "id"]
    ordering = ["-id"]


class FileExtractionFilter(django_filters.FilterSet):
    """A file's readings (the current one or all), or every reading by one parser."""

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


class MailMessageFilter(django_filters.FilterSet):
    """E-mails received, by outcome, client, job and day."""

    received_after, received_before = day_range("received_at")

    class Meta:
        model = MailMessage
        fields = ["status", "client", "project"]


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
