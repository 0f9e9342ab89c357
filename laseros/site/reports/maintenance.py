"""Maintenance: a week per machine — runs, hours cut, pierces and cut length in the week, and
the same since the machine's first recorded run (the figures a service interval is read from).
Four aggregate queries whatever the number of runs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, Min, Q, Sum

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
)

KIND = "maintenance"
TITLE = "Maintenance"


def period(day: dt.date) -> tuple[dt.date, dt.date]:
    return week_of(day)


def due_at(start: dt.date, end: dt.date) -> dt.datetime:
    return weekly_due(end)


def _hours(delta: dt.timedelta | None) -> float:
    return round((delta or dt.timedelta()).total_seconds() / 3600, 2)


def _runs(begin: dt.datetime, finish: dt.datetime) -> dict[int, dict]:
    """Each machine's runs and time in the week and to date, and its first run, by machine pk."""
    from production.models import LaserRun

    duration = run_duration()
    in_week = Q(started_at__gte=begin, started_at__lt=finish)
    to_date = Q(started_at__lt=finish)
    return {
        row["machine"]: row
        for row in LaserRun.objects.values("machine")
        .annotate(
            week_runs=Count("pk", filter=in_week),
            week_time=Sum(duration, filter=in_week),
            all_runs=Count("pk", filter=to_date),
            all_time=Sum(duration, filter=to_date),
            first=Min("started_at"),
        )
        .order_by()
    }


def _cut(begin: dt.datetime, finish: dt.datetime) -> dict[int, dict]:
    """Each machine's pierces and cut length in the week, and its pierces to date."""
    from production.models import LaserRunProject

    week_share = Q(run__started_at__gte=begin, run__started_at__lt=finish)
    return {
        row["run__machine"]: row
        for row in LaserRunProject.objects.values("run__machine")
        .annotate(
            week_pierces=Sum("pierce_count", filter=week_share),
            week_cut=Sum("cut_length_mm", filter=week_share),
            all_pierces=Sum("pierce_count", filter=Q(run__started_at__lt=finish)),
        )
        .order_by()
    }


def _machine_row(machine: Any, r: dict, c: dict) -> tuple:
    first = r.get("first")
    return (
        machine.code,
        machine.name,
        r.get("week_runs", 0),
        _hours(r.get("week_time")),
        c.get("week_pierces") or 0,
        float((c.get("week_cut") or Decimal(0)) / 1000),
        r.get("all_runs", 0),
        _hours(r.get("all_time")),
        c.get("all_pierces") or 0,
        first.date() if first else None,
    )


def _machines(begin: dt.datetime, finish: dt.datetime) -> Table:
    """A row per active machine or machine that ever ran: its week and its figures to date."""
    from production.models import Machine

    runs, cut = _runs(begin, finish), _cut(begin, finish)
    machines = Machine.objects.filter(Q(is_active=True) | Q(pk__in=runs.keys())).order_by("code")
    return Table(
        "Machines",
        [
            Column("Machine", "text", 10),
            Column("Name", "text", 22),
            Column("Runs", "int", 8),
            Column("Hours cut", "hours", 10),
            Column("Pierces", "int", 10),
            Column("Cut length (m)", "decimal", 14),
            Column("Runs to date", "int", 12),
            Column("Hours to date", "hours", 13),
            Column("Pierces to date", "int", 15),
            Column("Since", "date", 12),
        ],
        [_machine_row(m, runs.get(m.pk, {}), cut.get(m.pk, {})) for m in machines],
        empty="No machine.",
    )


def _figures(rows: list[tuple]) -> list[Figure]:
    return [
        Figure("Machines", len(rows)),
        Figure("Runs", sum(r[2] for r in rows)),
        Figure("Hours cut", sum(r[3] for r in rows), "hours"),
        Figure("Pierces", sum(r[4] for r in rows)),
    ]


def build(start: dt.date, end: dt.date) -> Report:
    """The Maintenance report for the week `start` (Monday) to `end` (Sunday)."""
    begin, finish = day_bounds(start, end)
    machines = _machines(begin, finish)
    bars = [charts.Bar(r[0], r[3], f"{r[3]:.1f} h") for r in machines.rows]
    return Report(
        kind=KIND,
        title=TITLE,
        period_start=start,
        period_end=end,
        figures=_figures(machines.rows),
        tables=[machines],
        charts=hbar_chart("Hours cut this week", bars),
        notes=[
            "'To date' counts every run recorded up to the end of the week ('Since': the first)."
        ],
    )
