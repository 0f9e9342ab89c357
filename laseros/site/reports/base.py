"""What every report is made of, whatever it reports: headline figures, tables and charts, each
value kept as a number with its kind, so the HTML and PDF write it for people and the Excel
workbook keeps it a number with a format (never a string)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import DurationField, ExpressionWrapper, F
from django.utils import timezone
from django.utils.safestring import SafeString

from laseros.site.dashboard import charts

# A value's kind: how the page writes it, and the number format the workbook gives it.
NUMBER_FORMATS = {
    "int": "#,##0",
    "minutes": "#,##0",
    "hours": "#,##0.0",
    "decimal": "#,##0.0",
    "money": '"R" #,##0.00',
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "text": "@",
}


def display(value: Any, kind: str) -> str:
    """The value as the page writes it ("–" when there is none)."""
    if value is None or value == "":
        return "–"
    if kind in ("int", "minutes"):
        return f"{int(value):,}".replace(",", " ")
    if kind in ("hours", "decimal"):
        return f"{float(value):,.1f}".replace(",", " ")
    if kind == "money":
        return "R " + f"{Decimal(value):,.2f}".replace(",", " ")
    if kind == "percent":
        return f"{float(value) * 100:.1f} %"
    if kind == "datetime":
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if kind == "date":
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"
    width: int = 14  # the workbook column's width, in characters

    @property
    def number_format(self) -> str:
        return NUMBER_FORMATS[self.kind]

    @property
    def numeric(self) -> bool:
        return self.kind not in ("text", "date", "datetime")


@dataclass
class Table:
    title: str
    columns: Sequence[Column]
    rows: list[tuple[Any, ...]]
    empty: str = "Nothing."
    totals: tuple[Any, ...] | None = None  # a last row, in the columns' kinds

    def display_rows(self) -> list[list[tuple[str, bool]]]:
        """Each cell as (text, numeric) for the templates."""
        return [
            [(display(v, c.kind), c.numeric) for v, c in zip(row, self.columns, strict=True)]
            for row in self.rows
        ]

    def display_totals(self) -> list[tuple[str, bool]] | None:
        if self.totals is None:
            return None
        return [
            ("" if v is None else display(v, c.kind), c.numeric)
            for v, c in zip(self.totals, self.columns, strict=True)
        ]


@dataclass(frozen=True)
class Figure:
    label: str
    value: Any
    kind: str = "int"

    @property
    def text(self) -> str:
        return display(self.value, self.kind)


@dataclass(frozen=True)
class Chart:
    title: str
    svg: SafeString


@dataclass
class Report:
    kind: str
    title: str
    period_start: dt.date
    period_end: dt.date
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    made_at: dt.datetime = field(default_factory=timezone.now)

    @property
    def period_label(self) -> str:
        if self.period_start == self.period_end:
            return self.period_start.strftime("%A %d %B %Y").replace(" 0", " ")
        return f"{self.period_start:%d %b %Y} – {self.period_end:%d %b %Y}"

    @property
    def slug(self) -> str:
        if self.period_start == self.period_end:
            return f"{self.kind}-{self.period_start:%Y-%m-%d}"
        return f"{self.kind}-{self.period_start:%Y-%m-%d}-to-{self.period_end:%Y-%m-%d}"


def day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) on the shop's clock."""
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday to Sunday of the week that holds `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def month_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first to the last day of the month that holds `day`."""
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def at_time(day: dt.date, clock: str) -> dt.datetime:
    """`day` at "HH:MM" on the shop's clock."""
    hour, minute = (int(part) for part in clock.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def weekly_due(end: dt.date) -> dt.datetime:
    """A week's report: the Monday after it, at REPORT_WEEKLY_AT."""
    from django.conf import settings

    return at_time(end + dt.timedelta(days=1), settings.REPORT_WEEKLY_AT)


def monthly_due(end: dt.date) -> dt.datetime:
    """A month's report: the 1st of the next month, at REPORT_MONTHLY_AT."""
    from django.conf import settings

    return at_time(end + dt.timedelta(days=1), settings.REPORT_MONTHLY_AT)


def run_duration() -> ExpressionWrapper:
    """A run's time at the machine (ended_at - started_at), for summing in a query."""
    return ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())


def whole_minutes(delta: dt.timedelta | None) -> int:
    """A summed duration in whole minutes (0 when nothing was summed)."""
    return int((delta or dt.timedelta()).total_seconds() // 60)


def hbar_chart(title: str, bars: list[charts.Bar]) -> list[Chart]:
    """One horizontal-bar chart titled `title`, or none when there is nothing to draw."""
    return [Chart(title, charts.hbars(bars, title=title))] if bars else []
