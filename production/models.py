"""How we cut: machines, operators, cut presets, the queue, laser runs.

Queue positions, run records and preset changes are written by `production.services`; the admin,
the API and the operator pages call those services.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

MM = {"max_digits": 7, "decimal_places": 2}
ZERO = Decimal("0")
# Bounds on what a user can send, so numbers fit the database's integers (SQLite 64-bit,
# PostgreSQL 32-bit) and mean something in the shop.
MAX_POWER_W = 100_000
MAX_SIDE_MM = 100_000
MAX_PARTS = 1_000_000
MAX_SHEETS = 100_000
MAX_MINUTES = 100_000
MAX_PIERCES = 2_000_000_000  # within PostgreSQL's integer
MAX_RUN_CUT_MM = Decimal("99999999999.9")  # what a run's cut length column holds
MAX_RUN_AREA_MM2 = Decimal("9999999999999.9")
MAX_HOURLY_RATE = Decimal("100000")  # rand an hour: far above any laser's
POWER_W = [MaxValueValidator(MAX_POWER_W)]
SIDE_MM = [MinValueValidator(1), MaxValueValidator(MAX_SIDE_MM)]
PARTS = [MaxValueValidator(MAX_PARTS)]
NOT_NEGATIVE = [MinValueValidator(ZERO)]
DELAY_MS = [MaxValueValidator(60_000)]


class MachineQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def able_to_cut(self, material_id: int | None, thickness_mm: Decimal | None):
        """The machines that cut this material at this thickness: those with no materials chosen
        or with it among theirs, and no limit or one at least this thick. An unknown material
        or thickness rules no machine out."""
        able = self
        if material_id is not None:
            able = able.filter(Q(materials__isnull=True) | Q(materials=material_id))
        if thickness_mm is not None:
            able = able.filter(
                Q(max_thickness_mm__isnull=True) | Q(max_thickness_mm__gte=thickness_mm)
            )
        return able.distinct()


class Machine(models.Model):
    """A laser cutter. The shop has one today (a Golden Laser X3); nothing assumes one."""

    code = models.CharField(max_length=20, unique=True, help_text="Short name, e.g. X3.")
    name = models.CharField(max_length=100)
    machine_model = models.CharField(
        "model", max_length=120, blank=True, help_text="e.g. Golden Laser X3 fibre"
    )
    controller = models.CharField(max_length=60, blank=True, help_text="e.g. CypCut (FSCUT)")
    power_w = models.PositiveIntegerField("power (W)", null=True, blank=True, validators=POWER_W)
    max_sheet_width_mm = models.PositiveIntegerField(null=True, blank=True, validators=SIDE_MM)
    max_sheet_length_mm = models.PositiveIntegerField(null=True, blank=True, validators=SIDE_MM)
    materials = models.ManyToManyField(
        "inventory.Material",
        blank=True,
        related_name="machines",
        help_text="The materials it cuts. None chosen: every material. A job is queued only on "
        "a machine that cuts its material and thickness.",
    )
    max_thickness_mm = models.DecimalField(
        "thickest plate (mm)",
        **MM,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.1"))],
        help_text="The thickest plate it cuts, in mm. Empty: no limit.",
    )
    is_active = models.BooleanField(default=True, help_text="Untick when it is sold or retired.")
    hourly_rate = models.DecimalField(
        "hourly rate (R)",
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_HOURLY_RATE)],
        help_text="What an hour on this machine costs the shop, excl. VAT: power, gas, wear and "
        "the operator's time. A job's cost so far counts its minutes on the machine at this "
        "rate; left empty, the machine's time is not costed.",
    )
    notes = models.TextField(blank=True)

    objects = MachineQuerySet.as_manager()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}" if self.name and self.name != self.code else self.code


class Operator(models.Model):
    """A person who runs the machines, linked to their login."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="operator"
    )
    display_name = models.CharField(max_length=100, help_text="The name on run sheets.")
    machines = models.ManyToManyField(
        Machine,
        blank=True,
        related_name="operators",
        help_text="Machines they may run; none ticked means any machine.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name


class Gas(models.TextChoices):
    AIR = "AIR", "Air"
    O2 = "O2", "Oxygen (O2)"
    N2 = "N2", "Nitrogen (N2)"


class CutPresetQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("material")


class CutPreset(models.Model):
    """The machine's parameters for one material × thickness × gas × nozzle (DOMAIN.md).

    One table serves quoting (speed, pierce time) and the operator. Changes go through
    `production.services.preset_update`, which keeps the change log.
    """

    material = models.ForeignKey(
        "inventory.Material", on_delete=models.PROTECT, related_name="cut_presets"
    )
    thickness_mm = models.DecimalField(**MM, validators=[MinValueValidator(Decimal("0.1"))])
    gas = models.CharField(max_length=4, choices=Gas.choices)
    nozzle = models.CharField(
        max_length=12, help_text="As the shop writes it: 1.5SN, 1.2D, 1.4D, 1.4E, 2SN."
    )
    note = models.CharField(
        max_length=60,
        blank=True,
        help_text="What tells presets of the same key apart: New, S355, Cut.",
    )
    name = models.CharField(max_length=120, blank=True, help_text="e.g. 3mm Air MS 1.5sn New")
    cut_speed_mm_min = models.DecimalField(
        "cut speed (mm/min)",
        max_digits=9,
        decimal_places=1,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
    )
    peak_power_w = models.PositiveIntegerField(
        "peak power (W)", null=True, blank=True, validators=POWER_W
    )
    actual_power_w = models.PositiveIntegerField(
        "actual power (W)", null=True, blank=True, validators=POWER_W
    )
    duty_cycle_pct = models.DecimalField(
        "duty cycle (%)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )
    pulse_frequency_hz = models.PositiveIntegerField(
        "pulse frequency (Hz)", null=True, blank=True, validators=[MaxValueValidator(1_000_000)]
    )
    gas_pressure_bar = models.DecimalField(
        "gas pressure (bar)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
    )
    nozzle_height_mm = models.DecimalField(**MM, null=True, blank=True, validators=NOT_NEGATIVE)
    focus_position_mm = models.DecimalField(
        **MM, null=True, blank=True, help_text="Negative is below the surface."
    )
    beam_width_mm = models.DecimalField(
        max_digits=6, decimal_places=3, null=True, blank=True, validators=NOT_NEGATIVE
    )
    laser_on_delay_ms = models.PositiveIntegerField(null=True, blank=True, validators=DELAY_MS)
    laser_off_delay_ms = models.PositiveIntegerField(null=True, blank=True, validators=DELAY_MS)
    pierce_time_s = models.DecimalField(
        "pierce time (s)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
        help_text="Thin sheet 0.3–0.8 s, thick plate 1–2.5 s.",
    )
    pierce_power_w = models.PositiveIntegerField(
        "pierce power (W)", null=True, blank=True, validators=POWER_W
    )
    corner_power_pct = models.DecimalField(
        "corner power (%)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )
    kerf_mm = models.DecimalField(
        max_digits=5, decimal_places=3, null=True, blank=True, validators=NOT_NEGATIVE
    )
    notes = models.TextField(blank=True)
    source_file_name = models.CharField(
        max_length=255, blank=True, help_text="The CypCut .fsm file it came from, if any."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CutPresetQuerySet.as_manager()

    class Meta:
        ordering = ["material__code", "thickness_mm", "gas", "nozzle", "note"]
        constraints = [
            models.UniqueConstraint(
                fields=["material", "thickness_mm", "gas", "nozzle", "note"],
                name="cutpreset_unique_key",
            )
        ]

    def __str__(self) -> str:
        if self.name:
            return self.name
        text = f"{self.thickness_mm.normalize():f}mm {self.get_gas_display()} "
        text += f"{self.material.code} {self.nozzle}"
        return f"{text} {self.note}" if self.note else text


# Fields whose changes go into the change log (everything a person tunes).
PRESET_TUNED_FIELDS = (
    "material",
    "thickness_mm",
    "gas",
    "nozzle",
    "note",
    "name",
    "cut_speed_mm_min",
    "peak_power_w",
    "actual_power_w",
    "duty_cycle_pct",
    "pulse_frequency_hz",
    "gas_pressure_bar",
    "nozzle_height_mm",
    "focus_position_mm",
    "beam_width_mm",
    "laser_on_delay_ms",
    "laser_off_delay_ms",
    "pierce_time_s",
    "pierce_power_w",
    "corner_power_pct",
    "kerf_mm",
    "notes",
    "source_file_name",
    "is_active",
)


class QualityEffect(models.TextChoices):
    BETTER = "better", "Better"
    SAME = "same", "No change"
    WORSE = "worse", "Worse"
    UNKNOWN = "unknown", "Not checked yet"


class CutPresetChange(models.Model):
    """One change to a preset: who, when, why and what it did to the cut (the change log)."""

    preset = models.ForeignKey(CutPreset, on_delete=models.CASCADE, related_name="changes")
    changed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=255, help_text="Why it was changed.")
    quality_effect = models.CharField(
        max_length=10, choices=QualityEffect.choices, default=QualityEffect.UNKNOWN
    )
    quality_note = models.CharField(
        max_length=255, blank=True, help_text="What the cut looked like afterwards."
    )
    changes = models.JSONField(default=dict, help_text="{field: [before, after]}")

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = "preset change"

    def __str__(self) -> str:
        return f"{self.preset_id}: {self.reason}"

    @property
    def fields_changed(self) -> str:
        return ", ".join(sorted(self.changes))


class QueuePriority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


# The queue's order: Urgent first, then High, Normal, Low; the manager's order within each.
PRIORITY_RANK = {
    QueuePriority.URGENT: 0,
    QueuePriority.HIGH: 1,
    QueuePriority.NORMAL: 2,
    QueuePriority.LOW: 3,
}


def priority_rank(priority: str) -> int:
    return PRIORITY_RANK.get(priority, PRIORITY_RANK[QueuePriority.NORMAL])  # type: ignore[call-overload]


class QueueStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    CUTTING = "cutting", "Cutting"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


QUEUE_ACTIVE = (QueueStatus.QUEUED, QueueStatus.CUTTING)
# The allowed moves of a queue item (STYLE.md rule 4), checked in production.services.
QUEUE_TRANSITIONS = {
    QueueStatus.QUEUED: {QueueStatus.CUTTING, QueueStatus.CANCELLED},
    QueueStatus.CUTTING: {QueueStatus.DONE, QueueStatus.QUEUED, QueueStatus.CANCELLED},
    QueueStatus.DONE: set(),
    QueueStatus.CANCELLED: set(),
}


class QueueItemQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=QUEUE_ACTIVE)

    def for_list(self):
        return self.select_related("machine", "project__client")

    def with_queue_keys(self):
        """The keys of the queue's order: priority_rank (Urgent 0 … Low 3) and queue_closed
        (0 while queued or cutting, 1 once done or cancelled)."""
        rank = models.Case(
            *(models.When(priority=p, then=models.Value(r)) for p, r in PRIORITY_RANK.items()),
            default=models.Value(PRIORITY_RANK[QueuePriority.NORMAL]),
            output_field=models.IntegerField(),
        )
        closed = models.Case(
            models.When(status__in=QUEUE_ACTIVE, then=models.Value(0)),
            default=models.Value(1),
            output_field=models.IntegerField(),
        )
        return self.annotate(priority_rank=rank, queue_closed=closed)

    def in_queue_order(self):
        """Per machine, by priority (Urgent, High, Normal, Low), then position (1 is cut next);
        done and cancelled items after the active ones, newest first."""
        return self.with_queue_keys().order_by(
            "machine__code",
            "queue_closed",
            "priority_rank",
            models.F("position").asc(nulls_last=True),
            "-added_at",
        )


class QueueItem(models.Model):
    """A job waiting for (or on) a machine. Active items hold positions 1..n per machine,
    unique and without gaps; `production.services` keeps them so."""

    machine = models.ForeignKey(Machine, on_delete=models.PROTECT, related_name="queue_items")
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        related_name="queue_items",
        verbose_name="job",
    )
    position = models.PositiveIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="1 is cut next. Empty once the item is done or cancelled.",
    )
    priority = models.CharField(
        max_length=8, choices=QueuePriority.choices, default=QueuePriority.NORMAL, db_index=True
    )
    status = models.CharField(
        max_length=10,
        choices=QueueStatus.choices,
        default=QueueStatus.QUEUED,
        editable=False,
        db_index=True,
    )
    scheduled_date = models.DateField(null=True, blank=True, db_index=True)
    estimated_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_MINUTES)],
        help_text="Machine time the job should take.",
    )
    notes = models.TextField(blank=True)
    added_at = models.DateTimeField(auto_now_add=True, db_index=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = QueueItemQuerySet.as_manager()

    class Meta:
        ordering = ["machine__code", "position", "-added_at"]
        verbose_name = "queue item"
        constraints = [
            models.UniqueConstraint(
                fields=["machine", "position"],
                condition=Q(status__in=["queued", "cutting"]),
                name="queueitem_unique_active_position",
            ),
            models.UniqueConstraint(
                fields=["machine", "project"],
                condition=Q(status__in=["queued", "cutting"]),
                name="queueitem_project_once_per_machine",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["done", "cancelled"]) | Q(position__gte=1),
                name="queueitem_active_has_position",
            ),
        ]

    def __str__(self) -> str:
        where = f"#{self.position}" if self.position else self.get_status_display()
        return f"{self.machine.code} {where}: {self.project.code}"

    @property
    def is_active(self) -> bool:
        return self.status in QUEUE_ACTIVE


class LaserRunQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("machine", "operator", "preset__material")


class LaserRun(models.Model):
    """One nest cut on a machine: who, with which preset, when, from which sheets, for which
    jobs. Recorded once by `production.services.run_record`, which takes the sheets from stock."""

    machine = models.ForeignKey(Machine, on_delete=models.PROTECT, related_name="runs")
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="runs")
    preset = models.ForeignKey(
        CutPreset, null=True, blank=True, on_delete=models.PROTECT, related_name="runs"
    )
    started_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField()
    parts_cut = models.PositiveIntegerField(
        default=0, validators=PARTS, help_text="Good parts off the machine."
    )
    scrap_parts = models.PositiveIntegerField(
        default=0, validators=PARTS, help_text="Parts scrapped in this run."
    )
    notes = models.TextField(blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = LaserRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = "laser run"
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__gte=models.F("started_at")), name="laserrun_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"Run {self.pk} on {self.machine.code}" if self.pk else "New run"

    @property
    def duration_minutes(self) -> int:
        return int((self.ended_at - self.started_at).total_seconds() // 60)


def run_photo_path(instance: LaserRunPhoto, filename: str) -> str:
    return f"production/runs/{instance.run_id}/{filename}"


class LaserRunPhoto(models.Model):
    """A photograph of the cut sheet (the operator's checklist, DOMAIN.md)."""

    run = models.ForeignKey(LaserRun, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=run_photo_path)
    caption = models.CharField(max_length=200, blank=True)
    taken_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["taken_at", "id"]

    def __str__(self) -> str:
        return self.caption or self.image.name


class LaserRunSheet(models.Model):
    """Sheets a run took from one stock, with the stock movement that took them (once)."""

    run = models.ForeignKey(LaserRun, on_delete=models.CASCADE, related_name="sheets")
    stock = models.ForeignKey(
        "inventory.SheetStock", on_delete=models.PROTECT, related_name="run_sheets"
    )
    quantity = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SHEETS)]
    )
    movement = models.OneToOneField(
        "inventory.StockMovement",
        on_delete=models.PROTECT,
        related_name="run_sheet",
        help_text="The usage movement that took these sheets from stock.",
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "stock"], name="laserrunsheet_stock_once")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.stock}"


