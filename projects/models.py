"""Jobs and their life cycle; the product (SKU) catalogue."""

from __future__ import annotations

import os
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.text import get_valid_filename

from laseros.help_texts import with_settings

from .sku import SkuParts, build_sku, format_thickness, parse_sku

PROJECT_CODE_RE = r"^JB-\d{4}-\d{2}-CL\d{4,}-\d{3,}$"
# Bounds on what a user can send, so products and sums fit their columns (and the database's
# integers): a line's quantity × its unit price is kept and shown with 14 digits, 2 decimals.
MAX_QUANTITY = 1_000_000
MAX_TOTAL = Decimal("999999999999.99")
MAX_REVISION = 999  # v999: the SKU built from its parts stays within its 100 characters


class ProjectStatus(models.TextChoices):
    """A job's statuses in DOMAIN.md order; moves are data in projects.workflow."""

    REQUEST = "request", "Request"
    QUOTING = "quoting", "Quoting"
    APPROVED = "approved", "Approved"
    PAID = "paid", "Paid"
    QUEUED = "queued", "Queued"
    CUTTING = "cutting", "Cutting"
    QC = "qc", "QC"
    READY = "ready", "Ready"
    COMPLETED = "completed", "Completed"
    ON_HOLD = "on_hold", "On hold"
    CANCELLED = "cancelled", "Cancelled"


class ProjectPriority(models.TextChoices):
    """How urgent the client needs it; production orders its queue by it."""

    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class ProjectQuerySet(models.QuerySet):
    def for_list(self) -> ProjectQuerySet:
        """What project lists show: the client and the material, in the same query."""
        return self.select_related("client", "material", "created_by")

    def in_status(self, statuses) -> ProjectQuerySet:
        return self.filter(status__in=list(statuses))


