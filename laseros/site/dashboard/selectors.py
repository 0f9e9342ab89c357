"""What the manager's dashboard reads: each panel one or two aggregate queries, so the page runs
the same number of queries for 5 jobs as for 50,000 (STYLE.md rule 8).

Dates are the shop's (Africa/Johannesburg): `today` is `timezone.localdate()` unless given.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from laseros.units import format_thickness
from laseros.workdays import add_working_days, working_minutes

ZERO = Decimal("0.00")
TURNAROUND_WEEKS = 8
ON_TIME_DAYS = 90
UTILISATION_DAYS = 28
EXPIRING_WORKING_DAYS = 5
LIST_LENGTH = 6  # rows a panel lists (the rest are counted, and linked)


# --- jobs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class JobsSummary:
    by_status: list[StatusCount]
    open: int
    in_production: int
    ready: int
    overdue: int


def jobs_summary(today: dt.date) -> JobsSummary:
    """Jobs per status (every status, in the life-cycle's order), and the open, overdue ones."""
    from projects.models import Project, ProjectStatus
    from projects.workflow import ProjectStatusGroups as G

    counts = dict(Project.objects.values_list("status").annotate(n=Count("id")).order_by())
    overdue = Project.objects.filter(status__in=G.OPEN, due_date__lt=today).count()
    by_status = [StatusCount(s.value, s.label, counts.get(s.value, 0)) for s in ProjectStatus]
    return JobsSummary(
        by_status=by_status,
        open=sum(counts.get(s, 0) for s in G.OPEN),
        in_production=sum(counts.get(s, 0) for s in G.PRODUCTION if s != ProjectStatus.READY),
        ready=counts.get(ProjectStatus.READY, 0),
        overdue=overdue,
    )


@dataclass(frozen=True)
class DueJob:
    pk: int
    code: str
    client: str
    status: str
    due_date: dt.date
    overdue: bool


@dataclass(frozen=True)
class DueSoon:
    by: dt.date  # open jobs due on or before this day (overdue ones included)
    count: int
    jobs: list[DueJob]


def due_soon(today: dt.date, *, working_days: int = 2) -> DueSoon:
    """Open jobs past their due date or due within `working_days` working days, soonest first."""
    from projects.models import Project
    from projects.workflow import ProjectStatusGroups as G

    by = add_working_days(today, working_days)
    due = Project.objects.filter(status__in=G.OPEN, due_date__lte=by)
    rows = due.select_related("client").order_by("due_date", "code")[:LIST_LENGTH]
    return DueSoon(
        by=by,
        count=due.count(),
        jobs=[
            DueJob(
                p.pk, p.code, p.client.name, p.get_status_display(), p.due_date, p.due_date < today
            )
            for p in rows
        ],
    )


@dataclass(frozen=True)
class WeekMedian:
    week_start: dt.date
    median_days: float | None
    jobs: int


@dataclass(frozen=True)
class Turnaround:
    median_days: float | None  # request -> completed, jobs completed in the whole window
    jobs: int
    weeks: list[WeekMedian]


def turnaround(today: dt.date, *, weeks: int = TURNAROUND_WEEKS) -> Turnaround:
    """Days from the request (the job's creation) to completion: the median of the jobs
    completed in the last `weeks` weeks, and of each week (oldest first)."""
    from projects.models import Project

    start = today - dt.timedelta(days=today.weekday(), weeks=weeks - 1)  # a Monday
    rows = Project.objects.filter(
        completed_at__isnull=False, completed_at__date__gte=start
    ).values_list("created_at", "completed_at")
    per_week: dict[dt.date, list[float]] = {start + dt.timedelta(weeks=n): [] for n in range(weeks)}
    every: list[float] = []
    for created, completed in rows:
        days = max((completed - created).total_seconds() / 86400, 0.0)
        local = timezone.localdate(completed)
        week = local - dt.timedelta(days=local.weekday())
        if week in per_week:
            per_week[week].append(days)
            every.append(days)
    return Turnaround(
        median_days=statistics.median(every) if every else None,
        jobs=len(every),
        weeks=[
            WeekMedian(week, statistics.median(days) if days else None, len(days))
            for week, days in per_week.items()
        ],
    )


@dataclass(frozen=True)
class OnTime:
    completed: int  # with a due date, in the window
    on_time: int
    days: int

    @property
    def rate(self) -> float | None:
        return self.on_time / self.completed if self.completed else None


def on_time(today: dt.date, *, days: int = ON_TIME_DAYS) -> OnTime:
    """Of the jobs completed in the last `days` days that had a due date, those completed on or
    before it (the shop's date of completion)."""
    from projects.models import Project

    since = today - dt.timedelta(days=days)
    tz = timezone.get_current_timezone()
    found = (
        Project.objects.filter(completed_at__isnull=False, due_date__isnull=False)
        .annotate(completed_on=TruncDate("completed_at", tzinfo=tz))
        .filter(completed_on__gt=since, completed_on__lte=today)
        .aggregate(
            completed=Count("id"), on_time=Count("id", filter=Q(completed_on__lte=F("due_date")))
        )
    )
    return OnTime(completed=found["completed"], on_time=found["on_time"], days=days)


# --- quotes and revenue (money: only for who may see it) --------------------------------------


@dataclass(frozen=True)
class QuoteRow:
    pk: int
    label: str
    client: str
    expires_on: dt.date | None
    total_excl_vat: Decimal


@dataclass(frozen=True)
class QuotesSummary:
    drafts: int
    waiting: int  # sent, not answered yet
    waiting_value: Decimal
    expiring: int  # sent and expiring within EXPIRING_WORKING_DAYS working days
    expiring_value: Decimal
    expiring_by: dt.date
    soonest: list[QuoteRow]  # the sent quotes that expire soonest


def quotes_summary(today: dt.date) -> QuotesSummary:
    from finance.models import Quote, QuoteStatus

    by = add_working_days(today, EXPIRING_WORKING_DAYS)
    sent = Q(status=QuoteStatus.SENT)
    expiring = sent & Q(expires_on__gte=today, expires_on__lte=by)
    found = Quote.objects.aggregate(
        drafts=Count("id", filter=Q(status=QuoteStatus.DRAFT)),
        waiting=Count("id", filter=sent),
        waiting_value=Sum("total_excl_vat", filter=sent),
        expiring=Count("id", filter=expiring),
        expiring_value=Sum("total_excl_vat", filter=expiring),
    )
    soonest = (
        Quote.objects.filter(sent, expires_on__gte=today)
        .select_related("client")
        .order_by("expires_on", "pk")[:LIST_LENGTH]
    )
    return QuotesSummary(
        drafts=found["drafts"],
        waiting=found["waiting"],
        waiting_value=found["waiting_value"] or ZERO,
        expiring=found["expiring"],
        expiring_value=found["expiring_value"] or ZERO,
        expiring_by=by,
        soonest=[
            QuoteRow(q.pk, q.label, q.client.name, q.expires_on, q.total_excl_vat) for q in soonest
        ],
    )


@dataclass(frozen=True)
class MonthRevenue:
    month: dt.date  # its first day
    excl_vat: Decimal


@dataclass(frozen=True)
class Revenue:
    this_month: Decimal  # to today
    last_month: Decimal  # the whole month
    last_month_to_date: Decimal  # last month up to the same day
    months: list[MonthRevenue]  # the last six, oldest first

    @property
    def change(self) -> float | None:
        """This month against last month to the same day (a fair comparison mid-month)."""
        if not self.last_month_to_date:
            return None
        return float((self.this_month - self.last_month_to_date) / self.last_month_to_date)


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def revenue(today: dt.date, *, months: int = 6) -> Revenue:
    """Invoices issued (excl. VAT) less credit notes issued, per month by the tax date."""
    from finance.models import CreditNote, Invoice, InvoiceStatus

    first = _month_start(today, months - 1)
    this_start, last_start = _month_start(today), _month_start(today, 1)
    same_day = min(today.day, (this_start - dt.timedelta(days=1)).day)
    last_to_date = last_start.replace(day=same_day)

    def sums(queryset, amount: str) -> dict[str, Decimal]:
        windows = {
            f"m{n}": Q(
                issued_on__gte=_month_start(today, n), issued_on__lt=_month_start(today, n - 1)
            )
            for n in range(months)
        }
        windows["last_to_date"] = Q(issued_on__gte=last_start, issued_on__lte=last_to_date)
        found = queryset.filter(issued_on__gte=first, issued_on__lte=today).aggregate(
            **{key: Sum(amount, filter=window) for key, window in windows.items()}
        )
        return {key: value or ZERO for key, value in found.items()}

    invoiced = sums(Invoice.objects.exclude(status=InvoiceStatus.DRAFT), "subtotal")
    credited = sums(CreditNote.objects.all(), "subtotal")
    net = {key: invoiced[key] - credited[key] for key in invoiced}
    return Revenue(
        this_month=net["m0"],
        last_month=net["m1"] if months > 1 else ZERO,
        last_month_to_date=net["last_to_date"],
        months=[
            MonthRevenue(_month_start(today, n), net[f"m{n}"]) for n in reversed(range(months))
        ],
    )


# --- the machines ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MachineLoad:
    pk: int
    code: str
    name: str
    queued_items: int
    backlog_minutes: int
    unestimated: int  # queue items with no estimate (not in the hours)
    run_minutes: int  # in the utilisation window
    working_minutes: int

    @property
    def backlog_hours(self) -> float:
        return self.backlog_minutes / 60

    @property
    def utilisation(self) -> float | None:
        return self.run_minutes / self.working_minutes if self.working_minutes else None


def machine_loads(today: dt.date, *, days: int = UTILISATION_DAYS) -> list[MachineLoad]:
    """Per active machine: the active queue's estimated minutes (the backlog) and the minutes
    its runs took in the last `days` days against the shop's working minutes in them."""
    from production.models import QUEUE_ACTIVE, LaserRun, Machine

    since = today - dt.timedelta(days=days - 1)
    shop_minutes = sum(working_minutes(since + dt.timedelta(days=n)) for n in range(days))
    active = Q(queue_items__status__in=QUEUE_ACTIVE)
    machines = (
        Machine.objects.active()
        .annotate(
            queued_items=Count("queue_items", filter=active),
            backlog=Sum("queue_items__estimated_minutes", filter=active),
            unestimated=Count(
                "queue_items", filter=active & Q(queue_items__estimated_minutes__isnull=True)
            ),
        )
        .order_by("code")
    )
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(since, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    duration = ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())
    run_time = dict(
        LaserRun.objects.filter(started_at__gte=start, started_at__lt=end)
        .values_list("machine")
        .annotate(total=Sum(duration))
        .order_by()
    )
    return [
        MachineLoad(
            pk=m.pk,
            code=m.code,
            name=m.name,
            queued_items=m.queued_items,
            backlog_minutes=m.backlog or 0,
            unestimated=m.unestimated,
            run_minutes=int((run_time.get(m.pk) or dt.timedelta()).total_seconds() // 60),
            working_minutes=shop_minutes,
        )
        for m in machines
    ]


# --- stock -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LowSheet:
    pk: int
    label: str  # MS 3 mm 1225×2450
    location: str
    on_hand: int
    reorder_level: int
    to_order: int


@dataclass(frozen=True)
class LowStock:
    count: int
    sheets: list[LowSheet] = field(default_factory=list)


def low_stock() -> LowStock:
    """Sheets at or below their reorder level, the emptiest first."""
    from inventory.models import SheetStock

    low = SheetStock.objects.low()
    rows = (
        low.select_related("material")
        .with_value()
        .order_by(F("quantity_on_hand") - F("reorder_level"), "material__code", "thickness_mm")[
            :LIST_LENGTH
        ]
    )
    return LowStock(
        count=low.count(),
        sheets=[
            LowSheet(
                s.pk,
                f"{s.material.code} {format_thickness(s.thickness_mm)} mm {s.width_mm}×{s.length_mm}",
                s.location,
                s.quantity_on_hand,
                s.reorder_level,
                s.to_order,
            )
            for s in rows
        ],
    )
