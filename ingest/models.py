"""Every file that comes in: the received file, each reading of it, and what it measures.

`FileIngest` is one stored file (the same bytes are one file: sha256 is unique among live files),
with its life cycle queued -> processing -> processed | failed. `FileExtraction` keeps every
reading a parser made (re-extracting adds one, the earlier ones stay as history), and
`FileMetadata` holds the current reading normalised into columns the shop filters and quotes on.
Rows are written only by `ingest.services` (and its worker task), never by `save()` elsewhere.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


class FileKind(models.TextChoices):
    """What a file is, judged from its content (ingest.content.detect)."""

    DXF = "dxf", "DXF drawing"
    LIGHTBURN = "lightburn", "LightBurn project"
    PDF = "pdf", "PDF"
    EXCEL = "excel", "Excel workbook"
    IMAGE = "image", "Image"


class FileStatus(models.TextChoices):
    """Where a file is in its reading; the moves allowed are FILE_TRANSITIONS."""

    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Processing"
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Failed"

    @classmethod
    def waiting(cls) -> tuple[str, ...]:
        """Not read yet: what the worker still has to do."""
        return (cls.QUEUED, cls.PROCESSING)

    @classmethod
    def done(cls) -> tuple[str, ...]:
        return (cls.PROCESSED, cls.FAILED)


# The allowed moves, checked in one place (FileIngest.can_move_to / services.file_transition).
# processing -> processing: the worker died and django-q2 runs the task again.
# processing -> queued: the sweep puts a file back in the queue after a dead worker.
# processed | failed -> queued: re-extract.
FILE_TRANSITIONS: dict[str, frozenset[str]] = {
    FileStatus.QUEUED: frozenset({FileStatus.PROCESSING, FileStatus.FAILED}),
    FileStatus.PROCESSING: frozenset(
        {FileStatus.PROCESSING, FileStatus.PROCESSED, FileStatus.FAILED, FileStatus.QUEUED}
    ),
    FileStatus.PROCESSED: frozenset({FileStatus.QUEUED}),
    FileStatus.FAILED: frozenset({FileStatus.QUEUED}),
}


class FileSource(models.TextChoices):
    """How the file reached the shop."""

    ADMIN = "admin", "Admin upload"
    API = "api", "API"
    CLI = "cli", "Command line"
    EMAIL = "email", "E-mail"
    OPERATOR = "operator", "Operator page"
    LEGACY_IMPORT = "legacy_import", "Legacy folder import"
    CLIENT_TRACKING = "tracking", "Client tracking page"


class FileIngestQuerySet(models.QuerySet):
    def live(self) -> FileIngestQuerySet:
        """Files not soft-deleted."""
        return self.filter(deleted_at__isnull=True)

    def deleted(self) -> FileIngestQuerySet:
        return self.filter(deleted_at__isnull=False)

    def waiting(self) -> FileIngestQuerySet:
        return self.live().filter(status__in=FileStatus.waiting())

    def failed(self) -> FileIngestQuerySet:
        return self.live().filter(status=FileStatus.FAILED)

    def for_list(self) -> FileIngestQuerySet:
        """What a file list shows: client, project, uploader and the current metadata."""
        return self.select_related("client", "project", "uploaded_by", "metadata")


class FileIngest(models.Model):
    """One received file, stored once under its conventional name and read in the background.

    The same bytes are one file (sha256 unique among live files); a new drawing of the same part
    gets the next version, and a version number is never handed out twice.
    """

    client = models.ForeignKey(
        "clients.Client",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="files",
        help_text="Whose file this is; empty when it came in without a client.",
    )
    project = models.ForeignKey(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="files",
        verbose_name="job",
        help_text="The job this file belongs to; empty for unfiled files.",
    )
    original_name = models.CharField(
        max_length=255, help_text="The name the file arrived with (cleaned of control characters)."
    )
    source_path = models.CharField(
        max_length=1000,
        blank=True,
        help_text="Where it came from (folders included, for imports); folder names are read "
        "for material and thickness too.",
    )
    file = models.FileField(
        max_length=500,
        unique=True,
        help_text="The stored bytes, in the file store under the client's and the job's folders.",
    )
    stored_name = models.CharField(
        max_length=255,
        help_text="The shop's name for the file: client, job, part, material, thickness, quantity "
        "and version, e.g. CL0001-JB-2025-10-CL0001-001-BracketLeft-MS-5mm-x14-v003.dxf.",
    )
    part = models.CharField(max_length=100, help_text="The part this file draws, as named.")
    version = models.PositiveIntegerField(
        validators=[MinValueValidator(1)],
        help_text="v001, v002, ... per client, job, part and file kind; never reused.",
    )
    sha256 = models.CharField(
        max_length=64,
        db_index=True,
        help_text="Checksum of the bytes: the same bytes are one file.",
    )
    size_bytes = models.PositiveBigIntegerField(help_text="Size of the stored file in bytes.")
    kind = models.CharField(
        max_length=20, choices=FileKind.choices, db_index=True, help_text="Judged from content."
    )
    mime = models.CharField("MIME type", max_length=100, blank=True)
    extension = models.CharField(
        max_length=10, help_text="The extension the stored name got, from the content."
    )
    detail = models.CharField(
        max_length=100, blank=True, help_text="What detection saw, e.g. 'ascii', 'R2018'."
    )
    ingest_warnings = models.JSONField(
        default=list,
        blank=True,
        help_text="Problems seen on arrival ([{code, message}]), e.g. an extension that does "
        "not match the content.",
    )
    given = models.JSONField(
        "values given",
        default=dict,
        blank=True,
        help_text="Material, thickness and quantity the sender gave with the file "
        '({"material": "MS", "thickness_mm": "3", "quantity": 10}). They are used instead of '
        "what the file itself says, and a disagreement is shown as a warning.",
    )
    status = models.CharField(
        max_length=20,
        choices=FileStatus.choices,
        default=FileStatus.QUEUED,
        editable=False,
        db_index=True,
    )
    progress = models.FloatField(
        default=0.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="0 to 1 while the file is read.",
    )
    progress_message = models.CharField(max_length=200, blank=True)
    failure_reason = models.TextField(
        blank=True, help_text="Why the file could not be read: a sentence a person can act on."
    )
    traceback = models.TextField(blank=True, help_text="For staff: where the reader failed.")
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="How many times the worker started reading this file."
    )
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    queued_at = models.DateTimeField(
        default=timezone.now, help_text="When the file last went into the queue to be read."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(
        max_length=100,
        blank=True,
        editable=False,
        help_text="The worker cluster that claimed the file for its current attempt "
        "(laseros.workers); empty when read outside a cluster. Its work is put back when it dies.",
    )
    worker_pid = models.PositiveIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="The cluster's worker process reading it: its cluster puts the file back when "
        "that process died under it (e.g. out of memory) and was replaced.",
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who sent it in; empty for the system (imports, e-mail).",
    )
    source = models.CharField(max_length=20, choices=FileSource.choices, db_index=True)
    deleted_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="Set when the file was deleted (soft)."
    )

    objects = FileIngestQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "file"
        verbose_name_plural = "files"
        constraints = [
            models.UniqueConstraint(
                fields=["sha256"],
                condition=Q(deleted_at__isnull=True),
                name="ingest_file_one_live_copy_per_sha256",
                violation_error_message="The same file (same bytes) is already stored.",
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0.0) & Q(progress__lte=1.0),
                name="ingest_file_progress_0_to_1",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="ingest_file_version_from_1"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in FileStatus]),
                name="ingest_file_status_known",
            ),
        ]
        indexes = [models.Index(fields=["client", "project", "part"])]

    def __str__(self) -> str:
        return self.stored_name or self.original_name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def can_move_to(self, status: str) -> bool:
        return status in FILE_TRANSITIONS.get(self.status, frozenset())


class FileExtraction(models.Model):
    """One reading of a file by a parser, kept whole (raw JSON) so a later parser can be compared
    with an earlier one; exactly one per file is current."""

    file = models.ForeignKey(FileIngest, on_delete=models.CASCADE, related_name="extractions")
    parser = models.CharField(max_length=50, help_text="The parser that read the file.")
    parser_version = models.CharField(max_length=20, blank=True)
    raw = models.JSONField(default=dict, blank=True, help_text="Everything the parser found.")
    metadata = models.JSONField(
        default=dict, blank=True, help_text="The normalised values of this reading (history)."
    )
    warnings = models.JSONField(default=list, blank=True, help_text="[{code, message}]")
    created_at = models.DateTimeField(db_index=True)
    is_current = models.BooleanField(
        default=True, help_text="The reading FileMetadata was made from."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        verbose_name = "reading"
        verbose_name_plural = "readings"
        constraints = [
            models.UniqueConstraint(
                fields=["file"],
                condition=Q(is_current=True),
                name="ingest_extraction_one_current_per_file",
            )
        ]

    def __str__(self) -> str:
        return f"{self.parser} {self.parser_version} reading of file #{self.file_id}"


class FileMetadata(models.Model):
    """The current reading of a file, normalised: what quoting and production use.

    Lengths in mm, areas in mm²; a value the file does not say is empty, never guessed."""

    file = models.OneToOneField(FileIngest, on_delete=models.CASCADE, related_name="metadata")
    extraction = models.ForeignKey(
        FileExtraction,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The reading these values come from.",
    )
    material_code = models.CharField(
        max_length=10, blank=True, db_index=True, help_text="MS, SS, GALV, AL, VAST, ..."
    )
    thickness_mm = models.DecimalField(
        max_digits=7, decimal_places=3, null=True, blank=True, db_index=True
    )
    quantity = models.PositiveIntegerField(null=True, blank=True)
    units = models.CharField(
        max_length=20, blank=True, help_text="The units the drawing declared (values are in mm)."
    )
    cut_length_mm = models.FloatField(null=True, blank=True, help_text="Total cut path, in mm.")
    pierce_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="Closed contours plus open chains."
    )
    part_count = models.PositiveIntegerField(null=True, blank=True, help_text="Outermost contours.")
    area_mm2 = models.FloatField("area (mm²)", null=True, blank=True, help_text="Net of holes.")
    bbox_width_mm = models.FloatField(null=True, blank=True)
    bbox_height_mm = models.FloatField(null=True, blank=True)
    holes = models.JSONField(default=list, blank=True, help_text='[{"diameter_mm": ...}]')
    cutouts = models.JSONField(
        "cut-outs",
        default=list,
        blank=True,
        help_text='Openings that are not round: [{"shape": "slot", "size_mm": [30, 8], ...}]',
    )
    closed_contours = models.PositiveIntegerField(null=True, blank=True)
    open_contours = models.PositiveIntegerField(null=True, blank=True)
    entity_counts = models.JSONField(default=dict, blank=True, help_text='{"LINE": 12, ...}')
    layers = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True, help_text="[{code, message}]")
    warning_count = models.PositiveSmallIntegerField(default=0)
    has_warnings = models.BooleanField(default=False, db_index=True)
    preview = models.FileField(
        max_length=500, blank=True, help_text="A PNG picture of the drawing, when there is one."
    )
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "measurements"
        verbose_name_plural = "measurements"
        constraints = [
            models.CheckConstraint(
                condition=Q(has_warnings=True, warning_count__gt=0)
                | Q(has_warnings=False, warning_count=0),
                name="ingest_metadata_has_warnings_matches_count",
            )
        ]

    def __str__(self) -> str:
        return f"metadata of file #{self.file_id}"

    @property
    def bbox_mm(self) -> list[float] | None:
        if self.bbox_width_mm is None or self.bbox_height_mm is None:
            return None
        return [self.bbox_width_mm, self.bbox_height_mm]


# --- e-mail intake (ingest.mail) ------------------------------------------------------------------


class MailStatus(models.TextChoices):
    """Where an e-mail is in its intake; the moves allowed are MAIL_TRANSITIONS."""

    RECEIVED = "received", "Received (not filed yet)"
    FILED = "filed", "Filed with a job"
    UNKNOWN_SENDER = "unknown_sender", "Unknown sender (waiting for a manager)"
    FAILED = "failed", "Failed (will be tried again)"
    DISCARDED = "discarded", "Discarded"

    @classmethod
    def open(cls) -> tuple[str, ...]:
        """Waiting for someone or something: not filed, not discarded."""
        return (cls.RECEIVED, cls.UNKNOWN_SENDER, cls.FAILED)


# The allowed moves (ingest.mail.services.mail_transition checks them).
# received -> *: the first processing; failed -> *: a retry; unknown_sender -> filed: a manager
# matched the sender to a client; failed | unknown_sender -> discarded: a manager threw it away.
MAIL_TRANSITIONS: dict[str, frozenset[str]] = {
    MailStatus.RECEIVED: frozenset(
        {MailStatus.FILED, MailStatus.UNKNOWN_SENDER, MailStatus.FAILED}
    ),
    MailStatus.FAILED: frozenset(
        {MailStatus.FILED, MailStatus.UNKNOWN_SENDER, MailStatus.FAILED, MailStatus.DISCARDED}
    ),
    MailStatus.UNKNOWN_SENDER: frozenset(
        {MailStatus.FILED, MailStatus.FAILED, MailStatus.DISCARDED}
    ),
    MailStatus.FILED: frozenset(),
    MailStatus.DISCARDED: frozenset(),
}


class MailMessageQuerySet(models.QuerySet):
    def for_list(self) -> MailMessageQuerySet:
        """What the e-mail list shows: client, job and the number of attachments."""
        return self.select_related("client", "project").annotate(
            attachment_count=models.Count("attachments")
        )


class MailMessage(models.Model):
    """One e-mail read from the shop's mailbox (or a folder of .eml files), kept whole.

    Read once: its Message-ID is remembered. The raw message is stored before anything else is
    done with it, so a message that fails, or whose sender is unknown, is never lost."""

    message_key = models.CharField(
        max_length=64,
        unique=True,
        editable=False,
        help_text="sha256 of the Message-ID (of the whole message when it has none): an e-mail is "
        "read once.",
    )
    message_id = models.CharField(
        "Message-ID",
        max_length=998,
        blank=True,
        help_text="The Message-ID header as sent; empty when the message had none.",
    )
    mailbox = models.CharField(
        max_length=300,
        help_text="Where it was read: imap://user@host/folder, or the folder or file of .eml files.",
    )
    reference = models.CharField(
        max_length=1000,
        blank=True,
        help_text="Which message in that mailbox: its IMAP UID or the .eml file's name.",
    )
    raw = models.FileField(
        "stored message",
        max_length=500,
        help_text="The whole message as it arrived (.eml), with every attachment in it.",
    )
    size_bytes = models.PositiveBigIntegerField(help_text="Size of the whole message in bytes.")
    from_address = models.CharField(
        max_length=320,
        blank=True,
        db_index=True,
        help_text="The sender's address (From), in lower case; empty when the message had none.",
    )
    from_name = models.CharField(max_length=200, blank=True, help_text="The sender's name.")
    subject = models.CharField(max_length=500, blank=True, help_text="The subject, decoded.")
    body_text = models.TextField(
        blank=True, help_text="The message's text (the HTML part's text when it has no plain one)."
    )
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="The Date header: when the sender sent it."
    )
    received_at = models.DateTimeField(
        default=timezone.now, db_index=True, help_text="When Laser OS read it."
    )
    status = models.CharField(
        max_length=20,
        choices=MailStatus.choices,
        default=MailStatus.RECEIVED,
        editable=False,
        db_index=True,
        help_text="Received, filed with a job, waiting for a manager (unknown sender), failed "
        "(tried again by the mail task) or discarded.",
    )
    client = models.ForeignKey(
        "clients.Client",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mail_messages",
        help_text="The client whose contact sent it; empty while the sender is unknown.",
    )
    project = models.ForeignKey(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mail_messages",
        verbose_name="job",
        help_text="The job it made (a new request) or joined (a reply naming the job's code).",
    )
    created_job = models.BooleanField(
        default=False, help_text="Whether this e-mail made its job (a new request)."
    )
    outcome = models.TextField(
        blank=True, help_text="What was done with it, one line per attachment."
    )
    failure_reason = models.TextField(
        blank=True, help_text="Why it could not be filed: a sentence a person can act on."
    )
    traceback = models.TextField(blank=True, help_text="For staff: where the processing failed.")
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="How many times Laser OS tried to file it."
    )
    measured_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When every drawing it brought had been read (and finance was told, to draft "
        "a quote); empty while they wait.",
    )

    objects = MailMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "e-mail"
        verbose_name_plural = "e-mails"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in MailStatus]),
                name="ingest_mail_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_address}: {self.subject or '(no subject)'}"[:200]

    def can_move_to(self, status: str) -> bool:
        return status in MAIL_TRANSITIONS.get(self.status, frozenset())


class MailAttachmentOutcome(models.TextChoices):
    """What became of one attachment of an e-mail."""

    INGESTED = "ingested", "Stored as a new file"
    DUPLICATE = "duplicate", "Already stored (same bytes)"
    REFUSED = "refused", "Refused"
    INLINE = "inline", "Skipped: an image in the message's text (e.g. a signature logo)"
    WAITING = "waiting", "Waiting (the sender is unknown)"


class MailAttachment(models.Model):
    """One attachment of an e-mail and what became of it; its bytes stay in the stored message,
    so a refused or waiting one can still be looked at."""

    message = models.ForeignKey(
        MailMessage,
        on_delete=models.CASCADE,
        related_name="attachments",
        help_text="The e-mail it came with.",
    )
    position = models.PositiveSmallIntegerField(
        help_text="Its place among the message's parts (1 is the first attachment)."
    )
    name = models.CharField(
        max_length=255, help_text="The attachment's name as sent, decoded (RFC 2231, =?...?=)."
    )
    content_type = models.CharField(
        max_length=100, blank=True, help_text="The type the sender's mail program gave it."
    )
    size_bytes = models.PositiveBigIntegerField(help_text="Its size in bytes.")
    forwarded = models.BooleanField(
        default=False, help_text="Whether it sat inside a forwarded message."
    )
    outcome = models.CharField(
        max_length=20,
        choices=MailAttachmentOutcome.choices,
        help_text="Stored, already stored, refused (with the reason), skipped as an inline "
        "image, or waiting for the sender to be matched.",
    )
    detail = models.TextField(
        blank=True, help_text="What ingest said: the stored name, or why it was refused."
    )
    file = models.ForeignKey(
        FileIngest,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mail_attachments",
        help_text="The stored file it became (a new one, or the copy of the same bytes).",
    )

    class Meta:
        ordering = ["message", "position"]
        verbose_name = "attachment"
        verbose_name_plural = "attachments"
        constraints = [
            models.UniqueConstraint(
                fields=["message", "position"], name="ingest_mail_attachment_one_per_position"
            ),
        ]

    def __str__(self) -> str:
        return self.name
