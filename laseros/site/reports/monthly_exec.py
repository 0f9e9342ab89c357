"""Monthly Exec: a month for the owner — revenue (the dashboard's: issued invoices less credit
notes, excl. VAT) over six months, the month's direct cost and margin, each machine's utilisation
(the dashboard's), and the quotes' estimates against what the runs took (finance's comparison).
A handful of aggregate queries, and finance's comparison, whatever the size of the month."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import DecimalField, ExpressionWrapper, F, Sum

from laseros.site.dashboard import charts
from laseros.site.dashboard.selectors import MachineLoad, Revenue, machine_loads, revenue

from .base import (
    Chart,
    Column,
    Figure,
    Report,
    Table,
    day_bounds,
    month_of,
    monthly_due,
    run_duration,
)

if TYPE_CHECKING:
    from finance.estimates import EstimateReport

KIND = "monthly_exec"
TITLE = "Monthly Exec"
ZERO = Decimal("0.00")


def period(day: dt.date) -> tuple[dt.date, dt.date]:
    return month_of(day)


def due_at(start: dt.date, end: dt.date) -> dt.datetime:
    return monthly_due(end)


def direct_cost(start: dt.date, end: dt.date) -> tuple[Decimal, Decimal]:
    """(machine time at each machine's hourly rate, sheets at their stock's unit cost) of the
    runs started in the period, excl. VAT."""
    from production.models import LaserRun, LaserRunSheet

    begin, finish = day_bounds(start, end)
    time = 0.0
    for rate, spent in (
        LaserRun.objects.filter(started_at__gte=begin, started_at__lt=finish)
        .exclude(machine__hourly_rate__isnull=True)
        .values_list("machine__hourly_rate")
        .annotate(total=Sum(run_duration()))
        .order_by()
    ):
        time += float(rate) * (spent or dt.timedelta()).total_seconds() / 3600
    sheets = LaserRunSheet.objects.filter(
        run__started_at__gte=begin, run__started_at__lt=finish
    ).aggregate(
        cost=Sum(
            ExpressionWrapper(
                F("quantity") * F("stock__unit_cost"),
                output_field=DecimalField(max_digits=16, decimal_places=2),
            )
        )
    )["cost"]
    return Decimal(str(round(time, 2))), Decimal(sheets or ZERO).quantize(Decimal("0.01"))


def _months(money: Revenue) -> Table:
    return Table(
        "Revenue by month (excl. VAT)",
        [Column("Month", "date", 12), Column("Revenue", "money", 16)],
        [(m.month, m.excl_vat) for m in money.months],
    )


def _margin(revenue_excl_vat: Decimal, machine_time: Decimal, sheets: Decimal) -> Table:
    return Table(
        "Margin",
        [Column("", "text", 30), Column("Amount", "money", 16)],
        [
            ("Revenue (excl. VAT)", revenue_excl_vat),
            ("Machine time at hourly rates", machine_time),
            ("Sheets at unit cost", sheets),
            ("Margin", revenue_excl_vat - (machine_time + sheets)),
        ],
    )


def _utilisation(loads: list[MachineLoad]) -> Table:
    return Table(
        "Utilisation",
        [
            Column("Machine", "text", 10),
            Column("Name", "text", 24),
            Column("Hours cut", "hours", 11),
            Column("Working hours", "hours", 14),
            Column("Utilisation", "percent", 12),
        ],
        [
            (m.code, m.name, m.run_minutes / 60, m.working_minutes / 60, m.utilisation)
            for m in loads
        ],
        empty="No active machine.",
    )


def _estimates(compared: EstimateReport) -> Table:
    return Table(
        "Estimate against actual (jobs cut since the month began)",
        [
            Column("Job", "text", 26),
            Column("Client", "text", 22),
            Column("Runs", "int", 7),
            Column("Quoted minutes", "decimal", 15),
            Column("Actual minutes", "decimal", 15),
            Column("Minutes: actual ÷ quoted", "percent", 16),
            Column("Quoted sheets", "decimal", 14),
            Column("Actual sheets", "decimal", 14),
        ],
        [
            (
                job.code,
                job.client,
                job.runs,
                job.figures.estimated_minutes,
                job.figures.actual_minutes,
                job.figures.minutes_ratio,
                job.figures.estimated_sheets,
                job.figures.actual_sheets,
            )
            for job in compared.jobs
        ],
        empty="No job cut this month had a quote to compare with.",
    )


def _figures(
    money: Revenue, cost: Decimal, loads: list[MachineLoad], compared: EstimateReport
) -> list[Figure]:
    margin = money.this_month - cost
    quoted = sum((j.figures.estimated_minutes for j in compared.jobs), Decimal(0))
    actual = sum((j.figures.actual_minutes for j in compared.jobs), Decimal(0))
    hours_cut = sum(m.run_minutes for m in loads) / 60
    shop_hours = sum(m.working_minutes for m in loads) / 60
    return [
        Figure("Revenue (excl. VAT)", money.this_month, "money"),
        Figure("Direct cost", cost, "money"),
        Figure("Margin", margin, "money"),
        Figure(
            "Margin %",
            float(margin / money.this_month) if money.this_month else None,
            "percent",
        ),
        Figure("Utilisation", hours_cut / shop_hours if shop_hours else None, "percent"),
        Figure("Actual ÷ quoted minutes", float(actual / quoted) if quoted else None, "percent"),
    ]


def _revenue_chart(money: Revenue) -> Chart:
    bars = [
        charts.Bar(m.month.strftime("%b"), float(m.excl_vat), f"{m.excl_vat / 1000:,.0f}k")
        for m in money.months
    ]
    return Chart("Revenue, last six months", charts.columns(bars, title="Revenue"))


def build(start: dt.date, end: dt.date) -> Report:
    """The Monthly Exec report for the month `start` (the 1st) to `end` (its last day)."""
    from finance.estimates import compare_estimates

    money = revenue(end, months=6)
    machine_time, sheets = direct_cost(start, end)
    loads = machine_loads(end, days=(end - start).days + 1)
    begin, _ = day_bounds(start, end)
    compared = compare_estimates(since=begin)
    return Report(
        kind=KIND,
        title=TITLE,
        period_start=start,
        period_end=end,
        figures=_figures(money, machine_time + sheets, loads, compared),
        tables=[
            _margin(money.this_month, machine_time, sheets),
            _months(money),
            _utilisation(loads),
            _estimates(compared),
        ],
        charts=[_revenue_chart(money)],
        notes=[
            "Direct cost: the month's runs, their time at each machine's hourly rate (a machine "
            "with no rate is not costed) and their sheets at the stock's unit cost.",
            f"Estimates: {compared.without_quote} job(s) cut with no quote to compare, "
            f"{compared.without_runs} quoted and not cut yet.",
        ],
    )
