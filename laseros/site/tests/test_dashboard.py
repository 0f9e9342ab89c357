"""The manager's dashboard and calendar: the figures are right on a shop built to know them,
money only for who may see it, operators get the rest, the page's queries do not grow with the
shop, and the calendar puts each date on its day with a link."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from finance.models import CreditNote, Quote
from finance.services import quote_create
from finance.services.invoices import credit_note_create, invoice_create, invoice_issue
from inventory.tests.factories import SheetStockFactory
from laseros.site.dashboard import selectors
from laseros.testing import count_queries
from production.models import QueueItem
from production.tests.factories import LaserRunFactory, MachineFactory
from projects.models import Project
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 15)  # a Tuesday
TZ = timezone.get_default_timezone()


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def _job(status: str = "request", **fields) -> Project:
    job = ProjectFactory()
    Project.objects.filter(pk=job.pk).update(status=status, **fields)
    job.refresh_from_db()
    return job


def _completed(created: dt.date, completed: dt.date, due: dt.date | None = None) -> Project:
    return _job("completed", created_at=_at(created), completed_at=_at(completed, 15), due_date=due)


# --- the figures -------------------------------------------------------------------------------


def test_jobs_by_status_counts_every_status_and_the_overdue(db):
    for status in ("request", "request", "quoting", "cutting", "ready", "completed"):
        _job(status)
    _job("queued", due_date=TODAY - dt.timedelta(days=1))  # open and past due
    _job("completed", due_date=TODAY - dt.timedelta(days=9))  # done: not overdue
    jobs = selectors.jobs_summary(TODAY)
    counts = {row.status: row.count for row in jobs.by_status}
    assert counts["request"] == 2 and counts["quoting"] == 1 and counts["completed"] == 2
    assert counts["on_hold"] == 0  # every status is listed, in the life cycle's order
    assert [row.status for row in jobs.by_status][:2] == ["request", "quoting"]
    assert (jobs.open, jobs.in_production, jobs.ready, jobs.overdue) == (6, 2, 1, 1)


def test_due_soon_lists_open_jobs_overdue_or_due_within_two_working_days(db):
    late = _job("cutting", due_date=TODAY - dt.timedelta(days=3))
    # the 16th is a public holiday (Day of Reconciliation): Friday the 18th is 2 working days on
    friday = _job("paid", due_date=dt.date(2026, 12, 18))
    _job("paid", due_date=dt.date(2026, 12, 21))  # Monday, 3 working days on: not yet
    _job("completed", due_date=TODAY - dt.timedelta(days=1))  # done
    found = selectors.due_soon(TODAY)
    assert found.by == dt.date(2026, 12, 18) and found.count == 2
    assert [(j.pk, j.overdue) for j in found.jobs] == [(late.pk, True), (friday.pk, False)]


def test_turnaround_is_the_median_from_request_to_completed(db):
    _completed(TODAY - dt.timedelta(days=10), TODAY - dt.timedelta(days=8))  # 2 days
    _completed(TODAY - dt.timedelta(days=6), TODAY - dt.timedelta(days=2))  # 4 days
    _completed(TODAY - dt.timedelta(days=9), TODAY)  # 9 days
    _completed(TODAY - dt.timedelta(days=400), TODAY - dt.timedelta(days=300))  # long ago
    found = selectors.turnaround(TODAY)
    assert found.jobs == 3
    hours = 5 / 24  # requested at 10:00, completed at 15:00
    assert found.median_days == pytest.approx(4 + hours, abs=0.01)
    assert len(found.weeks) == selectors.TURNAROUND_WEEKS
    this_week = found.weeks[-1]
    assert this_week.week_start == dt.date(2026, 12, 14) and this_week.jobs == 1  # Mon 14th
    assert this_week.median_days == pytest.approx(9 + hours, abs=0.01)
    last_week = found.weeks[-2]  # the 13th, a Sunday, closes the week before
    assert last_week.jobs == 2 and last_week.median_days == pytest.approx(3 + hours, abs=0.01)


def test_on_time_counts_completed_on_or_before_the_due_date(db):
    day = TODAY - dt.timedelta(days=5)
    _completed(day - dt.timedelta(days=3), day, due=day)  # on the day: on time
    _completed(day - dt.timedelta(days=3), day, due=day + dt.timedelta(days=2))  # early
    _completed(day - dt.timedelta(days=3), day, due=day - dt.timedelta(days=1))  # late
    _completed(day - dt.timedelta(days=3), day)  # no due date: not counted
    found = selectors.on_time(TODAY)
    assert (found.completed, found.on_time) == (3, 2)
    assert found.rate == pytest.approx(2 / 3)


def test_revenue_is_issued_invoices_less_credit_notes_excl_vat_this_month_and_last(db):
    job = ProjectFactory()

    def issue(amount: str, day: dt.date):
        lines = [{"description": "Cutting", "quantity": 1, "unit_price": amount}]
        return invoice_issue(
            invoice=invoice_create(project=job, by=None, lines=lines), by=None, today=day
        )

    issue("1000", dt.date(2026, 12, 3))
    credited = issue("200", dt.date(2026, 12, 10))
    note = credit_note_create(invoice=credited, by=None, reason="short", amount_excl_vat="50")
    CreditNote.objects.filter(pk=note.pk).update(issued_on=dt.date(2026, 12, 11))
    issue("700", dt.date(2026, 11, 10))  # last month, before the 15th
    issue("300", dt.date(2026, 11, 20))  # last month, after it
    issue("400", dt.date(2026, 12, 16))  # after today: not yet
    invoice_create(  # a draft: not revenue
        project=job, by=None, lines=[{"description": "x", "quantity": 1, "unit_price": "999"}]
    )
    found = selectors.revenue(TODAY)
    assert found.this_month == Decimal("1150.00")  # 1000 + 200 - 50 credited
    assert found.last_month == Decimal("1000.00")
    assert found.last_month_to_date == Decimal("700.00")
    assert [m.month for m in found.months][-2:] == [dt.date(2026, 11, 1), dt.date(2026, 12, 1)]


def test_backlog_and_utilisation_per_machine(db):
    laser, idle = MachineFactory(code="X3"), MachineFactory(code="X6")
    for n, (minutes, status) in enumerate([(90, "queued"), (30, "cutting"), (600, "done")]):
        QueueItem.objects.create(
            machine=laser,
            project=_job("queued"),
            position=n + 1 if status != "done" else None,
            status=status,
            estimated_minutes=minutes,
        )
    QueueItem.objects.create(machine=laser, project=_job("queued"), position=3, status="queued")
    # two hours cut on a working Monday, in the window
    monday = dt.date(2026, 12, 14)
    LaserRunFactory(machine=laser, started_at=_at(monday, 8), ended_at=_at(monday, 10))
    LaserRunFactory(
        machine=laser,
        started_at=_at(monday - dt.timedelta(days=60), 8),
        ended_at=_at(monday - dt.timedelta(days=60), 12),
    )  # before the window
    loads = {m.code: m for m in selectors.machine_loads(TODAY)}
    assert loads["X3"].backlog_minutes == 120 and loads["X3"].queued_items == 3
    assert loads["X3"].unestimated == 1
    assert loads["X3"].run_minutes == 120 and loads["X6"].run_minutes == 0
    shop_minutes = loads["X3"].working_minutes
    assert shop_minutes > 0
    assert loads["X3"].utilisation == pytest.approx(120 / shop_minutes)
    assert idle.code in loads and loads["X6"].backlog_minutes == 0


def test_low_stock_lists_sheets_at_or_below_their_reorder_level(db):
    empty = SheetStockFactory(quantity_on_hand=0, reorder_level=2)
    at_level = SheetStockFactory(quantity_on_hand=2, reorder_level=2)
    SheetStockFactory(quantity_on_hand=9, reorder_level=2)
    SheetStockFactory(quantity_on_hand=0, reorder_level=2, is_active=False)
    found = selectors.low_stock()
    assert found.count == 2
    assert [s.pk for s in found.sheets] == [empty.pk, at_level.pk]
    assert found.sheets[0].to_order == 10


def test_quotes_waiting_and_expiring(db):
    job = ProjectFactory()
    soon, later, draft = (quote_create(project=job, by=None) for _ in range(3))
    Quote.objects.filter(pk=soon.pk).update(
        status="sent", expires_on=TODAY + dt.timedelta(days=2), total_excl_vat=Decimal("1080.24")
    )
    Quote.objects.filter(pk=later.pk).update(
        status="sent", expires_on=TODAY + dt.timedelta(days=30), total_excl_vat=Decimal("500")
    )
    found = selectors.quotes_summary(TODAY)
    assert (found.drafts, found.waiting, found.expiring) == (1, 2, 1)
    assert found.waiting_value == Decimal("1580.24") and found.expiring_value == Decimal("1080.24")
    assert [row.pk for row in found.soonest] == [soon.pk, later.pk]


# --- who sees what -----------------------------------------------------------------------------


@pytest.fixture
def money_shop(db):
    job = ProjectFactory()
    lines = [{"description": "Cutting", "quantity": 1, "unit_price": "1080.24"}]
    invoice_issue(invoice=invoice_create(project=job, by=None, lines=lines), by=None)
    SheetStockFactory(quantity_on_hand=0)
    MachineFactory(code="X3")
    return job


def _signed_in(client, make_user, role: str):
    client.force_login(make_user(role.lower(), role=role, superuser=role == "Admin"))
    return client


@pytest.mark.parametrize("role", ["Admin", "Manager", "Viewer"])
def test_managers_see_every_panel_with_money_as_the_admin_writes_it(
    money_shop, client, make_user, role
):
    page = _signed_in(client, make_user, role).get("/dashboard/")
    assert page.status_code == 200
    body = page.content.decode()
    for heading in ("Jobs by status", "Turnaround", "Revenue", "Quotes", "Backlog", "Low stock"):
        assert heading in body, heading
    assert "R 1 080.24" in body  # this month's revenue, the house's way
    assert body.count("<svg") >= 5


def test_operators_get_the_dashboard_without_money(money_shop, client, make_user):
    page = _signed_in(client, make_user, "Operator").get("/dashboard/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Jobs by status" in body and "Backlog" in body and "Low stock" in body
    assert "Revenue" not in body and "Quotes" not in body
    assert not re.search(r"R \d", body), "an operator is shown a sum of money"


def test_who_may_not_view_jobs_is_refused_and_strangers_sent_to_log_in(db, client, make_user):
    assert client.get("/dashboard/").status_code == 302
    assert client.get("/calendar/").status_code == 302
    client.force_login(make_user("nobody"))  # staff, no role
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/calendar/").status_code == 403


def test_the_admin_index_links_the_dashboard_for_those_who_may_open_it(db, client, make_user):
    index = _signed_in(client, make_user, "Manager").get("/admin/").content.decode()
    assert 'href="/dashboard/"' in index and 'action="/search/"' in index
    client.force_login(make_user("nobody"))
    assert 'href="/dashboard/"' not in client.get("/admin/").content.decode()


def _grow_shop(n: int) -> None:
    """n jobs in every corner the dashboard reads: statuses, queue, runs, quotes, invoices."""
    machine = MachineFactory(code="X3")
    for i in range(Project.objects.count(), n):
        job = _completed(TODAY - dt.timedelta(days=i % 20 + 3), TODAY - dt.timedelta(days=i % 3))
        queued = _job("queued", due_date=TODAY - dt.timedelta(days=i % 4))
        QueueItem.objects.create(
            machine=machine,
            project=queued,
            position=QueueItem.objects.filter(machine=machine).count() + 1,
            estimated_minutes=30 + i,
            scheduled_date=TODAY + dt.timedelta(days=i % 9),
        )
        LaserRunFactory(machine=machine)
        quote = quote_create(project=job, by=None)
        Quote.objects.filter(pk=quote.pk).update(status="sent", expires_on=TODAY)
        SheetStockFactory(quantity_on_hand=0)


def test_the_dashboard_and_calendar_queries_do_not_grow_with_the_shop(client, make_user):
    _signed_in(client, make_user, "Manager")
    counts = {}
    for size in (5, 50):
        _grow_shop(size)
        for url in ("/dashboard/", "/calendar/"):
            n, response = count_queries(lambda url=url: client.get(url))
            assert response.status_code == 200
            counts[(url, size)] = n
    assert counts[("/dashboard/", 5)] == counts[("/dashboard/", 50)], counts
    assert counts[("/calendar/", 5)] == counts[("/calendar/", 50)], counts


# --- the calendar ------------------------------------------------------------------------------


def test_the_calendar_puts_each_date_on_its_day_with_a_link(client, make_user):
    machine = MachineFactory(code="X3")
    due = _job("paid", due_date=dt.date(2026, 12, 9))
    queued = _job("queued")
    item = QueueItem.objects.create(
        machine=machine, project=queued, position=1, scheduled_date=dt.date(2026, 12, 10)
    )
    quote = quote_create(project=due, by=None)
    Quote.objects.filter(pk=quote.pk).update(status="sent", expires_on=dt.date(2026, 12, 11))
    _job("paid", due_date=dt.date(2027, 1, 5))  # next month

    page = _signed_in(client, make_user, "Manager").get("/calendar/", {"month": "2026-12"})
    assert page.status_code == 200
    days = {day.date: day for week in page.context["grid"].weeks for day in week}
    assert [e.url for e in days[dt.date(2026, 12, 9)].events] == [
        reverse("admin:projects_project_change", args=[due.pk])
    ]
    assert days[dt.date(2026, 12, 10)].events[0].url == reverse(
        "admin:production_queueitem_change", args=[item.pk]
    )
    assert days[dt.date(2026, 12, 11)].events[0].kind == "expires"
    body = page.content.decode()
    assert "?month=2026-11" in body and "?month=2027-01" in body
    assert page.context["grid"].counts == {"due": 1, "scheduled": 1, "expires": 1}


def test_the_calendar_shows_operators_no_quotes(client, make_user):
    quote = quote_create(project=ProjectFactory(), by=None)
    Quote.objects.filter(pk=quote.pk).update(status="sent", expires_on=timezone.localdate())
    page = _signed_in(client, make_user, "Operator").get("/calendar/")
    assert page.status_code == 200 and "expires" not in page.context["grid"].kinds
    assert quote.number not in page.content.decode()


@pytest.mark.parametrize("month", ["2026-13", "december", "0000-01", "2026-1-1", "9" * 50])
def test_a_month_that_is_not_one_says_so_and_shows_this_month(db, client, make_user, month):
    page = _signed_in(client, make_user, "Manager").get("/calendar/", {"month": month})
    assert page.status_code == 200
    assert "is not a month (write it as 2026-12)" in page.content.decode()
    assert page.context["month"] == timezone.localdate().replace(day=1)


def test_charts_escape_their_labels_and_draw_no_negative_bar():
    from laseros.site.dashboard.charts import Bar, columns, hbars

    hostile = '<script>alert(1)</script>"'
    for chart in (
        hbars([Bar(hostile, -5, "R -5.00"), Bar("ok", 3, "3")], title=hostile),
        columns([Bar(hostile, -5, "R -5.00"), Bar("ok", 3, "3")], title=hostile),
    ):
        assert "<script>" not in chart and "&lt;script&gt;" in chart
        assert 'height="-' not in chart and 'width="-' not in chart
        assert "R -5.00" in chart
