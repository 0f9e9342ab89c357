"""Every write in production: the queue, laser runs, cut presets, machines and operators.

Queue positions: each machine's active items hold 1..n, unique and gap-free. Every queue write
locks the machine row first (the per-machine mutex), then that machine's items in position order,
and renumbers with a two-phase update so the partial unique constraint is never violated midway.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, NotRequired, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import models, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from inventory import services as inventory_services
from inventory.models import SheetStock
from laseros.actors import Actor, acting_user
from laseros.audit import diff_instances, instance_values, record, record_created, save_audited
from laseros.models import ActivityLog
from laseros.moves import TransitionError, check_move, record_move
from projects.models import Project

from . import selectors
from .models import (
    MAX_PIERCES,
    MAX_RUN_AREA_MM2,
    MAX_RUN_CUT_MM,
    PRESET_TUNED_FIELDS,
    QUEUE_ACTIVE,
    QUEUE_TRANSITIONS,
    CutPreset,
    CutPresetChange,
    LaserRun,
    LaserRunPhoto,
    LaserRunProject,
    LaserRunSheet,
    Machine,
    Operator,
    QualityEffect,
    QueueItem,
    QueuePriority,
    QueueStatus,
    priority_rank,
)

logger = logging.getLogger(__name__)

SHARE_PLACES = Decimal("0.000001")


@transaction.atomic
def machine_save(*, machine: Machine, by: Actor = None) -> Machine:
    """Create or change a machine, with its audit entry."""
    machine.code = (machine.code or "").strip().upper()
    return save_audited(machine, by=by)


@transaction.atomic
def operator_save(*, operator: Operator, by: Actor = None) -> Operator:
    """Create or change an operator, with its audit entry."""
    return save_audited(operator, by=by)


def default_machine() -> Machine | None:
    """Where paid jobs are queued: settings.PRODUCTION_DEFAULT_MACHINE (a code) if it names an
    active machine, else the active machine with the lowest code."""
    code = getattr(settings, "PRODUCTION_DEFAULT_MACHINE", "") or ""
    active = Machine.objects.active()
    if code:
        found = active.filter(code=code.strip().upper()).first()
        if found is not None:
            return found
    return active.order_by("code").first()


# --- the queue ------------------------------------------------------------------------------------


def _lock_machine(machine: Machine) -> Machine:
    return Machine.objects.select_for_update().get(pk=machine.pk)


def _active_items(machine: Machine, *, last: int | None = None) -> list[QueueItem]:
    """The machine's active items, locked, in queue order: by priority (Urgent, High, Normal,
    Low), then position; the item `last` (a pk) goes to the end of its priority. Positions that
    do not follow that order (rows from before the rule) are put right here, under the lock."""
    items = sorted(
        QueueItem.objects.select_for_update().filter(
            machine_id=machine.pk, status__in=QUEUE_ACTIVE
        ),
        key=lambda i: (priority_rank(i.priority), i.pk == last, i.position or 0, i.pk),
    )
    _renumber(items)
    return items


def _priority_band(items: list[QueueItem], item: QueueItem) -> tuple[int, int]:
    """The first and last positions the items of `item`'s priority hold in `items`."""
    rank = priority_rank(item.priority)
    places = [n for n, i in enumerate(items, start=1) if priority_rank(i.priority) == rank]
    return places[0], places[-1]


def _renumber(ordered: list[QueueItem]) -> None:
    """Give `ordered` positions 1..n. Two phases: first lift every item that must move above all
    current positions, then set the final ones, so no statement ever sees two equal positions."""
    moving = [(i, item) for i, item in enumerate(ordered, start=1) if item.position != i]
    if not moving:
        return
    lift = max((item.position or 0) for item in ordered) + len(ordered) + 1
    ids = [item.pk for _, item in moving]
    QueueItem.objects.filter(pk__in=ids).update(position=F("position") + lift)
    QueueItem.objects.filter(pk__in=ids).update(
        position=Case(*(When(pk=item.pk, then=Value(i)) for i, item in moving))
    )
    for i, item in moving:
        item.position = i


def _audit_queue(item: QueueItem, *, by: Actor, action: str, changes: dict, message: str) -> None:
    record(action=action, obj=item, changes=changes, user=by, message=message)


