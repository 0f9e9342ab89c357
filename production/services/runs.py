"""Writes on laser runs: the run with its jobs' shares and its sheets, and the work it moves on
(queue items and jobs)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import NotRequired, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from inventory import services as inventory_services
from inventory.models import SheetStock
from laseros.actors import Actor, acting_user
from laseros.audit import record_created
from laseros.moves import TransitionError
from laseros.outbox import record_event
from projects.models import Project

from .. import selectors
from ..models import (
    MAX_PIERCES,
    MAX_RUN_AREA_MM2,
    MAX_RUN_CUT_MM,
    QUEUE_ACTIVE,
    CutPreset,
    LaserRun,
    LaserRunPhoto,
    LaserRunProject,
    LaserRunSheet,
    Machine,
    Operator,
    QueueItem,
    QueuePriority,
    QueueStatus,
)
from .estimates import pieces_wanted
from .queue import _add_item, _set_item_status

logger = logging.getLogger(__name__)

SHARE_PLACES = Decimal("0.000001")


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
    return _record_run_finished(run, [p for p, *_ in project_rows])


def _record_run_finished(run: LaserRun, projects: list[Project]) -> LaserRun:
    """The run.finished event, in the run's transaction (laseros.outbox); returns the run."""
    record_event(
        type="run.finished",
        payload={
            "run_id": run.pk,
            "machine": str(run.machine),
            "operator": str(run.operator),
            "started_at": run.started_at,
            "ended_at": run.ended_at,
            "parts_cut": run.parts_cut,
            "scrap_parts": run.scrap_parts,
            "project_codes": [project.code for project in projects],
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
    once the runs have cut all its parts (its quantity, or what its drawings add up to when
    they say more) the item is done and the job goes to QC.
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
        wanted = pieces_wanted(current, selectors.measured_pieces([current.pk]).get(current.pk))
        covered = cut >= wanted
        reason = f"laser run {run.pk}: {cut} of {wanted} parts cut"
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
    """The job's active queue item starts cutting and, once all its parts are cut, is done (the
    item alone: run_moves_jobs moves the job). A job with no active item gets one on `machine`."""
    items = list(QueueItem.objects.filter(project=project, status__in=QUEUE_ACTIVE))
    if not items:
        priority = project.priority if project.priority in QueuePriority.values else None
        items = [
            _add_item(
                project=project,
                machine=machine,
                priority=priority or QueuePriority.NORMAL,
                by=by,
                notes=reason,
            )
        ]
    for item in items:
        if item.status == QueueStatus.QUEUED:
            _set_item_status(item=item, to=QueueStatus.CUTTING, by=by, reason="started cutting")
        if covered:
            _set_item_status(item=item, to=QueueStatus.DONE, by=by, reason=reason)


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
