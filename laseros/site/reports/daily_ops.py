"""Daily Ops: what the floor did on one day (runs, sheets, parts, cut time, operators, the jobs
that moved) and what needs a manager (low stock, jobs stuck too long). Made at 07:30 for the
day before. Every table is one or two aggregate queries: its query count does not grow with the
shop."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, Sum
from django.utils import timezone

from laseros.site.dashboard import charts
from laseros.site.dashboard.selectors import low_stock, machine_loads
from projects.workflow import ON_HOLD_FOR_MATERIAL_WORDS

from .base import (
    Column,
    Figure,
    Report,
    Table,
    day_bounds,
    hbar_chart,
    run_duration,
    whole_minutes,
)

KIND = "daily_ops"
TITLE = "Daily Ops"

# DOMAIN.md, "A job's life": escalate when a job sits too long (calendar days in the status).
STUCK_DAYS = {"quoting": 4, "material": 2, "cutting": 1, "ready": 2}


def period(day: dt.date) -> tuple[dt.date, dt.date]:
    """The report for `day` covers that day."""
    return day, day


def due_at(start: dt.date, end: dt.date) -> dt.datetime:
    """When the report for the day is made: the next morning at REPORT_DAILY_OPS_AT."""
    from django.conf import settings

    hour, minute = (int(part) for part in settings.REPORT_DAILY_OPS_AT.split(":"))
    return dt.datetime.combine(
        end + dt.timedelta(days=1), dt.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )


def _runs(start: dt.datetime, end: dt.datetime) -> Table:
    from production.models import LaserRun

    runs = (
        LaserRun.objects.filter(started_at__gte=start, started_at__lt=end)
        .select_related("machine", "operator")
        .prefetch_related("project_shares__project", "sheets")
        .order_by("started_at", "pk")
    )
    rows = []
    for run in runs:
        jobs = ", ".join(share.project.code for share in run.project_shares.all())
        sheets = sum(sheet.quantity for sheet in run.sheets.all())
        rows.append(
            (
                run.started_at,
                run.machine.code,
                run.operator.display_name,
                jobs,
                run.duration_minutes,
                sheets,
                run.parts_cut,
                run.scrap_parts,
            )
        )
    return Table(
        "Runs",
        [
            Column("Started", "datetime", 17),
            Column("Machine", "text", 10),
            Column("Operator", "text", 18),
            Column("Jobs", "text", 40),
            Column("Minutes", "minutes", 10),
            Column("Sheets", "int", 8),
            Column("Parts", "int", 8),
            Column("Scrap", "int", 8),
        ],
        rows,
        empty="No runs were recorded on this day.",
    )


def _operators(start: dt.datetime, end: dt.datetime) -> Table:
    from production.models import LaserRun, LaserRunSheet

    on_day = Q(started_at__gte=start, started_at__lt=end)
    rows = (
        LaserRun.objects.filter(on_day)
        .values("operator", "operator__display_name")
        .annotate(runs=Count("pk"), time=Sum(run_duration()), parts=Sum("parts_cut"))
        .annotate(scrap=Sum("scrap_parts"))
        .order_by("operator__display_name")
    )
    sheets = dict(
        LaserRunSheet.objects.filter(run__started_at__gte=start, run__started_at__lt=end)
        .values_list("run__operator")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    return Table(
        "Operators",
        [
            Column("Operator", "text", 20),
            Column("Runs", "int", 8),
            Column("Minutes", "minutes", 10),
            Column("Sheets", "int", 8),
            Column("Parts", "int", 8),
            Column("Scrap", "int", 8),
        ],
        [
            (
                r["operator__display_name"],
                r["runs"],
                whole_minutes(r["time"]),
                sheets.get(r["operator"], 0),
                r["parts"] or 0,
                r["scrap"] or 0,
            )
            for r in rows
        ],
        empty="Nobody cut on this day.",
    )


def _machines(day: dt.date) -> Table:
    loads = machine_loads(day, days=1)  # the dashboard's utilisation, for one day
    return Table(
        "Machines",
        [
            Column("Machine", "text", 10),
            Column("Name", "text", 24),
            Column("Cut minutes", "minutes", 12),
            Column("Working minutes", "minutes", 14),
            Column("Utilisation", "percent", 12),
            Column("Queued jobs", "int", 12),
            Column("Backlog hours", "hours", 13),
        ],
        [
            (
                m.code,
                m.name,
                m.run_minutes,
                m.working_minutes,
                m.utilisation,
                m.queued_items,
                m.backlog_hours,
            )
            for m in loads
        ],
        empty="No active machine.",
    )


def _moves(start: dt.datetime, end: dt.datetime) -> Table:
    from projects.models import ProjectStatus, ProjectStatusChange

    labels = dict(ProjectStatus.choices)
    moves = (
        ProjectStatusChange.objects.filter(changed_at__gte=start, changed_at__lt=end)
        .select_related("project__client", "changed_by")
        .order_by("changed_at", "pk")
    )
    return Table(
        "Jobs that moved",
        [
            Column("When", "datetime", 17),
            Column("Job", "text", 26),
            Column("Client", "text", 24),
            Column("From", "text", 12),
            Column("To", "text", 12),
            Column("By", "text", 14),
            Column("Reason", "text", 30),
        ],
        [
            (
                m.changed_at,
                m.project.code,
                m.project.client.name,
                labels.get(m.from_status, m.from_status or "(new)"),
                labels.get(m.to_status, m.to_status),
                m.changed_by.get_username() if m.changed_by else "the system",
                m.reason,
            )
            for m in moves
        ],
        empty="No job changed status on this day.",
    )


def _stock() -> Table:
    low = low_stock()
    table = Table(
        "Low stock",
        [
            Column("Sheet", "text", 28),
            Column("Location", "text", 14),
            Column("On hand", "int", 9),
            Column("Reorder level", "int", 13),
            Column("To order", "int", 9),
        ],
        [(s.label, s.location, s.on_hand, s.reorder_level, s.to_order) for s in low.sheets],
        empty="No sheet is at or below its reorder level.",
    )
    if low.count > len(low.sheets):
        table.title = f"Low stock (the {len(low.sheets)} emptiest of {low.count})"
    return table


def blockers(at: dt.datetime) -> Table:
    """Jobs that sat in their status longer than DOMAIN.md allows, as they stand at `at`."""
    from projects.models import Project, ProjectStatus

    def older(days: int) -> Q:
        return Q(status_changed_at__lt=at - dt.timedelta(days=days))

    material = Q()
    for word in ON_HOLD_FOR_MATERIAL_WORDS:
        material |= Q(status_reason__icontains=word)
    stuck = (
        (Q(status=ProjectStatus.QUOTING) & older(STUCK_DAYS["quoting"]))
        | (Q(status=ProjectStatus.ON_HOLD) & material & older(STUCK_DAYS["material"]))
        | (Q(status=ProjectStatus.CUTTING) & older(STUCK_DAYS["cutting"]))
        | (Q(status=ProjectStatus.READY) & older(STUCK_DAYS["ready"]))
    )
    jobs = (
        Project.objects.filter(stuck).select_related("client").order_by("status_changed_at", "pk")
    )
    labels = dict(ProjectStatus.choices)
    rows = []
    for job in jobs:
        waited = (at - job.status_changed_at).total_seconds() / 86400
        why = (
            "waiting for material"
            if job.status == ProjectStatus.ON_HOLD
            else f"{labels[job.status]} > {STUCK_DAYS[job.status]} days"
        )
        rows.append(
            (job.code, job.client.name, labels[job.status], job.status_changed_at, waited, why)
        )
    return Table(
        "Blockers",
        [
            Column("Job", "text", 26),
            Column("Client", "text", 24),
            Column("Status", "text", 12),
            Column("Since", "datetime", 17),
            Column("Days", "decimal", 8),
            Column("Why", "text", 26),
        ],
        rows,
        empty="No job is stuck.",
    )


def build(start: dt.date, end: dt.date) -> Report:
    """The Daily Ops report for the day `start` (== `end`)."""
    begin, finish = day_bounds(start, end)
    runs = _runs(begin, finish)
    operators = _operators(begin, finish)
    machines = _machines(end)
    moves = _moves(begin, finish)
    stuck = blockers(min(finish, timezone.now()))
    stock = _stock()
    cut_minutes = sum(row[4] for row in runs.rows)
    figures = [
        Figure("Runs", len(runs.rows)),
        Figure("Sheets", sum(row[5] for row in runs.rows)),
        Figure("Parts", sum(row[6] for row in runs.rows)),
        Figure("Scrap", sum(row[7] for row in runs.rows)),
        Figure("Cut time (h)", cut_minutes / 60, "hours"),
        Figure("Operators", len(operators.rows)),
        Figure("Jobs moved", len({row[1] for row in moves.rows})),
        Figure("Blockers", len(stuck.rows)),
        Figure("Low stock", len(stock.rows)),
    ]
    chart_rows = [charts.Bar(m[0], m[2] / 60, f"{m[2] / 60:.1f} h") for m in machines.rows]
    report = Report(
        kind=KIND,
        title=TITLE,
        period_start=start,
        period_end=end,
        figures=figures,
        tables=[runs, operators, machines, moves, stuck, stock],
        charts=hbar_chart("Cut time per machine", chart_rows),
        notes=["Blockers and low stock are as the shop stood when the report was made."],
    )
    return report