class Project(models.Model):
    """A job for a client (JB-2025-10-CL0001-001), moved through its statuses only by
    `projects.services.project_transition`, which keeps the history and the dates right."""

    code = models.CharField(
        max_length=32,
        unique=True,
        editable=False,
        validators=[
            RegexValidator(PROJECT_CODE_RE, "Project codes look like JB-2025-10-CL0001-001.")
        ],
        help_text="Generated JB-YYYY-MM-CL0001-###, per client per month; never reused.",
    )
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="projects")
    name = models.CharField(max_length=200, help_text="What the client calls the job.")
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=20,
        choices=ProjectStatus.choices,
        default=ProjectStatus.REQUEST,
        editable=False,
        db_index=True,
        help_text="Changed only through the transition buttons (the history keeps every move).",
    )
    status_before_hold = models.CharField(
        max_length=20,
        choices=ProjectStatus.choices,
        blank=True,
        editable=False,
        help_text="Where the job was when it went on hold; resuming returns it there.",
    )
    status_changed_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the job entered its status."
    )
    status_reason = models.CharField(
        max_length=255,
        blank=True,
        editable=False,
        help_text="The reason given with the last status change (why it is on hold, cancelled…).",
    )
    priority = models.CharField(
        max_length=10,
        choices=ProjectPriority.choices,
        default=ProjectPriority.NORMAL,
        help_text="Production orders its queue by it.",
    )
    material = models.ForeignKey(
        "inventory.Material",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Needed before quoting.",
    )
    thickness_mm = models.DecimalField(
        "thickness (mm)",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Needed before quoting.",
    )
    quantity = models.PositiveIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)],
        help_text="How many the client ordered.",
    )
    promised_date = models.DateField(
        null=True, blank=True, help_text="The date promised to the client, if any."
    )
    due_date = models.DateField(
        null=True,
        blank=True,
        editable=False,
        db_index=True,
        help_text=with_settings(
            "Set on payment: the sooner of the promised date and {POP_DUE_WORKING_DAYS} working "
            "days after the proof of payment."
        ),
    )
    quote_sent_on = models.DateField(
        null=True, blank=True, help_text="When the quote went to the client; expiry counts from it."
    )
    quote_expires_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        db_index=True,
        help_text=with_settings(
            "The quote date + {QUOTE_VALID_WORKING_DAYS} working days; after it the job is "
            "cancelled (reinstatable)."
        ),
    )
    quote_reminder_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text=with_settings(
            "{QUOTE_REMINDER_DAYS_BEFORE_EXPIRY} working days before the quote expires: remind "
            "the client."
        ),
    )
    quoted_price = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Quoted total excl. VAT (ZAR).",
    )
    final_price = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Invoiced total excl. VAT (ZAR).",
    )
    approved_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the client approved the quote."
    )
    pop_received_at = models.DateTimeField(
        "proof of payment received",
        null=True,
        blank=True,
        editable=False,
        help_text="When proof of payment arrived; the due date counts from it.",
    )
    payment_waived_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When a manager let production start before payment (reason in the history).",
    )
    # What "Payment received" recorded; finance's payments will take over from these two.
    payment_amount = models.DecimalField(
        "amount paid (R)",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_TOTAL)],
        help_text="What the client paid, as the proof of payment shows it (ZAR, VAT included).",
    )
    payment_document = models.ForeignKey(
        "ProjectDocument",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="proof of payment",
        help_text="The proof of payment document the payment was recorded from.",
    )
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    notes = models.TextField(blank=True, help_text="Internal notes; the client does not see them.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "job"  # the shop's word; the model keeps its name
        permissions = [
            ("override_gate", "Can override a workflow gate (with a recorded reason)"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ProjectStatus.values), name="project_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="project_quantity_gte_1"
            ),
            models.CheckConstraint(
                condition=models.Q(thickness_mm__isnull=True) | models.Q(thickness_mm__gt=0),
                name="project_thickness_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(quoted_price__isnull=True) | models.Q(quoted_price__gte=0),
                name="project_quoted_price_gte_0",
            ),
            models.CheckConstraint(
                condition=models.Q(final_price__isnull=True) | models.Q(final_price__gte=0),
                name="project_final_price_gte_0",
            ),
            models.CheckConstraint(
                condition=models.Q(payment_amount__isnull=True) | models.Q(payment_amount__gt=0),
                name="project_payment_amount_gt_0",
            ),
            models.CheckConstraint(
                condition=models.Q(status="on_hold") | models.Q(status_before_hold=""),
                name="project_before_hold_only_on_hold",
            ),
        ]
        indexes = [models.Index(fields=["client", "-created_at"], name="project_client_recent")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProjectStatusChange(models.Model):
    """One move of a job's status: from, to, who, when, why, and which gates a manager overrode."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="status_changes", verbose_name="job"
    )
    from_status = models.CharField(max_length=20, choices=ProjectStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ProjectStatus.choices)
    changed_at = models.DateTimeField(db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the system moved it (e.g. an expired quote).",
    )
    reason = models.TextField(blank=True)
    overridden_gates = models.JSONField(
        default=list, blank=True, help_text="Gate codes a manager overrode for this move."
    )

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = "status change"

    def __str__(self) -> str:
        return f"{self.project_id}: {self.from_status or '—'} → {self.to_status}"

    @property
    def was_overridden(self) -> bool:
        return bool(self.overridden_gates)


class DocumentKind(models.TextChoices):
    QUOTE = "quote", "Quote"
    INVOICE = "invoice", "Invoice"
    PROOF_OF_PAYMENT = "pop", "Proof of payment"
    DELIVERY_NOTE = "delivery_note", "Delivery note"
    DESIGN = "design", "Design"
    IMAGE = "image", "Image"
    OTHER = "other", "Other"


def project_document_path(instance: ProjectDocument, filename: str) -> str:
    """{client_code}/{project_code}/documents/{file name}: next to the job's other files."""
    project = instance.project
    name = get_valid_filename(os.path.basename(filename)) or "document"
    return f"{project.client.code}/{project.code}/documents/{name}"


class ProjectDocument(models.Model):
    """A file the job's paperwork needs: the quote, invoice, proof of payment, a design, photos.

    Added only through `projects.services.project_document_add`, which checks the file and moves
    the job to Paid when a proof of payment arrives.
    """

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="documents", verbose_name="job"
    )
    kind = models.CharField(max_length=20, choices=DocumentKind.choices, db_index=True)
    file = models.FileField(upload_to=project_document_path, max_length=500)
    original_name = models.CharField(max_length=255, help_text="The name the file came with.")
    content_type = models.CharField(max_length=100, blank=True, help_text="Detected from content.")
    size_bytes = models.PositiveBigIntegerField(default=0)
    note = models.CharField(max_length=255, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = "job document"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


class ProductQuerySet(models.QuerySet):
    def for_list(self) -> ProductQuerySet:
        return self.select_related("material")


class Product(models.Model):
    """A part the shop makes again and again, under a SKU (SKU-CON-BRK-A-80x80-6-MS-v1)."""

    sku = models.CharField(
        "SKU",
        max_length=100,
        unique=True,
        blank=True,
        help_text="SKU-[category]-[family]-[size]-[thickness]-[material]-v[rev]; built from the "
        "parts when left empty.",
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=10, help_text="e.g. CON (construction)")
    family = models.CharField(max_length=10, help_text="e.g. BRK (bracket)")
    size = models.CharField(max_length=40, help_text="e.g. A-80x80")
    material = models.ForeignKey("inventory.Material", on_delete=models.PROTECT, related_name="+")
    thickness_mm = models.DecimalField(
        "thickness (mm)",
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    revision = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_REVISION)]
    )
    unit_price = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Price per unit excl. VAT (ZAR); new job lines start from it.",
    )
    is_active = models.BooleanField(default=True, help_text="Inactive products cannot be ordered.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0), name="product_price_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(thickness_mm__gt=0), name="product_thickness_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    def sku_parts(self) -> SkuParts:
        return SkuParts(
            category=self.category,
            family=self.family,
            size=self.size,
            thickness_mm=self.thickness_mm,
            material_code=self.material.code if self.material_id else "",
            revision=self.revision or 0,
        )

    def clean(self) -> None:
        """The SKU and its parts agree: an empty SKU is built from them, a given one checked."""
        super().clean()
        self.category = (self.category or "").strip().upper()
        self.family = (self.family or "").strip().upper()
        self.size = (self.size or "").strip()
        if not self.material_id or self.thickness_mm is None or not self.revision:
            return  # the field errors say what is missing
        try:
            expected = build_sku(self.sku_parts())
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        if not self.sku:
            self.sku = expected
            return
        try:
            parse_sku(self.sku)
        except ValueError as exc:
            raise ValidationError({"sku": str(exc)}) from exc
        if self.sku != expected:
            raise ValidationError(
                {"sku": f"The SKU does not match its parts: they make {expected}."}
            )

    @property
    def thickness_label(self) -> str:
        return f"{format_thickness(self.thickness_mm)} mm"


def product_file_path(instance: ProductFile, filename: str) -> str:
    name = get_valid_filename(os.path.basename(filename)) or "file"
    return f"products/{instance.product.sku}/{name}"


class ProductFile(models.Model):
    """A drawing, LightBurn file, photo or spec sheet kept with a catalogue product."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=product_file_path, max_length=500)
    original_name = models.CharField(max_length=255, blank=True)
    note = models.CharField(max_length=255, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0, editable=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["product", "original_name"]

    def __str__(self) -> str:
        return self.original_name or os.path.basename(self.file.name or "")

    def clean(self) -> None:
        super().clean()
        if self.file and not self.original_name:
            self.original_name = os.path.basename(self.file.name)[:255]
        if self.file:
            self.size_bytes = self.file.size or 0


class ProjectLine(models.Model):
    """A catalogue product on a job: how many, at what unit price (the product's, by default)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="lines", verbose_name="job"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="project_lines")
    quantity = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)]
    )
    unit_price = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Excl. VAT (ZAR); left empty, the product's unit price.",
    )
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["project", "id"]
        verbose_name = "job line"
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="line_quantity_gte_1"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="line_price_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product.sku}" if self.product_id else "line"

    def clean(self) -> None:
        """The price defaults to the product's; the total must fit where totals are kept (14
        digits: a bigger one made every list of lines fail)."""
        super().clean()
        if self.unit_price is None and self.product_id:
            self.unit_price = self.product.unit_price
        total = self.line_total
        if total is not None and abs(total) > MAX_TOTAL:
            raise ValidationError(
                {"quantity": f"{self.quantity} × {self.unit_price} is more than {MAX_TOTAL:,}."}
            )

    @property
    def line_total(self):
        if self.unit_price is None or self.quantity is None:
            return None
        return self.unit_price * self.quantity