class LaserRunProject(models.Model):
    """The part of a run that served one job; `share` splits the run's time and material by the
    job's share of cut length and area (DOMAIN.md). Shares of a run sum to 1."""

    run = models.ForeignKey(LaserRun, on_delete=models.CASCADE, related_name="project_shares")
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        related_name="laser_runs",
        verbose_name="job",
    )
    parts = models.PositiveIntegerField(default=0, validators=PARTS)
    cut_length_mm = models.DecimalField(
        max_digits=12, decimal_places=1, default=ZERO, validators=NOT_NEGATIVE
    )
    area_mm2 = models.DecimalField(
        max_digits=14, decimal_places=1, default=ZERO, validators=NOT_NEGATIVE
    )
    pierce_count = models.PositiveIntegerField(
        "pierces",
        default=0,
        validators=[MaxValueValidator(MAX_PIERCES)],
        help_text="From the job's measured drawings × the parts cut.",
    )
    share = models.DecimalField(
        max_digits=7,
        decimal_places=6,
        editable=False,
        default=ZERO,
        help_text="This job's part of the run's time and material (0–1).",
    )

    class Meta:
        ordering = ["id"]
        verbose_name = "job in a run"
        verbose_name_plural = "jobs in runs"
        constraints = [
            models.UniqueConstraint(fields=["run", "project"], name="laserrunproject_once")
        ]

    def __str__(self) -> str:
        return f"{self.project} ({self.share:.1%})"


