"""Writes on runs in progress at the machine (the floor's tablet): start, pause and resume,
finish (which records the LaserRun through `run_record`), stop without a record. Each sheet's checklist is floor_sheets.py; QC is qc.py.

Every action is safe to send twice (a double tap): starting carries the form's token (the same
token finds the run it started), and the others check the state first and do nothing when the
run, the sheet or the job is already where the action would put it.

Sheets: a run holds its sheets from the start (another run may not start on sheets that are not
there) and they leave stock once, when the run is recorded at the finish (run_record, through
inventory's ledger), so a run stopped without a record takes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from inventory import services as inventory_services
from inventory.models import SheetStock
from laseros.actors import Actor, acting_user
from laseros.audit import record_created
from laseros.moves import TransitionError, check_move, record_move
from projects.models import Project

from ..models import (
    FLOOR_RUN_OPEN,
    FLOOR_RUN_TRANSITIONS,
    MAX_MINUTES,
    MAX_PARTS,
    CutPreset,
    FloorRun,
    FloorRunJob,
    FloorRunPause,
    FloorRunSheet,
    FloorRunStatus,
    LaserRunPhoto,
    Machine,
    Operator,
    QueueItem,
    QueueStatus,
)
from .queue import queue_set_status, queue_start
from .runs import run_record

# Jobs a run may be started for: on the queue, or already being cut.
RUNNABLE = ("queued", "cutting")
MAX_RUN_SHEETS = 50  # sheets one run checks one by one on the tablet
GAS_PREFERENCE = ("AIR", "O2", "N2")  # a suggested preset: air before oxygen before nitrogen


def new_start_token() -> str:
    """The token a start form carries, so the same form sent twice starts one run."""
    return uuid.uuid4().hex


# --- reads the start form, the run's page and the demo share --------------------------------------


def _tolerance() -> Decimal:
    return Decimal(str(settings.STOCK_THICKNESS_TOLERANCE_MM))


def presets_for(projects: Sequence[Project]) -> list[CutPreset]:
    """Active presets for the jobs' material × thickness (within the stock tolerance), the
    suggested one first: the closest thickness, then air, oxygen, nitrogen (DOMAIN.md: the preset
    is chosen by material × thickness × gas; a job does not say its gas)."""
    first = next((p for p in projects if p.material_id and p.thickness_mm), None)
    if first is None:
        return []
    thickness = Decimal(first.thickness_mm or 0)
    presets = list(
        CutPreset.objects.for_list().filter(
            is_active=True,
            material_id=first.material_id,
            thickness_mm__gte=thickness - _tolerance(),
            thickness_mm__lte=thickness + _tolerance(),
        )
    )
    rank = {gas: n for n, gas in enumerate(GAS_PREFERENCE)}
    presets.sort(
        key=lambda p: (
            abs(p.thickness_mm - thickness),
            rank.get(p.gas, len(rank)),
            p.nozzle,
            p.note,
            p.pk,
        )
    )
    return presets


def sheets_held(stock_ids: Iterable[int], *, excluding: FloorRun | None = None) -> dict[int, int]:
    """Sheets of each stock row held by runs in progress (not yet taken from stock)."""
    rows = FloorRunSheet.objects.filter(
        stock_id__in=list(stock_ids), run__status__in=FLOOR_RUN_OPEN
    )
    if excluding is not None:
        rows = rows.exclude(run=excluding)
    counts = rows.values("stock_id").annotate(n=Count("id")).values_list("stock_id", "n")
    return dict(counts)


def run_minutes(run: FloorRun, *, now: dt.datetime | None = None) -> int:
    """The machine's minutes so far: from the start to now (or the end), less the pauses."""
    end = run.ended_at or now or timezone.now()
    paused = sum(((p.ended_at or end) - p.started_at).total_seconds() for p in run.pauses.all())
    return max(0, int(((end - run.started_at).total_seconds() - paused) // 60))


def paused_seconds(run: FloorRun) -> int:
    """Seconds of the pauses already over (the page's timer adds the running one itself)."""
    return int(
        sum((p.ended_at - p.started_at).total_seconds() for p in run.pauses.all() if p.ended_at)
    )


def open_pause(run: FloorRun) -> FloorRunPause | None:
    return next((p for p in run.pauses.all() if p.ended_at is None), None)


# --- start ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetsWanted:
    """Sheets a run starts on: `count` sheets of `stock`."""

    stock: SheetStock
    count: int


@transaction.atomic
def floor_run_start(
    *,
    machine: Machine,
    operator: Operator,
    projects: Sequence[Project],
    sheets: Sequence[SheetsWanted | tuple[SheetStock, int]],
    token: str,
    preset: CutPreset | None = None,
    notes: str = "",
    by: Actor = None,
) -> FloorRun:
    """Start a run at the machine: its jobs (one nest may hold parts of several jobs, of one
    material and thickness), its preset (the suggested one when none is given) and the sheets it
    holds from stock; the timer starts. The jobs' queue items start and the jobs go into Cutting.
    The same `token` sent again returns the run it started."""
    token = (token or "").strip()[:64]
    if not token:
        raise ValidationError("The form is out of date: open 'Start a run' again.")
    done = FloorRun.objects.filter(start_token=token).first()
    if done is not None:
        return done
    wanted = [s if isinstance(s, SheetsWanted) else SheetsWanted(*s) for s in sheets]
    jobs = _check_jobs(projects)
    locked_machine = Machine.objects.select_for_update().get(pk=machine.pk)
    _check_machine(locked_machine, operator)
    preset = preset or next(iter(presets_for(jobs)), None)
    locked = _hold_sheets(wanted, jobs[0], preset)
    run = FloorRun(
        machine=locked_machine,
        operator=operator,
        preset=preset,
        started_at=timezone.now(),
        start_token=token,
        notes=notes.strip(),
        started_by=acting_user(by),
    )
    run.full_clean()
    run.save()
    FloorRunJob.objects.bulk_create(FloorRunJob(run=run, project=p) for p in jobs)
    numbered = [locked[w.stock.pk] for w in wanted for _ in range(int(w.count))]
    FloorRunSheet.objects.bulk_create(
        FloorRunSheet(run=run, number=n, stock=stock) for n, stock in enumerate(numbered, start=1)
    )
    record_created(
        run,
        by=by,
        message=f"started on {locked_machine.code}",
        extra={
            "jobs": [None, [p.code for p in jobs]],
            "sheets": [None, [str(stock) for stock in numbered]],
        },
    )
    _jobs_start_cutting(run, jobs, by=by)
    return run


def _check_jobs(projects: Sequence[Project]) -> list[Project]:
    """The jobs, read again: at least one, each once, each on the queue or being cut, all of one
    material and one thickness (DOMAIN.md: no mixed thickness in a nest)."""
    ids = [p.pk for p in projects]
    if not ids:
        raise ValidationError({"projects": "Choose the job (or jobs) this run cuts."})
    if len(set(ids)) < len(ids):
        raise ValidationError({"projects": "A job is listed twice."})
    found = {p.pk: p for p in Project.objects.select_related("material").filter(pk__in=ids)}
    jobs = [found[pk] for pk in ids if pk in found]
    errors = [
        f"{p.code} is {p.get_status_display()}: only a job on the queue (Queued or Cutting) "
        "can be cut."
        for p in jobs
        if p.status not in RUNNABLE
    ]
    materials = {p.material_id for p in jobs}
    thicknesses = sorted({p.thickness_mm for p in jobs if p.thickness_mm is not None})
    if len(materials) > 1:
        errors.append(
            "One nest is cut from one material: "
            + ", ".join(f"{p.code} is {p.material.code if p.material else '?'}" for p in jobs)
            + "."
        )
    if thicknesses and thicknesses[-1] - thicknesses[0] > _tolerance():
        errors.append(
            "No mixed thickness in a nest: "
            + ", ".join(f"{p.code} is {p.thickness_mm.normalize():f} mm" for p in jobs)
            + ". Start one run per thickness."
        )
    if errors:
        raise ValidationError({"projects": errors})
    return jobs


def _check_machine(machine: Machine, operator: Operator) -> None:
    """The machine is active and free (one run at a time), and the operator may run it."""
    if not machine.is_active:
        raise ValidationError({"machine": f"Machine {machine.code} is not active."})
    if not operator.is_active:
        raise ValidationError({"operator": f"{operator} is not an active operator."})
    if operator.machines.exists() and not operator.machines.filter(pk=machine.pk).exists():
        raise ValidationError({"operator": f"{operator} does not run {machine.code}."})
    busy = FloorRun.objects.open().filter(machine=machine).select_related("operator").first()
    if busy is not None:
        since = timezone.localtime(busy.started_at).strftime("%H:%M")
        raise ValidationError(
            {
                "machine": f"{machine.code} already has a run in progress (run {busy.pk}, "
                f"started {since} by {busy.operator}): finish or stop it first."
            }
        )


def _hold_sheets(
    wanted: list[SheetsWanted], job: Project, preset: CutPreset | None
) -> dict[int, SheetStock]:
    """Lock the stock rows and check the sheets: the job's material and thickness (and the
    preset's), and enough on hand besides what runs in progress already hold."""
    if not wanted or sum(int(w.count) for w in wanted) < 1:
        raise ValidationError({"sheets": "Choose the sheets this run is cut from (1 or more)."})
    if any(int(w.count) < 1 for w in wanted):
        raise ValidationError({"sheets": "Each stock gives at least 1 sheet."})
    if sum(int(w.count) for w in wanted) > MAX_RUN_SHEETS:
        raise ValidationError({"sheets": f"At most {MAX_RUN_SHEETS} sheets in one run."})
    locked = inventory_services.lock_stock([w.stock for w in wanted])
    held = sheets_held(locked)
    errors: list[str] = []
    counts: dict[int, int] = {}
    for w in wanted:
        counts[w.stock.pk] = counts.get(w.stock.pk, 0) + int(w.count)
    for pk, count in counts.items():
        stock = locked[pk]
        errors += _sheet_fits(stock, job, preset)
        free = stock.quantity_on_hand - held.get(pk, 0)
        if count > free:
            also = f" ({held[pk]} held by runs in progress)" if held.get(pk) else ""
            errors.append(
                f"Not enough {stock} in stock: {max(stock.quantity_on_hand, 0)} on hand{also}, "
                f"{count} wanted. Choose another stock or fewer sheets."
            )
    if errors:
        raise ValidationError({"sheets": errors})
    return locked


def _sheet_fits(stock: SheetStock, job: Project, preset: CutPreset | None) -> list[str]:
    errors = []
    if not stock.is_active:
        errors.append(f"{stock} is no longer stocked.")
    if job.material is not None and stock.material_id != job.material_id:
        errors.append(f"{stock} is not {job.code}'s material ({job.material.code}).")
    elif job.thickness_mm and abs(stock.thickness_mm - job.thickness_mm) > _tolerance():
        errors.append(
            f"{stock} is not {job.code}'s thickness ({job.thickness_mm.normalize():f} mm)."
        )
    if preset is not None and (
        stock.material_id != preset.material_id
        or abs(stock.thickness_mm - preset.thickness_mm) > _tolerance()
    ):
        errors.append(f"{stock} does not suit the preset {preset}.")
    return errors


def _jobs_start_cutting(run: FloorRun, jobs: list[Project], *, by: Actor) -> None:
    """Each job's queued item starts and the job goes into Cutting (projects' transition, with
    its gates and history); a job already cutting is left as it is."""
    from projects import services as project_services

    reason = f"floor run {run.pk} started on {run.machine.code}"
    items = QueueItem.objects.filter(project__in=jobs, status=QueueStatus.QUEUED).select_related(
        "machine"
    )
    for item in items:
        queue_start(item=item, by=by)
    # (the queue's services may have moved the job with its item already: read it again)
    for job in Project.objects.filter(pk__in=[j.pk for j in jobs], status="queued"):
        try:
            project_services.project_transition(
                project=job, to="cutting", by=by, reason=reason, from_status="queued"
            )
        except TransitionError as exc:
            raise ValidationError({"projects": f"{job.code}: {exc.detail}"}) from exc


# --- pause, resume, stop --------------------------------------------------------------------------


def lock_run_in_progress(run: FloorRun) -> FloorRun:
    return FloorRun.objects.select_for_update().select_related("machine").get(pk=run.pk)


def _move(run: FloorRun, to: str, *, by: Actor, reason: str = "", **fields: Any) -> None:
    """Move a run in progress along FLOOR_RUN_TRANSITIONS, with the audit entry."""
    was = FloorRunStatus(run.status)
    check_move(
        allowed=FLOOR_RUN_TRANSITIONS,
        statuses=FloorRunStatus,
        current=was,
        to=to,
        refused=f"This run is {was.label.lower()}; it cannot be {FloorRunStatus(to).label.lower()}.",
    )
    changes = {"status": [was.value, to]}
    changes.update({name: [getattr(run, name), value] for name, value in fields.items()})
    for name, value in {"status": to, **fields}.items():
        setattr(run, name, value)
    run.save(update_fields=["status", *fields])
    record_move(run, source=was.value, to=to, by=by, changes=changes, reason=reason)


@transaction.atomic
def floor_run_pause(*, run: FloorRun, by: Actor = None, reason: str = "") -> FloorRun:
    """Pause the timer (a paused run stays paused when asked again)."""
    locked = lock_run_in_progress(run)
    if locked.status == FloorRunStatus.PAUSED:
        return locked
    FloorRunPause.objects.create(run=locked, started_at=timezone.now(), reason=reason[:200])
    _move(locked, FloorRunStatus.PAUSED, by=by, reason=reason or "paused")
    return locked


@transaction.atomic
def floor_run_resume(*, run: FloorRun, by: Actor = None) -> FloorRun:
    """Start the timer again (a running run is left running)."""
    locked = lock_run_in_progress(run)
    if locked.status == FloorRunStatus.RUNNING:
        return locked
    _close_pauses(locked)
    _move(locked, FloorRunStatus.RUNNING, by=by, reason="resumed")
    return locked


def _close_pauses(run: FloorRun) -> None:
    FloorRunPause.objects.filter(run=run, ended_at__isnull=True).update(ended_at=timezone.now())


@transaction.atomic
def floor_run_stop(*, run: FloorRun, reason: str, by: Actor = None) -> FloorRun:
    """Stop a run without recording it (started by mistake, the machine broke down): nothing is
    taken from stock, and a job it put into Cutting that no run has cut goes back on the queue."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the run stops without a record."})
    locked = lock_run_in_progress(run)
    if locked.status == FloorRunStatus.STOPPED:
        return locked
    _close_pauses(locked)
    _move(
        locked,
        FloorRunStatus.STOPPED,
        by=by,
        reason=reason,
        ended_at=timezone.now(),
        stop_reason=reason[:255],
    )
    _jobs_back_on_the_queue(locked, reason=f"floor run {locked.pk} stopped: {reason}", by=by)
    return locked


def _jobs_back_on_the_queue(run: FloorRun, *, reason: str, by: Actor) -> None:
    from projects import services as project_services

    jobs = Project.objects.filter(floor_runs__run=run, status="cutting").exclude(
        Q(laser_runs__isnull=False) | Q(floor_runs__run__status__in=FLOOR_RUN_OPEN)
    )
    for job in jobs.distinct():
        for item in QueueItem.objects.filter(project=job, status=QueueStatus.CUTTING):
            queue_set_status(item=item, to=QueueStatus.QUEUED, by=by, reason=reason)
        # (the queue's services may have moved the job with its item already)
        if Project.objects.filter(pk=job.pk, status="cutting").exists():
            project_services.project_transition(
                project=job, to="queued", by=by, reason=reason, from_status="cutting"
            )


# --- finish ---------------------------------------------------------------------------------------


@transaction.atomic
def floor_run_finish(
    *,
    run: FloorRun,
    minutes: int,
    parts: dict[int, int],
    scrap_parts: int | None = None,
    notes: str = "",
    by: Actor = None,
) -> FloorRun:
    """Finish the run: every sheet checked, the machine's minutes (the timer less the pauses, as
    the operator corrects it) and each job's parts (by job id). Records the LaserRun through
    run_record (the jobs' shares, the sheets taken from stock once, the jobs moving on to QC when
    all their parts are cut), keeps the sheets' photos with it. A finished run is left as it is."""
    locked = lock_run_in_progress(run)
    if locked.status == FloorRunStatus.FINISHED:
        return locked
    if not locked.is_open:
        raise ValidationError(f"Run {locked.pk} was stopped; it cannot be finished.")
    sheets = list(locked.sheets.select_related("stock").order_by("number"))
    jobs = [j.project for j in locked.jobs.select_related("project").order_by("id")]
    _check_finish(sheets, jobs, minutes, parts, scrap_parts)
    _close_pauses(locked)
    ended = timezone.now()
    counts: dict[int, tuple[SheetStock, int]] = {}
    for sheet in sheets:
        stock, n = counts.get(sheet.stock_id, (sheet.stock, 0))
        counts[sheet.stock_id] = (stock, n + 1)
    text = "\n".join(t for t in [locked.notes, notes.strip(), *_sheet_notes(sheets)] if t)
    laser_run = run_record(
        machine=locked.machine,
        operator=locked.operator,
        preset=locked.preset,
        started_at=ended - dt.timedelta(minutes=int(minutes)),
        ended_at=ended,
        projects=[(job, int(parts.get(job.pk, 0)), None, None) for job in jobs],
        sheets=list(counts.values()),
        parts_cut=sum(int(parts.get(job.pk, 0)) for job in jobs),
        scrap_parts=sum(s.scrap_parts for s in sheets) if scrap_parts is None else scrap_parts,
        notes=text,
        by=by,
    )
    for sheet in sheets:
        if sheet.photo:
            photo = LaserRunPhoto(run=laser_run, caption=f"Sheet {sheet.number}")
            photo.image.name = sheet.photo.name  # the same stored file, kept with the run
            photo.save()
            record_created(photo, by=by, message=f"photo for {laser_run}")
    _move(
        locked,
        FloorRunStatus.FINISHED,
        by=by,
        reason=f"recorded as laser run {laser_run.pk} ({int(minutes)} min)",
        ended_at=ended,
        laser_run=laser_run,
    )
    return locked


def _check_finish(
    sheets: list[FloorRunSheet],
    jobs: list[Project],
    minutes: Any,
    parts: dict[int, int],
    scrap_parts: Any,
) -> None:
    errors: dict[str, list[str]] = {}
    unchecked = [str(s.number) for s in sheets if not s.is_checked]
    if unchecked:
        errors["sheets"] = [
            f"Sheet {', '.join(unchecked)} is not checked yet: record each sheet (photo, 5H, "
            "parts) before finishing."
        ]
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES:
        errors["minutes"] = [f"The machine's minutes: a whole number from 1 to {MAX_MINUTES:,}."]
    for job in jobs:
        value = parts.get(job.pk, 0)
        if not isinstance(value, int) or not 0 <= value <= MAX_PARTS:
            errors.setdefault("parts", []).append(
                f"{job.code}: parts cut is a whole number from 0 to {MAX_PARTS:,}."
            )
    if scrap_parts is not None and (
        not isinstance(scrap_parts, int) or not 0 <= scrap_parts <= MAX_PARTS
    ):
        errors["scrap_parts"] = [f"A whole number from 0 to {MAX_PARTS:,}."]
    if errors:
        raise ValidationError(errors)


def _sheet_notes(sheets: list[FloorRunSheet]) -> list[str]:
    lines = []
    for sheet in sheets:
        bits = [sheet.notes] if sheet.notes else []
        if sheet.offcut_id:
            bits.append(f"remnant {sheet.offcut}")
        if bits:
            lines.append(f"Sheet {sheet.number}: " + "; ".join(bits))
    return lines
