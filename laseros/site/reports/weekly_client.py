"""Weekly Client: a week per client for the office — open jobs and their statuses, the jobs that
moved, quotes sent and waiting, invoices issued, what each client owes. One grouped query per
figure, so the report's queries do not grow with the clients or their jobs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from .base import Column, Figure, Report, Table, day_bounds, week_of, weekly_due

KIND = "weekly_client"
TITLE = "Weekly Client"
ZERO = Decimal("0.00")


def period(day: dt.date) -> tuple[dt.date, dt.date]:
    return week_of(day)


def due_at(start: dt.date, end: dt.date) -> dt.datetime:
    return weekly_due(end)


def _by_client(queryset, **aggregates) -> dict[int, dict]:
    return {
        row["client"]: row for row in queryset.values("client").annotate(**aggregates).order_by()
    }


def _closed() -> list[str]:
    from projects.models import ProjectStatus

    return [ProjectStatus.COMPLETED, ProjectStatus.CANCELLED]


def _jobs(begin: dt.datetime, finish: dt.datetime) -> dict[int, dict]:
    """Each client's open jobs, and its jobs new, moved and completed in the week."""
    from projects.models import Project, ProjectStatus

    return _by_client(
        Project.objects.all(),
        # distinct: counting the moves joins the status changes (a row per change)
        open=Count("pk", filter=~Q(status__in=_closed()), distinct=True),
        new=Count("pk", filter=Q(created_at__gte=begin, created_at__lt=finish), distinct=True),
        moved=Count(
            "pk",
            filter=Q(status_changes__changed_at__gte=begin, status_changes__changed_at__lt=finish),
            distinct=True,
        ),
        done=Count(
            "pk",
            filter=Q(
                status=ProjectStatus.COMPLETED, completed_at__gte=begin, completed_at__lt=finish
            ),
            distinct=True,
        ),
    )


def _quotes(start: dt.date, end: dt.date) -> dict[int, dict]:
    """Each client's quotes sent in the week and quotes waiting, with their values."""
    from finance.models import Quote, QuoteStatus

    return _by_client(
        Quote.objects.all(),
        sent=Count("pk", filter=Q(sent_on__gte=start, sent_on__lte=end)),
        sent_value=Sum("total_incl_vat", filter=Q(sent_on__gte=start, sent_on__lte=end)),
        waiting=Count("pk", filter=Q(status=QuoteStatus.SENT)),
        waiting_value=Sum("total_incl_vat", filter=Q(status=QuoteStatus.SENT)),
    )


def _invoices(start: dt.date, end: dt.date) -> dict[int, dict]:
    """Each client's invoices issued in the week, with their value, and what it owes."""
    from finance.models import Invoice, InvoiceStatus

    week = Q(issued_on__gte=start, issued_on__lte=end) & ~Q(status=InvoiceStatus.DRAFT)
    return _by_client(
        Invoice.objects.all(),
        issued=Count("pk", filter=week),
        issued_value=Sum("total", filter=week),
        owed=Sum("balance", filter=Q(status=InvoiceStatus.ISSUED)),
    )


def _active(jobs: dict[int, dict], quotes: dict[int, dict], invoices: dict[int, dict]) -> set[int]:
    """The clients with work, quotes or money owed."""
    active = {
        pk for pk, row in jobs.items() if row["open"] or row["new"] or row["moved"] or row["done"]
    }
    active |= {pk for pk, row in quotes.items() if row["sent"] or row["waiting"]}
    active |= {pk for pk, row in invoices.items() if row["issued"] or row["owed"]}
    return active


def _client_row(client: Any, j: dict, q: dict, i: dict) -> tuple:
    return (
        client.code,
        client.name,
        j.get("open", 0),
        j.get("new", 0),
        j.get("moved", 0),
        j.get("done", 0),
        q.get("sent", 0),
        q.get("sent_value") or ZERO,
        q.get("waiting", 0),
        q.get("waiting_value") or ZERO,
        i.get("issued", 0),
        i.get("issued_value") or ZERO,
        i.get("owed") or ZERO,
    )


def _clients(start: dt.date, end: dt.date) -> Table:
    """A row per client with work, quotes or money owed, with a totals row."""
    from clients.models import Client

    begin, finish = day_bounds(start, end)
    jobs, quotes, invoices = _jobs(begin, finish), _quotes(start, end), _invoices(start, end)
    rows = [
        _client_row(c, jobs.get(c.pk, {}), quotes.get(c.pk, {}), invoices.get(c.pk, {}))
        for c in Client.objects.filter(pk__in=_active(jobs, quotes, invoices)).order_by("name")
    ]
    summary = Table(
        "Clients",
        [
            Column("Code", "text", 9),
            Column("Client", "text", 26),
            Column("Open jobs", "int", 10),
            Column("New jobs", "int", 9),
            Column("Jobs moved", "int", 11),
            Column("Completed", "int", 10),
            Column("Quotes sent", "int", 11),
            Column("Quoted (incl. VAT)", "money", 16),
            Column("Quotes waiting", "int", 13),
            Column("Waiting (incl. VAT)", "money", 17),
            Column("Invoices", "int", 9),
            Column("Invoiced (incl. VAT)", "money", 17),
            Column("Owed", "money", 14),
        ],
        rows,
        empty="No client had work, quotes or money owed this week.",
    )
    summary.totals = _totals(rows)
    return summary


def _open_jobs() -> Table:
    """Every open job, by client, as it stands now."""
    from projects.models import Project, ProjectStatus

    labels = dict(ProjectStatus.choices)
    open_jobs = (
        Project.objects.exclude(status__in=_closed())
        .select_related("client")
        .order_by("client__name", "due_date", "code")
    )
    return Table(
        "Open jobs",
        [
            Column("Client", "text", 24),
            Column("Job", "text", 26),
            Column("Name", "text", 28),
            Column("Status", "text", 12),
            Column("Since", "datetime", 17),
            Column("Due", "date", 11),
        ],
        [
            (p.client.name, p.code, p.name, labels[p.status], p.status_changed_at, p.due_date)
            for p in open_jobs
        ],
        empty="No open job.",
    )


def _figures(rows: list[tuple]) -> list[Figure]:
    totals = _totals(rows)
    return [
        Figure("Clients with work", len(rows)),
        Figure("Open jobs", totals[2]),
        Figure("Quotes sent", totals[6]),
        Figure("Invoiced (incl. VAT)", totals[11], "money"),
        Figure("Owed", totals[12], "money"),
    ]


def build(start: dt.date, end: dt.date) -> Report:
    """The Weekly Client report for the week `start` (Monday) to `end` (Sunday)."""
    clients = _clients(start, end)
    return Report(
        kind=KIND,
        title=TITLE,
        period_start=start,
        period_end=end,
        figures=_figures(clients.rows),
        tables=[clients, _open_jobs()],
        notes=["Open jobs and what is owed are as they stood when the report was made."],
    )


def _totals(rows: list[tuple]) -> tuple:
    return ("", "Total", *(_total(rows, n) for n in range(2, 13)))


def _total(rows: list[tuple], index: int):
    return (
        sum((row[index] for row in rows), ZERO if isinstance(rows[0][index], Decimal) else 0)
        if rows
        else 0
    )