class QueueSlotOverride(models.Model):
    """A manager's pin of a queue item to a start time or to a day, with the reason; the planner
    (production.planning) honours it. Written by production.services.planning, audited there."""

    item = models.OneToOneField(
        QueueItem, on_delete=models.CASCADE, related_name="slot_override", verbose_name="queue item"
    )
    start_at = models.DateTimeField(
        null=True, blank=True, help_text="Cut from exactly this time (within working hours)."
    )
    day = models.DateField(
        null=True, blank=True, help_text="Cut on this working day, at its first free time."
    )
    reason = models.CharField(max_length=255, help_text="Why the planner's slot was overridden.")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "slot override"
        constraints = [
            models.CheckConstraint(
                condition=Q(start_at__isnull=False, day__isnull=True)
                | Q(start_at__isnull=True, day__isnull=False),
                name="queueslotoverride_start_or_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id} pinned: {self.reason}"


# Runs in progress on the floor (their own module: this one is past the house's ~600 lines).
from .floor_models import (  # noqa: E402, F401
    FIVE_H,
    FLOOR_RUN_OPEN,
    FLOOR_RUN_TRANSITIONS,
    FloorRun,
    FloorRunJob,
    FloorRunPause,
    FloorRunSheet,
    FloorRunStatus,
)
