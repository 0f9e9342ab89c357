"""Runs in progress on the floor: what an operator starts at the machine, checks sheet by sheet
and finishes. Re-exported from `production.models`; written only by `production.services`
(floor_runs.py).

Why a model of its own and not a status on LaserRun: a LaserRun is a finished run (its start and
end are facts, its sheets are taken from stock, its time is shared among its jobs and costed),
and every reader (costs, calibration, the run lists, parts cut per job) counts it as such. A run
in progress is something else: it is timed, paused, checked per sheet and may be stopped
without a record. Finishing it records the LaserRun once, through `run_record`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from .models import PARTS, CutPreset, LaserRun, Machine, Operator


class FloorRunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    FINISHED = "finished", "Finished"
    STOPPED = "stopped", "Stopped without a record"


# A run still on the machine: it holds its sheets and the machine.
FLOOR_RUN_OPEN = (FloorRunStatus.RUNNING, FloorRunStatus.PAUSED)
# The allowed moves of a run in progress (STYLE.md rule 4), checked in production.services.
FLOOR_RUN_TRANSITIONS = {
    FloorRunStatus.RUNNING: {
        FloorRunStatus.PAUSED,
        FloorRunStatus.FINISHED,
        FloorRunStatus.STOPPED,
    },
    FloorRunStatus.PAUSED: {
        FloorRunStatus.RUNNING,
        FloorRunStatus.FINISHED,
        FloorRunStatus.STOPPED,
    },
    FloorRunStatus.FINISHED: set(),
    FloorRunStatus.STOPPED: set(),
}
# The 5H check an operator ticks for every sheet (DOMAIN.md), as (field, label, what to look at).
FIVE_H = (
    ("check_head", "Head", "Cutting head and nozzle clean, lens protected"),
    ("check_height", "Height", "Nozzle height and focus set for this plate"),
    ("check_hold_downs", "Hold-downs", "Sheet flat and held down, nothing to tip"),
    ("check_hardware", "Hardware", "Slats, gas and extraction working"),
    ("check_hazards", "Hazards", "Area clear, no fire, no parts left standing"),
)


class FloorRunQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=FLOOR_RUN_OPEN)

    def for_list(self):
        return self.select_related("machine", "operator", "preset__material", "laser_run")


class FloorRun(models.Model):
    """A run in progress at a machine: started with its jobs, preset and sheets, timed with its
    pauses; finishing it records the LaserRun (`laser_run`). One open run per machine."""

    machine = models.ForeignKey(Machine, on_delete=models.PROTECT, related_name="floor_runs")
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="floor_runs")
    preset = models.ForeignKey(
        CutPreset, null=True, blank=True, on_delete=models.PROTECT, related_name="floor_runs"
    )
    status = models.CharField(
        max_length=10,
        choices=FloorRunStatus.choices,
        default=FloorRunStatus.RUNNING,
        editable=False,
        db_index=True,
    )
    started_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Finished or stopped.")
    start_token = models.CharField(
        max_length=64,
        unique=True,
        editable=False,
        help_text="The start form's token: the same form sent twice starts one run.",
    )
    laser_run = models.OneToOneField(
        LaserRun,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="floor_run",
        help_text="The run recorded when it finished.",
    )
    notes = models.TextField(blank=True)
    stop_reason = models.CharField(max_length=255, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = FloorRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = "run in progress"
        verbose_name_plural = "runs in progress"
        constraints = [
            models.UniqueConstraint(
                fields=["machine"],
                condition=Q(status__in=["running", "paused"]),
                name="floorrun_one_open_per_machine",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="floorrun_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Floor run {self.pk} on {self.machine.code}" if self.pk else "New floor run"

    @property
    def is_open(self) -> bool:
        return self.status in FLOOR_RUN_OPEN


class FloorRunJob(models.Model):
    """A job a run in progress serves (one nest may hold parts of several jobs)."""

    run = models.ForeignKey(FloorRun, on_delete=models.CASCADE, related_name="jobs")
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="floor_runs", verbose_name="job"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = "job in a run in progress"
        constraints = [models.UniqueConstraint(fields=["run", "project"], name="floorrunjob_once")]

    def __str__(self) -> str:
        return str(self.project)


def sheet_photo_path(instance: FloorRunSheet, filename: str) -> str:
    return f"production/floor-runs/{instance.run_id}/sheet-{instance.number}-{filename}"


class FloorRunSheet(models.Model):
    """One sheet of a run in progress: its stock, the photo of the cut sheet, notes, the 5H check,
    parts cut and scrap, and the remnant kept from it. It counts once `checked_at` is set."""

    run = models.ForeignKey(FloorRun, on_delete=models.CASCADE, related_name="sheets")
    number = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    stock = models.ForeignKey(
        "inventory.SheetStock", on_delete=models.PROTECT, related_name="floor_run_sheets"
    )
    photo = models.ImageField(upload_to=sheet_photo_path, blank=True, max_length=255)
    notes = models.TextField(blank=True)
    check_head = models.BooleanField("head", default=False)
    check_height = models.BooleanField("height", default=False)
    check_hold_downs = models.BooleanField("hold-downs", default=False)
    check_hardware = models.BooleanField("hardware", default=False)
    check_hazards = models.BooleanField("hazards", default=False)
    parts_cut = models.PositiveIntegerField(default=0, validators=PARTS)
    scrap_parts = models.PositiveIntegerField(default=0, validators=PARTS)
    offcut = models.OneToOneField(
        "inventory.Offcut",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="floor_run_sheet",
        help_text="The remnant kept from this sheet.",
    )
    checked_at = models.DateTimeField(null=True, blank=True, help_text="When the sheet counted.")

    class Meta:
        ordering = ["run", "number"]
        verbose_name = "sheet of a run in progress"
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="floorrunsheet_number_once"),
            models.CheckConstraint(
                condition=Q(checked_at__isnull=True)
                | Q(
                    check_head=True,
                    check_height=True,
                    check_hold_downs=True,
                    check_hardware=True,
                    check_hazards=True,
                ),
                name="floorrunsheet_counts_after_5h",
            ),
        ]

    def __str__(self) -> str:
        return f"Sheet {self.number} of {self.run}"

    @property
    def is_checked(self) -> bool:
        return self.checked_at is not None


class FloorRunPause(models.Model):
    """A pause in a run in progress; its time is not the machine's."""

    run = models.ForeignKey(FloorRun, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="floorrunpause_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Pause in {self.run}"