@transaction.atomic
def queue_add(
    *,
    project: Project,
    machine: Machine,
    priority: str = QueuePriority.NORMAL,
    by: Actor = None,
    scheduled_date: dt.date | None = None,
    estimated_minutes: int | None = None,
    notes: str = "",
    position: int | None = None,
) -> QueueItem:
    """Put a job in a machine's queue, at the end (or at `position`, shifting the rest down)."""
    machine = _lock_machine(machine)
    if not machine.is_active:
        raise ValidationError({"machine": f"Machine {machine.code} is not active."})
    items = _active_items(machine)
    if any(item.project_id == project.pk for item in items):
        raise ValidationError(
            {"project": f"{project.code} is already in the queue of {machine.code}."}
        )
    item = QueueItem(
        machine=machine,
        project=project,
        position=len(items) + 1,  # then to the end of its priority (below)
        priority=priority,
        scheduled_date=scheduled_date,
        estimated_minutes=estimated_minutes,
        notes=notes,
        added_by=acting_user(by),
    )
    item.full_clean()
    item.save()
    ahead = sum(1 for i in items if priority_rank(i.priority) <= priority_rank(item.priority))
    if ahead < len(items):
        _renumber([*items[:ahead], item, *items[ahead:]])
    record_created(item, by=by, message=f"queued on {machine.code} at {item.position}")
    if position is not None and position != item.position:
        item = queue_move(item=item, to_position=position, by=by)
    return item


@transaction.atomic
def queue_move(*, item: QueueItem, to_position: int, by: Actor = None) -> QueueItem:
    """Move an active item to `to_position` (1 = next) in its machine's queue; the items between
    shift by one. Safe under concurrent moves: the machine row is the mutex."""
    _lock_machine(item.machine)
    items = _active_items(item.machine)
    current = next((i for i in items if i.pk == item.pk), None)
    if current is None:
        raise ValidationError({"position": "Only queued or cutting items have a position."})
    try:
        to_position = int(to_position)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"position": "The position is a whole number."}) from exc
    if not 1 <= to_position <= len(items):
        raise ValidationError(
            {"position": f"The position must be between 1 and {len(items)} on {item.machine}."}
        )
    first, last = _priority_band(items, current)
    if not first <= to_position <= last:
        label = QueuePriority(current.priority).label
        raise ValidationError(
            {
                "position": f"The queue goes by priority: a {label} job stays among the {label} "
                f"jobs (positions {first}–{last} on {item.machine.code}). Change its priority "
                "to move it past them."
            }
        )
    before = current.position
    if before == to_position:
        item.position = before
        return current
    items.remove(current)
    items.insert(to_position - 1, current)
    _renumber(items)
    item.position = current.position
    _audit_queue(
        current,
        by=by,
        action=ActivityLog.Action.UPDATE,
        changes={"position": [before, current.position]},
        message=f"moved from {before} to {current.position}",
    )
    return current


@transaction.atomic
def queue_set_status(*, item: QueueItem, to: str, by: Actor = None, reason: str = "") -> QueueItem:
    """Move a queue item along QUEUE_TRANSITIONS; leaving the queue closes its position's gap."""
    _lock_machine(item.machine)
    items = _active_items(item.machine)
    current = next((i for i in items if i.pk == item.pk), None) or QueueItem.objects.get(pk=item.pk)
    was = QueueStatus(current.status)
    check_move(
        allowed=QUEUE_TRANSITIONS,
        statuses=QueueStatus,
        current=was,
        to=to,
        refused=f"A {was.label.lower()} item cannot become {QueueStatus(to).label.lower()}."
        if to in QueueStatus.values
        else "",
    )
    fields: dict[str, Any] = {"status": to}
    now = timezone.now()
    if to == QueueStatus.CUTTING:
        fields["started_at"] = current.started_at or now
    if to not in QUEUE_ACTIVE:
        fields["position"] = None
        fields["finished_at"] = now
    QueueItem.objects.filter(pk=current.pk).update(**fields)
    changes = {name: [getattr(current, name), value] for name, value in fields.items()}
    for name, value in fields.items():
        setattr(current, name, value)
        setattr(item, name, value)
    if to not in QUEUE_ACTIVE:
        _renumber([i for i in items if i.pk != current.pk])
    record_move(current, source=was, to=to, by=by, changes=changes, reason=reason)
    return current


