"""Employee: a week per operator — runs, minutes at the machine, sheets, parts, scrap and its
rate, parts per hour. Three aggregate queries whatever the number of runs."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, DurationField, ExpressionWrapper, F, Sum

from laseros.site.dashboard import charts

from .base import Chart, Column, Figure, Report, Table, day_bounds, week_of, weekly_due

KIND = "employee"
TITLE = "Employee"


def period(day: dt.date) -> tuple[dt.date, dt.date]:
    return week_of(day)


def due_at(start: dt.date, end: dt.date) -> dt.datetime:
    return weekly_due(end)


def build(start: dt.date, end: dt.date) -> Report:
    from production.models import LaserRun, LaserRunSheet, Operator

    begin, finish = day_bounds(start, end)
    duration = ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())
    totals = {
        row["operator"]: row
        for row in LaserRun.objects.filter(started_at__gte=begin, started_at__lt=finish)
        .values("operator")
        .annotate(runs=Count("pk"), time=Sum(duration), parts=Sum("parts_cut"))
        .annotate(scrap=Sum("scrap_parts"), days=Count("started_at__date", distinct=True))
        .order_by()
    }
    sheets = dict(
        LaserRunSheet.objects.filter(run__started_at__gte=begin, run__started_at__lt=finish)
        .values_list("run__operator")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    operators = Operator.objects.filter(pk__in=totals.keys()) | Operator.objects.filter(
        is_active=True
    )
    rows = []
    for operator in operators.distinct().order_by("display_name"):
        row = totals.get(operator.pk, {})
        minutes = int((row.get("time") or dt.timedelta()).total_seconds() // 60)
        parts, scrap = row.get("parts") or 0, row.get("scrap") or 0
        rows.append(
            (
                operator.display_name,
                row.get("days", 0),
                row.get("runs", 0),
                minutes,
                sheets.get(operator.pk, 0),
                parts,
                scrap,
                scrap / (parts + scrap) if parts + scrap else None,
                parts / (minutes / 60) if minutes else None,
            )
        )
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
    all_parts = sum(r[5] for r in rows)
    all_scrap = sum(r[6] for r in rows)
    table.totals = (
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
    bars = [charts.Bar(r[0], r[3] / 60, f"{r[3] / 60:.1f} h") for r in rows if r[3]]
    return Report(
        kind=KIND,
        title=TITLE,
        period_start=start,
        period_end=end,
        figures=[
            Figure("Operators who cut", sum(1 for r in rows if r[2])),
            Figure("Runs", table.totals[2]),
            Figure("Hours at the machines", table.totals[3] / 60, "hours"),
            Figure("Parts", all_parts),
            Figure("Scrap rate", table.totals[7], "percent"),
        ],
        tables=[table],
        charts=[Chart("Hours per operator", charts.hbars(bars, title="Hours per operator"))]
        if bars
        else [],
    )
