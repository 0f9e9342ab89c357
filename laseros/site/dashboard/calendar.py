"""The calendar's month: jobs' due dates, queue items' scheduled dates and sent quotes' expiry,
on a Monday-first grid of whole weeks. One query per kind of date, whatever the month holds."""

from __future__ import annotations

import calendar as cal
import datetime as dt
import re
from dataclasses import dataclass, field

from django.urls import reverse

from laseros.money import can_see_money

MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
LEGEND = {
    "due": ("job due", "jobs due"),
    "scheduled": ("cut scheduled", "cuts scheduled"),
    "expires": ("quote expiring", "quotes expiring"),
}
BAD_MONTH = "“{value}” is not a month (write it as 2026-12); showing this month."


@dataclass(frozen=True)
class Event:
    kind: str  # due | scheduled | expires
    label: str
    title: str  # the longer text a pointer shows
    url: str
    done: bool = False  # a due date of a finished job: shown quieter


@dataclass
class Day:
    date: dt.date
    in_month: bool
    is_today: bool
    events: list[Event] = field(default_factory=list)


@dataclass
class MonthGrid:
    month: dt.date
    weeks: list[list[Day]]
    previous: dt.date
    next: dt.date
    kinds: list[str]  # the kinds of dates this reader sees
    counts: dict[str, int]

    @property
    def legend(self) -> list[tuple[str, str, int]]:
        """(kind, what it is, how many this month) for each kind the reader sees."""
        return [
            (kind, LEGEND[kind][self.counts[kind] != 1], self.counts[kind]) for kind in self.kinds
        ]


def parse_month(value: str | None, today: dt.date) -> dt.date:
    """`2026-12` -> 1 Dec 2026; nothing -> this month; anything else: ValueError saying so."""
    if not value:
        return today.replace(day=1)
    match = MONTH.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 1900 <= int(match.group(1)) <= 9999:
        raise ValueError(BAD_MONTH.format(value=value[:20]))
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def _shift(month: dt.date, by: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + by
    year = min(max(index // 12, 1), 9999)
    return dt.date(year, index % 12 + 1, 1)


def month_grid(*, month: dt.date, today: dt.date, user) -> MonthGrid:
    weeks_dates = cal.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    first, last = weeks_dates[0][0], weeks_dates[-1][-1]
    days = {d: Day(d, d.month == month.month, d == today) for week in weeks_dates for d in week}
    kinds: list[str] = []
    for kind, reader in _READERS:
        if not reader.allowed(user):
            continue
        kinds.append(kind)
        for day, event in reader.events(first, last):
            days[day].events.append(event)
    counts = dict.fromkeys(kinds, 0)
    for day in days.values():
        if day.in_month:
            for event in day.events:
                counts[event.kind] += 1
    return MonthGrid(
        month=month,
        weeks=[[days[d] for d in week] for week in weeks_dates],
        previous=_shift(month, -1),
        next=_shift(month, 1),
        kinds=kinds,
        counts=counts,
    )


class _JobsDue:
    @staticmethod
    def allowed(user) -> bool:
        return user.has_perm("projects.view_project")

    @staticmethod
    def events(first: dt.date, last: dt.date):
        from projects.models import Project
        from projects.workflow import ProjectStatusGroups

        jobs = (
            Project.objects.filter(due_date__gte=first, due_date__lte=last)
            .exclude(status="cancelled")
            .select_related("client")
            .order_by("due_date", "code")
        )
        for job in jobs:
            yield (
                job.due_date,
                Event(
                    "due",
                    job.code,
                    f"Due: {job.code} {job.name} ({job.client.name}, {job.get_status_display()})",
                    reverse("admin:projects_project_change", args=[job.pk]),
                    done=job.status in ProjectStatusGroups.DONE,
                ),
            )


class _Scheduled:
    @staticmethod
    def allowed(user) -> bool:
        return user.has_perm("production.view_queueitem")

    @staticmethod
    def events(first: dt.date, last: dt.date):
        from production.models import QueueItem, QueueStatus

        items = (
            QueueItem.objects.filter(scheduled_date__gte=first, scheduled_date__lte=last)
            .exclude(status=QueueStatus.CANCELLED)
            .select_related("machine", "project")
            .order_by("scheduled_date", "machine__code", "position")
        )
        for item in items:
            hours = f", {item.estimated_minutes / 60:.1f} h" if item.estimated_minutes else ""
            yield (
                item.scheduled_date,
                Event(
                    "scheduled",
                    f"{item.machine.code} {item.project.code}",
                    f"On {item.machine.code}: {item.project.code} {item.project.name} "
                    f"({item.get_status_display()}{hours})",
                    reverse("admin:production_queueitem_change", args=[item.pk]),
                    done=item.status == QueueStatus.DONE,
                ),
            )


class _QuotesExpiring:
    @staticmethod
    def allowed(user) -> bool:
        return user.has_perm("finance.view_quote") and can_see_money(user)

    @staticmethod
    def events(first: dt.date, last: dt.date):
        from finance.models import Quote, QuoteStatus

        quotes = (
            Quote.objects.filter(
                status=QuoteStatus.SENT, expires_on__gte=first, expires_on__lte=last
            )
            .select_related("client")
            .order_by("expires_on", "number")
        )
        for quote in quotes:
            yield (
                quote.expires_on,
                Event(
                    "expires",
                    quote.label,
                    f"Quote {quote.label} for {quote.client.name} expires",
                    reverse("admin:finance_quote_change", args=[quote.pk]),
                ),
            )


_READERS = (("due", _JobsDue), ("scheduled", _Scheduled), ("expires", _QuotesExpiring))
