"""Employee: a week per operator — runs, minutes at the machine, sheets, parts, scrap and its
rate, parts per hour. Three aggregate queries whatever the number of runs."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Sum

from laseros.site.dashboard import charts

from .base import (
    Column,
    Figure,
    Report,
    Table,
    day_bounds,
    hbar_chart,
    run_duration,
    week_of,
    weekly_due,
    whole_minutes,
)

KIND = "employee"
TITLE = "Employee"


def period(day: dt.date) -> tuple[dt.date, dt.date]:
    return week_of(day)


def due_at(start: dt.date, end: dt.date) -> dt.datetime:
    return weekly_due(end)


def _run_totals(begin: dt.datetime, finish: dt.datetime) -> dict[int, dict]:
    """Each operator's runs, time, parts, scrap and days cut in the week, by operator pk."""
    from production.models import LaserRun

    return {
        row["operator"]: row
        for row in LaserRun.objects.filter(started_at__gte=begin, started_at__lt=finish)
        .values("operator")
        .annotate(runs=Count("pk"), time=Sum(run_duration()), parts=Sum("parts_cut"))
        .annotate(scrap=Sum("scrap_parts"), days=Count("started_at__date", distinct=True))
        .order_by()
    }


def _sheets(begin: dt.datetime, finish: dt.datetime) -> dict[int, int]:
    """The sheets each operator's runs of the week used, by operator pk."""
    from production.models import LaserRunSheet

    return dict(
        LaserRunSheet.objects.filter(run__started_at__gte=begin, run__started_at__lt=finish)
        .values_list("run__operator")
        .annotate(total=Sum("quantity"))
        .order_by()
    )


def _operator_row(name: str, row: dict, sheets: int) -> tuple:
    minutes = whole_minutes(row.get("time"))
    parts, scrap = row.get("parts") or 0, row.get("scrap") or 0
    return (
        name,
        row.get("days", 0),
        row.get("runs", 0),
        minutes,
        sheets,
        parts,
        scrap,
        scrap / (parts + scrap) if parts + scrap else None,
        parts / (minutes / 60) if minutes else None,
    )


def _operators(begin: dt.datetime, finish: dt.datetime) -> Table:
    """A row per operator who cut this week or is active, with a totals row."""
    from production.models import Operator

    totals = _run_totals(begin, finish)
    sheets = _sheets(begin, finish)
    operators = Operator.objects.filter(pk__in=totals.keys()) | Operator.objects.filter(
        is_active=True
    )
    rows = [
        _operator_row(
            operator.display_name, totals.get(operator.pk, {}), sheets.get(operator.pk, 0)
        )
        for operator in operators.distinct().order_by("display_name")
    ]
    table = Table(
        "Operators",
        [
            Column("Operator", "text", 20),
            Column("Days cut", "int", 9),
            Column("Runs", "int", 8),
            Column("Minutes", "minutes", 10),
            Column("Sheets", "int", 8),
            Column("Parts", "int", 9),
            Column("Scrap", "int", 8),
            Column("Scrap rate", "percent", 11),
            Column("Parts per hour", "decimal", 14),
        ],
        rows,
        empty="No operator is active and nobody cut this week.",
    )
    table.totals = _totals(rows)
    return table


def _totals(rows: list[tuple]) -> tuple:
    all_parts = sum(r[5] for r in rows)
    all_scrap = sum(r[6] for r in rows)
    return (
        "Total",
        None,
        sum(r[2] for r in rows),
        sum(r[3] for r in rows),
        sum(r[4] for r in rows),
        all_parts,
        all_scrap,
        all_scrap / (all_parts + all_scrap) if all_parts + all_scrap else None,
        None,
    )


def _figures(rows: list[tuple]) -> list[Figure]:
    totals = _totals(rows)
    return [
        Figure("Operators who cut", sum(1 for r in rows if r[2])),
        Figure("Runs", totals[2]),
        Figure("Hours at the machines", totals[3] / 60, "hours"),
        Figure("Parts", totals[5]),
        Figure("Scrap rate", totals[7], "percent"),
    ]


def build(start: dt.date, end: dt.date) -> Report:
    """The Employee report for the week `start` (Monday) to `end` (Sunday)."""
    begin, finish = day_bounds(start, end)
    operators = _operators(begin, finish)
    bars = [charts.Bar(r[0], r[3] / 60, f"{r[3] / 60:.1f} h") for r in operators.rows if r[3]]
    return Report(
        kind=KIND,
        title=TITLE,
        period_start=start,
        period_end=end,
        figures=_figures(operators.rows),
        tables=[operators],
        charts=hbar_chart("Hours per operator", bars),
    )