def queue_start(*, item: QueueItem, by: Actor = None) -> QueueItem:
    """The operator starts cutting the job (it keeps its place until done)."""
    return queue_set_status(item=item, to=QueueStatus.CUTTING, by=by, reason="started cutting")


def queue_complete(*, item: QueueItem, by: Actor = None, reason: str = "") -> QueueItem:
    """The job is cut: it leaves the queue and the items after it move up."""
    return queue_set_status(item=item, to=QueueStatus.DONE, by=by, reason=reason or "cut")


def queue_remove(*, item: QueueItem, by: Actor = None, reason: str = "") -> QueueItem:
    """Take a job out of the queue (cancelled, kept for the record); the rest move up."""
    return queue_set_status(item=item, to=QueueStatus.CANCELLED, by=by, reason=reason)


@transaction.atomic
def queue_item_update(*, item: QueueItem, by: Actor = None, **changes: Any) -> QueueItem:
    """Change an item's priority, scheduled date, estimate or notes (not its place or status)."""
    allowed = {"priority", "scheduled_date", "estimated_minutes", "notes"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(
            dict.fromkeys(unknown, "Change this through the queue's move and status actions.")
        )
    if "priority" in changes:
        _lock_machine(item.machine)  # the queue's order may change: the machine's mutex first
    locked = QueueItem.objects.select_for_update().get(pk=item.pk)
    before = instance_values(locked)
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save(update_fields=list(changes) or None)
    if before.get("priority") != locked.priority and locked.is_active:
        # to the end of its new priority, the rest closing up (the queue goes by priority)
        _active_items(locked.machine, last=locked.pk)
        locked.position = QueueItem.objects.values_list("position", flat=True).get(pk=locked.pk)
        item.position = locked.position
    diff = diff_instances(before, instance_values(locked))
    if diff:
        _audit_queue(locked, by=by, action=ActivityLog.Action.UPDATE, changes=diff, message="")
    for name in changes:
        setattr(item, name, getattr(locked, name))
    return locked


@transaction.atomic
def queue_paid_project(*, project: Project, by: Actor = None) -> QueueItem | None:
    """A paid job goes into the default machine's queue, once, and its status moves to Queued.

    Idempotent: a job that already has a queue item (other than a cancelled one) is left alone.
    """
    machine = default_machine()
    if machine is None:
        logger.warning("no active machine: paid project %s was not queued", project.code)
        return None
    _lock_machine(machine)  # a second signal for the same job waits here, then finds the item
    # Lock the job before the audit chain is held (queue_add writes an entry), the same order as
    # projects' own services, so the transition below never waits in a cycle.
    Project.objects.select_for_update(of=("self",)).filter(pk=project.pk).first()
    if QueueItem.objects.filter(project=project).exclude(status=QueueStatus.CANCELLED).exists():
        return None
    priority = getattr(project, "priority", "") or QueuePriority.NORMAL
    if priority not in QueuePriority.values:
        priority = QueuePriority.NORMAL
    item = queue_add(project=project, machine=machine, priority=priority, by=by)
    from projects import services as project_services

    project_services.project_transition(
        project=project,
        to="queued",
        by=by,
        reason=f"paid: queued on {machine.code} at position {item.position}",
    )
    return item


# --- laser runs -----------------------------------------------------------------------------------


def compute_shares(entries: Sequence[tuple[Decimal, Decimal, int]]) -> list[Decimal]:
    """Each job's share of a run from (cut_length_mm, area_mm2, parts): the mean of its share of
    cut length and of area (DOMAIN.md); by parts, or equally, when there is nothing to measure.
    Rounded to 6 places with the remainder on the largest share, so the shares sum to exactly 1."""
    if not entries:
        return []
    cuts = [Decimal(str(e[0] or 0)) for e in entries]
    areas = [Decimal(str(e[1] or 0)) for e in entries]
    parts = [Decimal(int(e[2] or 0)) for e in entries]
    total_cut, total_area, total_parts = sum(cuts), sum(areas), sum(parts)
    raw: list[Decimal] = []
    for cut, area, count in zip(cuts, areas, parts, strict=True):
        measures: list[Decimal] = []
        if total_cut > 0:
            measures.append(cut / total_cut)
        if total_area > 0:
            measures.append(area / total_area)
        if not measures:
            measures.append(count / total_parts if total_parts else Decimal(1) / len(entries))
        raw.append(sum(measures, Decimal(0)) / len(measures))
    shares = [r.quantize(SHARE_PLACES, rounding=ROUND_HALF_EVEN) for r in raw]
    largest = max(range(len(shares)), key=lambda i: shares[i])
    shares[largest] += Decimal(1) - sum(shares)
    return shares


# A number a caller gives for a job's parts, cut length or area: text and None are read too.
Measure = Decimal | float | int | str | None


class RunShareGiven(TypedDict):
    """A job's part in a run, given as a dict (the tuple form's keys)."""

    project: Project
    parts: NotRequired[Measure]
    cut_length_mm: NotRequired[Measure]
    area_mm2: NotRequired[Measure]


# (project, parts, cut_length_mm, area_mm2) as a caller gives it, or the same as a dict.
RunShareEntry = tuple[Project, Measure, Measure, Measure] | RunShareGiven
# The same, read: whole parts and Decimal millimetres.
RunShareRow = tuple[Project, int, Decimal, Decimal]


def _as_entry(entry: RunShareEntry) -> RunShareRow:
    if isinstance(entry, dict):
        return (
            entry["project"],
            int(entry.get("parts") or 0),
            Decimal(str(entry.get("cut_length_mm") or 0)),
            Decimal(str(entry.get("area_mm2") or 0)),
        )
    project, parts, cut, area = entry
    return project, int(parts or 0), Decimal(str(cut or 0)), Decimal(str(area or 0))


@transaction.atomic
def run_record(
    *,
    machine: Machine,
    operator: Operator,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    projects: Iterable[RunShareEntry],
    sheets: Iterable[tuple[SheetStock, int]] = (),
    preset: CutPreset | None = None,
    parts_cut: int | None = None,
    scrap_parts: int = 0,
    notes: str = "",
    by: Actor = None,
) -> LaserRun:
    """Record a laser run: the jobs it served with their shares, and the sheets it used, taken
    from stock once. All or nothing: a sheet short of stock leaves no run and no movement.

    `projects`: (project, parts, cut_length_mm, area_mm2) tuples (or dicts with those keys);
    a cut length or area left empty (or 0) is measured: the job's drawings × the parts cut.
    `sheets`: (stock, quantity) pairs.

    The work moves on with the run (run_moves_jobs): the job's queue item starts, the job goes
    into Cutting, and once the runs have cut all its parts the item is done and the job in QC.
    A job that may not be cut yet (not paid, on hold, ...) refuses the whole run.
    """
    project_rows = [_as_entry(e) for e in projects]
    wanted, stocks = _sheets_wanted(sheets)
    _check_run(machine, operator, started_at, ended_at, project_rows, sheets)
    project_rows, pierces = _measured(project_rows)
    # Lock every stock row first, in one order, before anything else writes (see lock_stock).
    locked = inventory_services.lock_stock(list(stocks.values()))
    _check_nest(locked, preset)
    run = LaserRun(
        machine=machine,
        operator=operator,
        preset=preset,
        started_at=started_at,
        ended_at=ended_at,
        parts_cut=sum(p[1] for p in project_rows) if parts_cut is None else parts_cut,
        scrap_parts=scrap_parts,
        notes=notes,
        recorded_by=acting_user(by),
    )
    run.full_clean()
    run.save()
    shares = _share_out(run, project_rows, pierces)
    _take_sheets(run, locked, wanted, stocks, by=by)
    run_moves_jobs(run=run, projects=[p for p, *_ in project_rows], by=by)
    record_created(
        run,
        by=by,
        extra={
            "projects": [
                None,
                {p.code: str(s) for (p, *_), s in zip(project_rows, shares, strict=True)},
            ],
            "sheets": [None, {str(locked[pk]): wanted[pk] for pk in sorted(wanted)}],
        },
    )
    return run


def _sheets_wanted(
    sheets: Iterable[tuple[SheetStock, int]],
) -> tuple[dict[int, int], dict[int, SheetStock]]:
    """Sheets per stock row (a row listed twice counts once, with both quantities)."""
    wanted: dict[int, int] = {}
    stocks: dict[int, SheetStock] = {}
    for stock, quantity in sheets:
        if int(quantity) >= 1:
            wanted[stock.pk] = wanted.get(stock.pk, 0) + int(quantity)
            stocks[stock.pk] = stock
    return wanted, stocks


def _check_run(
    machine: Machine,
    operator: Operator,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    project_rows: list[RunShareRow],
    sheets: Iterable[tuple[SheetStock, int]],
) -> None:
    """Every problem with the run as given, at once, as a ValidationError by field."""
    errors: dict[str, list[str]] = {}
    if not project_rows:
        errors.setdefault("projects", []).append("A run serves at least one project.")
    seen: set[int] = set()
    for project, parts, cut, area in project_rows:
        if project.pk in seen:
            errors.setdefault("projects", []).append(f"{project.code} is listed twice.")
        seen.add(project.pk)
        if parts < 0 or cut < 0 or area < 0:
            errors.setdefault("projects", []).append(
                f"{project.code}: parts, cut length and area cannot be negative."
            )
    for stock, quantity in sheets:
        if int(quantity) < 1:
            errors.setdefault("sheets", []).append(f"{stock}: at least 1 sheet.")
    if not machine.is_active:
        errors.setdefault("machine", []).append(f"Machine {machine.code} is not active.")
    if not operator.is_active:
        errors.setdefault("operator", []).append(f"{operator} is not an active operator.")
    elif operator.machines.exists() and not operator.machines.filter(pk=machine.pk).exists():
        errors.setdefault("operator", []).append(f"{operator} does not run {machine.code}.")
    if started_at and ended_at and ended_at < started_at:
        errors.setdefault("ended_at", []).append("The run ends before it starts.")
    if errors:
        raise ValidationError(errors)


def _check_nest(locked: dict[int, SheetStock], preset: CutPreset | None) -> None:
    """One thickness in a nest, and the preset's material and thickness on every sheet."""
    errors: list[str] = []
    tolerance = Decimal(str(settings.STOCK_THICKNESS_TOLERANCE_MM))
    thicknesses = sorted({s.thickness_mm for s in locked.values()})
    if thicknesses and thicknesses[-1] - thicknesses[0] > tolerance:
        errors.append(
            "No mixed thickness in a nest: these sheets are "
            + ", ".join(f"{t.normalize():f}" for t in thicknesses)
            + " mm."
        )
    if preset is not None:
        for stock in locked.values():
            if stock.material_id != preset.material_id:
                errors.append(f"{stock} is not the preset's material ({preset.material.code}).")
            elif abs(stock.thickness_mm - preset.thickness_mm) > tolerance:
                errors.append(
                    f"{stock} is not the preset's thickness ({preset.thickness_mm:f} mm)."
                )
    if errors:
        raise ValidationError({"sheets": errors})


def _measured(project_rows: list[RunShareRow]) -> tuple[list[RunShareRow], list[int]]:
    """The rows with the cut length and area nobody typed taken from each job's measured
    drawings × its parts (selectors.measured_pieces), and each job's pierces the same way; a
    figure too large to keep is refused."""
    pieces = selectors.measured_pieces(project.pk for project, *_ in project_rows)
    rows: list[RunShareRow] = []
    pierces: list[int] = []
    errors: list[str] = []
    tenth = Decimal("0.1")
    for project, parts, cut, area in project_rows:
        piece = pieces.get(project.pk)
        count = 0
        if piece is not None:
            cut = cut or (piece.cut_length_mm * parts).quantize(tenth, rounding=ROUND_HALF_EVEN)
            area = area or (piece.area_mm2 * parts).quantize(tenth, rounding=ROUND_HALF_EVEN)
            count = int((piece.pierce_count * parts).to_integral_value(rounding=ROUND_HALF_EVEN))
        if cut > MAX_RUN_CUT_MM or area > MAX_RUN_AREA_MM2 or count > MAX_PIERCES:
            errors.append(
                f"{project.code}: {parts} parts of {cut:,.0f} mm cut, {area:,.0f} mm² and "
                f"{count:,} pierces is too large to be a run; check the drawing and the parts."
            )
        rows.append((project, parts, cut, area))
        pierces.append(count)
    if errors:
        raise ValidationError({"projects": errors})
    return rows, pierces


def _share_out(run: LaserRun, project_rows: list[RunShareRow], pierces: list[int]) -> list[Decimal]:
    """Each job's share of the run, by its cut length, area and parts (see compute_shares)."""
    shares = compute_shares([(cut, area, parts) for _, parts, cut, area in project_rows])
    LaserRunProject.objects.bulk_create(
        LaserRunProject(
            run=run,
            project=project,
            parts=parts,
            cut_length_mm=cut,
            area_mm2=area,
            pierce_count=count,
            share=share,
        )
        for (project, parts, cut, area), count, share in zip(
            project_rows, pierces, shares, strict=True
        )
    )
    return shares


# Statuses a run moves a job out of, toward Cutting (Approved only if its gates let it queue).
_BEFORE_THE_QUEUE = ("approved", "paid")
# A job here has been cut: a run for it (spares, a remake) is recorded and moves nothing.
_ALREADY_CUT = ("qc", "ready")


def run_moves_jobs(*, run: LaserRun, projects: Iterable[Project], by: Actor = None) -> None:
    """The work moves on with a recorded run, for each job it served: its queue item starts (a
    paid job with none is queued on the run's machine first) and the job goes into Cutting;
    once the runs have cut all its parts (its quantity) the item is done and the job goes to QC.
    Every move goes through projects' project_transition (its gates, history and audit); a
    move it refuses is a ValidationError naming the job, and the caller's transaction (the run)
    is undone with it."""
    from projects import services as project_services

    for project in projects:
        current = Project.objects.get(pk=project.pk)
        if current.status in _ALREADY_CUT:
            continue
        if current.status == "on_hold":
            why = f" ({current.status_reason})" if current.status_reason else ""
            raise ValidationError(
                {
                    "projects": f"{current.code} is on hold{why}: resume it before recording "
                    "a run for it. The run was not recorded."
                }
            )
        cut = selectors.parts_cut(current.pk)
        covered = cut >= current.quantity
        reason = f"laser run {run.pk}: {cut} of {current.quantity} parts cut"
        path = ["queued"] if current.status in _BEFORE_THE_QUEUE else []
        path += [] if current.status == "cutting" else ["cutting"]
        path += ["qc"] if covered else []
        if current.status in (*_BEFORE_THE_QUEUE, "queued", "cutting"):
            _queue_follows(current, machine=run.machine, covered=covered, reason=reason, by=by)
        for to in path:
            try:
                project_services.project_transition(project=current, to=to, by=by, reason=reason)
            except TransitionError as exc:
                raise ValidationError(
                    {"projects": f"{current.code}: {exc.detail} The run was not recorded."}
                ) from exc
        _copy_status(project, current)


def _copy_status(target: Project, source: Project) -> None:
    if target is not source:
        for name in ("status", "status_changed_at", "status_reason"):
            setattr(target, name, getattr(source, name))


def _queue_follows(
    project: Project, *, machine: Machine, covered: bool, reason: str, by: Actor
) -> None:
    """The job's active queue items start cutting and, once all its parts are cut, are done. A
    job on its way to the queue with no item (other than a cancelled one) gets one on `machine`."""
    items = list(QueueItem.objects.filter(project=project, status__in=QUEUE_ACTIVE))
    queued_before = QueueItem.objects.filter(project=project).exclude(status=QueueStatus.CANCELLED)
    if not items and not queued_before.exists():
        priority = project.priority if project.priority in QueuePriority.values else None
        items = [
            queue_add(
                project=project,
                machine=machine,
                priority=priority or QueuePriority.NORMAL,
                by=by,
                notes=reason,
            )
        ]
    for item in items:
        if item.status == QueueStatus.QUEUED:
            queue_start(item=item, by=by)
        if covered:
            queue_complete(item=item, by=by, reason=reason)


def _take_sheets(
    run: LaserRun,
    locked: dict[int, SheetStock],
    wanted: dict[int, int],
    stocks: dict[int, SheetStock],
    *,
    by: Actor,
) -> None:
    """Take the run's sheets from stock through inventory's ledger, one movement per row."""
    for pk in sorted(wanted):
        stock = locked[pk]
        try:
            movement = inventory_services.stock_use(
                stock=stock,
                quantity=wanted[pk],
                by=by,
                reason="laser run",
                caused_by=run,
                reference=f"Laser run {run.pk}",
            )
        except ValidationError as exc:
            raise ValidationError({"sheets": exc.messages}) from exc
        LaserRunSheet.objects.create(run=run, stock=stock, quantity=wanted[pk], movement=movement)
        stocks[pk].quantity_on_hand = stock.quantity_on_hand


@transaction.atomic
def run_photo_add(
    *, run: LaserRun, image: File, caption: str = "", by: Actor = None
) -> LaserRunPhoto:
    """Keep a photograph of the cut sheet with its run (the operator's checklist)."""
    photo = LaserRunPhoto(run=run, caption=caption[:200])
    photo.image.save(getattr(image, "name", "photo.jpg"), image, save=False)
    try:
        photo.full_clean()
        photo.save()
        record_created(photo, by=by, message=f"photo for {run}")
    except Exception:
        photo.image.delete(save=False)  # the row is rolled back; its file must not stay
        raise
    return photo


# --- cut presets ----------------------------------------------------------------------------------


def _normalise_preset(preset: CutPreset) -> None:
    # Decimals as the database keeps them (4200 -> 4200.0), so "no change" compares equal.
    for field in preset._meta.concrete_fields:
        value = getattr(preset, field.attname)
        if isinstance(field, models.DecimalField) and value not in (None, ""):
            try:
                value = Decimal(str(value)).quantize(Decimal(1).scaleb(-field.decimal_places))
            except ArithmeticError:
                continue  # full_clean() names the bad value
            setattr(preset, field.attname, value)
    preset.nozzle = (preset.nozzle or "").strip().upper()
    preset.gas = (preset.gas or "").strip().upper()
    if preset.gas == "02":  # CypCut file names write O2 as "02"
        preset.gas = "O2"
    preset.note = (preset.note or "").strip()


@transaction.atomic
def preset_create(*, by: Actor = None, **fields: Any) -> CutPreset:
    """A new cut preset (from the admin, the API or an import), with its audit entry."""
    preset = CutPreset(**fields)
    _normalise_preset(preset)
    preset.full_clean()
    preset.save()
    record_created(preset, by=by)
    return preset


@transaction.atomic
def preset_update(
    *,
    preset: CutPreset,
    changes: dict[str, Any],
    by: Actor = None,
    reason: str,
    quality_effect: str = QualityEffect.UNKNOWN,
    quality_note: str = "",
) -> CutPresetChange | None:
    """Change a preset's parameters and log the change: who, when, why, the effect on the cut,
    and each field before and after. Returns the log entry (None if nothing changed)."""
    unknown = set(changes) - set(PRESET_TUNED_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Not a preset parameter."))
    locked = CutPreset.objects.select_for_update().get(pk=preset.pk)
    before = instance_values(locked)
    for name, value in changes.items():
        setattr(locked, name, value)
    _normalise_preset(locked)
    locked.full_clean()
    diff = {
        name: values
        for name, values in diff_instances(before, instance_values(locked)).items()
        if name in PRESET_TUNED_FIELDS
    }
    if not diff:
        return None
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the preset is changed (it goes in its log)."})
    if quality_effect not in QualityEffect.values:
        raise ValidationError({"quality_effect": f"Unknown quality effect {quality_effect!r}."})
    locked.save()
    entry = CutPresetChange.objects.create(
        preset=locked,
        by=acting_user(by),
        reason=reason.strip()[:255],
        quality_effect=quality_effect,
        quality_note=quality_note[:255],
        changes=diff,
    )
    record(action=ActivityLog.Action.UPDATE, obj=locked, changes=diff, user=by, message=reason)
    for name in changes:
        setattr(preset, name, getattr(locked, name))
    return entry
