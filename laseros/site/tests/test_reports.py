"""The reports: Daily Ops' figures on a small shop built to know them, the same figures in the
page, the PDF and the workbook (numbers as numbers), each file kept with its checksum and a new
version when made again, the command's output and refusals, the e-mail through comms' outbox,
the schedule's catch-up, and the queries do not grow with the shop."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from decimal import Decimal
from pathlib import Path

import pymupdf
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import load_workbook

from inventory.models import MovementKind
from inventory.tests.factories import SheetStockFactory, StockMovementFactory
from laseros.site.models import ReportRun
from laseros.site.reports import daily_ops
from laseros.site.reports.services import report_build, report_make
from laseros.testing import count_queries
from production.models import LaserRunProject, LaserRunSheet
from production.tests.factories import LaserRunFactory, MachineFactory, OperatorFactory
from projects.models import Project, ProjectStatusChange
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 27)  # a Friday
TZ = timezone.get_default_timezone()


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


def _run(machine, operator, start, minutes, *, parts=0, scrap=0, sheets=0, stock=None, job=None):
    run = LaserRunFactory(
        machine=machine,
        operator=operator,
        started_at=start,
        ended_at=start + dt.timedelta(minutes=minutes),
        parts_cut=parts,
        scrap_parts=scrap,
    )
    if sheets:
        movement = StockMovementFactory(
            stock=stock, kind=MovementKind.USAGE, quantity=-sheets, balance_after=1
        )
        LaserRunSheet.objects.create(run=run, stock=stock, quantity=sheets, movement=movement)
    if job is not None:
        LaserRunProject.objects.create(run=run, project=job, parts=parts, share=Decimal("1"))
    return run


def _job(status: str, since: dt.datetime, reason: str = "") -> Project:
    job = ProjectFactory()
    Project.objects.filter(pk=job.pk).update(
        status=status, status_changed_at=since, status_reason=reason
    )
    job.refresh_from_db()
    return job


@pytest.fixture
def day_shop(db):
    """On DAY: Ann cuts 2 runs (90 + 30 min, 40 + 10 parts, 2 scrap, 3 sheets) on L1, Bob one
    (60 min, 25 parts, 1 sheet) on L2; a run the day before and one the day after do not count.
    One job moved twice on DAY; two jobs are stuck (Quoting 6 days, on hold for material 3
    days), two are not (Quoting 2 days, on hold for another reason); one sheet is low."""
    l1, l2 = MachineFactory(code="L1"), MachineFactory(code="L2")
    ann, bob = OperatorFactory(display_name="Ann"), OperatorFactory(display_name="Bob")
    stock = SheetStockFactory(quantity_on_hand=20, reorder_level=2)
    low = SheetStockFactory(quantity_on_hand=1, reorder_level=4, location="Rack Low")
    job = _job("cutting", _at(DAY, 8))
    _run(l1, ann, _at(DAY, 8), 90, parts=40, scrap=2, sheets=2, stock=stock, job=job)
    _run(l1, ann, _at(DAY, 13), 30, parts=10, sheets=1, stock=stock)
    _run(l2, bob, _at(DAY, 9), 60, parts=25, sheets=1, stock=stock)
    _run(l2, bob, _at(DAY - dt.timedelta(days=1), 9), 45, parts=99)
    _run(l2, bob, _at(DAY + dt.timedelta(days=1), 9), 45, parts=99)
    for hour, (src, dst) in ((7, ("paid", "queued")), (8, ("queued", "cutting"))):
        ProjectStatusChange.objects.create(
            project=job, from_status=src, to_status=dst, changed_at=_at(DAY, hour)
        )
    stuck = _job("quoting", _at(DAY - dt.timedelta(days=6), 10))
    waiting = _job("on_hold", _at(DAY - dt.timedelta(days=3), 10), "waiting for material: 3 mm MS")
    _job("quoting", _at(DAY - dt.timedelta(days=2), 10))
    _job("on_hold", _at(DAY - dt.timedelta(days=9), 10), "client on leave")
    return {"job": job, "stuck": stuck, "waiting": waiting, "low": low}


def _figures(report) -> dict[str, object]:
    return {f.label: f.value for f in report.figures}


def test_daily_ops_counts_the_days_runs_sheets_parts_time_operators_moves_and_blockers(day_shop):
    report = report_build(kind="daily_ops", day=DAY)
    figures = _figures(report)
    assert figures["Runs"] == 3 and figures["Sheets"] == 4
    assert figures["Parts"] == 75 and figures["Scrap"] == 2
    assert figures["Cut time (h)"] == 3.0 and figures["Operators"] == 2
    assert figures["Jobs moved"] == 1 and figures["Blockers"] == 2 and figures["Low stock"] == 1
    tables = {t.title: t for t in report.tables}
    assert tables["Operators"].rows == [("Ann", 2, 120, 3, 50, 2), ("Bob", 1, 60, 1, 25, 0)]
    machines = {row[0]: row for row in tables["Machines"].rows}
    assert machines["L1"][2] == 120 and machines["L2"][2] == 60
    assert machines["L1"][4] == pytest.approx(120 / machines["L1"][3])  # the dashboard's figure
    assert [(r[3], r[4]) for r in tables["Jobs that moved"].rows] == [
        ("Paid", "Queued"),
        ("Queued", "Cutting"),
    ]
    blocked = {row[0]: row[5] for row in tables["Blockers"].rows}
    assert blocked == {
        day_shop["stuck"].code: "Quoting > 4 days",
        day_shop["waiting"].code: "waiting for material",
    }
    assert [row[1] for row in tables["Low stock"].rows] == ["Rack Low"]
    assert tables["Runs"].rows[0][3] == day_shop["job"].code


def test_the_page_the_pdf_and_the_workbook_carry_the_figures(day_shop, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    runs = {r.format: r for r in report_make(kind="daily_ops", day=DAY, by=None, send_to=[])}
    assert set(runs) == {"html", "pdf", "xlsx"}
    page = runs["html"].file.read().decode()
    assert "Daily Ops" in page and "Friday 27 November 2026" in page and "<svg" in page
    assert re.search(r"<b>75</b><span>Parts</span>", page)

    pdf = runs["pdf"].file.read()
    assert pdf.startswith(b"%PDF-")
    text = "".join(page.get_text() for page in pymupdf.open(stream=pdf, filetype="pdf"))
    assert "Daily Ops" in text and "Ann" in text and day_shop["stuck"].code in text

    book = load_workbook(io.BytesIO(runs["xlsx"].file.read()))
    summary = {row[0].value: row[1] for row in book["Summary"].iter_rows(min_row=4)}
    assert summary["Parts"].value == 75 and isinstance(summary["Parts"].value, int)
    assert (
        summary["Cut time (h)"].value == 3.0 and summary["Cut time (h)"].number_format == "#,##0.0"
    )
    operators = book["Operators"]
    assert [c.value for c in operators[2]] == ["Ann", 2, 120, 3, 50, 2]
    assert operators["C2"].number_format == "#,##0"
    utilisation = book["Machines"]["E2"]
    assert isinstance(utilisation.value, float) and utilisation.number_format == "0.0%"
    started = book["Runs"]["A2"]
    assert started.value == dt.datetime(2026, 11, 27, 8, 0) and started.is_date

    for run in runs.values():
        run.file.open("rb")
        assert hashlib.sha256(run.file.read()).hexdigest() == run.sha256
        assert (run.period_start, run.period_end, run.version, run.is_latest) == (DAY, DAY, 1, True)


def test_made_again_the_report_is_a_new_version_and_the_old_file_stays(
    day_shop, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    (first,) = report_make(kind="daily_ops", day=DAY, formats=["html"], by=None, send_to=[])
    (second,) = report_make(kind="daily_ops", day=DAY, formats=["html"], by=None, send_to=[])
    first.refresh_from_db()
    assert (first.version, first.is_latest, second.version, second.is_latest) == (1, False, 2, True)
    assert first.file.name != second.file.name and first.file.storage.exists(first.file.name)
    assert second.file.name.endswith("daily_ops-2026-11-27-v2.html")


def test_the_report_is_emailed_through_the_outbox_with_its_files(day_shop, settings, tmp_path):
    from comms.models import Communication

    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_RECIPIENTS = ["boss@shop.example", "floor@shop.example"]
    runs = report_make(kind="daily_ops", day=DAY, formats=["pdf", "xlsx"], by=None)
    messages = Communication.objects.order_by("to")
    assert [m.to for m in messages] == ["boss@shop.example", "floor@shop.example"]
    assert messages[0].subject == "Daily Ops — Friday 27 November 2026"
    assert "Parts: 75" in messages[0].body
    names = sorted(a.filename for a in messages[0].attachments.all())
    assert names == ["daily_ops-2026-11-27.pdf", "daily_ops-2026-11-27.xlsx"]
    for run in runs:
        run.refresh_from_db()
        assert run.sent_to == ["boss@shop.example", "floor@shop.example"]


# --- the command -------------------------------------------------------------------------------


def test_the_command_writes_the_files_and_prints_their_paths(day_shop, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    call_command("report", "daily_ops", "--date", "2026-11-27", "--format", "pdf,xlsx", stdout=out)
    paths = out.getvalue().split()
    assert [p.rsplit("/", 1)[-1] for p in paths] == [
        "daily_ops-2026-11-27.pdf",
        "daily_ops-2026-11-27.xlsx",
    ]
    assert [Path(p).read_bytes()[:4] for p in paths] == [b"%PDF", b"PK\x03\x04"]
    assert ReportRun.objects.count() == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["daily_opps", "--date", "2026-11-27"], "There is no report 'daily_opps'"),
        (["daily_ops", "--date", "27/11/2026"], "is not a date"),
        (["daily_ops", "--date", "2026-02-30"], "is not a date"),
        (["daily_ops", "--format", "pdf,docx"], "Unknown format docx"),
        (["daily_ops", "--format", ","], "Unknown format (none)"),
        (["daily_ops", "--email", "not-an-address"], "is not an e-mail address"),
    ],
)
def test_the_command_refuses_bad_input_with_exit_2_and_writes_nothing(args, message, db):
    with pytest.raises(CommandError) as refused:
        call_command("report", *args, stdout=io.StringIO())
    assert message in str(refused.value) and refused.value.returncode == 2
    assert not ReportRun.objects.exists()


# --- queries -----------------------------------------------------------------------------------


def test_building_daily_ops_runs_the_same_queries_for_a_busy_day(day_shop):
    small, _ = count_queries(lambda: report_build(kind="daily_ops", day=DAY))
    machine, operator = MachineFactory(code="L9"), OperatorFactory(display_name="Cy")
    stock = SheetStockFactory()
    for n in range(12):
        job = _job("cutting", _at(DAY, 6))
        _run(machine, operator, _at(DAY, 10, n), 3, parts=1, sheets=1, stock=stock, job=job)
        ProjectStatusChange.objects.create(
            project=job, from_status="queued", to_status="cutting", changed_at=_at(DAY, 11)
        )
        _job("ready", _at(DAY - dt.timedelta(days=5), 9))
    large, report = count_queries(lambda: report_build(kind="daily_ops", day=DAY))
    assert _figures(report)["Runs"] == 15
    assert large == small


# --- the schedule ------------------------------------------------------------------------------


def _made(kind: str = "daily_ops") -> list[dt.date]:
    return sorted(set(ReportRun.objects.filter(kind=kind).values_list("period_start", flat=True)))


@pytest.fixture
def quick_schedule(settings, tmp_path, monkeypatch):
    """Only Daily Ops is scheduled (the weekly and monthly ones are tested on their own)."""
    from laseros.site.reports import REPORTS

    for kind in [k for k in REPORTS if k != "daily_ops"]:
        monkeypatch.delitem(REPORTS, kind)
    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_FORMATS = ["html"]  # the drawing is tested above; here only what is made
    settings.REPORT_RECIPIENTS = []
    settings.REPORT_CATCH_UP_DAYS = 7
    settings.REPORT_DAILY_OPS_AT = "07:30"


def test_the_schedule_is_declared_for_the_worker():
    from laseros.tasks import SCHEDULES

    schedule = SCHEDULES["laseros_site.reports"]
    assert schedule["func"] == "laseros.site.tasks.make_due_reports"
    assert (schedule["schedule_type"], schedule["minutes"]) == ("I", 15)


def test_daily_ops_is_made_at_half_past_seven_for_the_day_before_and_once(db, quick_schedule):
    from laseros.site.reports.schedule import make_due_reports

    assert make_due_reports(_at(DAY, 7, 29)) == ["daily_ops 2026-11-25"]  # first ever: the latest
    assert make_due_reports(_at(DAY, 7, 29)) == []
    assert make_due_reports(_at(DAY, 7, 30)) == ["daily_ops 2026-11-26"]
    assert make_due_reports(_at(DAY, 7, 45)) == []
    assert _made() == [dt.date(2026, 11, 25), dt.date(2026, 11, 26)]


def test_days_missed_while_the_worker_was_down_are_made_once_when_it_starts(db, quick_schedule):
    from laseros.site.reports.schedule import make_due_reports

    make_due_reports(_at(DAY, 8))  # the 26th
    # the worker is down from Friday 08:00 until Tuesday 09:00: Fri, Sat, Sun and Mon are missing
    tuesday = DAY + dt.timedelta(days=4)
    made = make_due_reports(_at(tuesday, 9))
    assert made == [f"daily_ops 2026-11-{d}" for d in (27, 28, 29, 30)]
    assert make_due_reports(_at(tuesday, 9, 15)) == []
    assert ReportRun.objects.filter(period_start=DAY).count() == 1  # once, version 1
    # down longer than REPORT_CATCH_UP_DAYS: only the last 7 days are made
    later = tuesday + dt.timedelta(days=20)
    made = make_due_reports(_at(later, 9))
    assert made[0] == f"daily_ops {later - dt.timedelta(days=7)}" and len(made) == 7


def test_a_report_that_fails_is_tried_again_and_the_others_are_made(
    db, quick_schedule, monkeypatch
):
    from laseros.site.reports import schedule

    make = schedule.make_due_reports
    make(_at(DAY - dt.timedelta(days=3), 8))  # the 23rd
    real = daily_ops.build

    def broken_on_the_25th(start, end):
        if start == dt.date(2026, 11, 25):
            raise RuntimeError("the disk is full")
        return real(start, end)

    monkeypatch.setattr(daily_ops, "build", broken_on_the_25th)
    assert make(_at(DAY, 8)) == ["daily_ops 2026-11-24", "daily_ops 2026-11-26"]
    monkeypatch.setattr(daily_ops, "build", real)
    assert make(_at(DAY, 8, 15)) == ["daily_ops 2026-11-25"]


# --- the admin ---------------------------------------------------------------------------------


def test_the_admin_lists_reports_with_links_and_makes_one_again(
    db, client, make_user, settings, tmp_path
):
    from django.urls import reverse

    settings.MEDIA_ROOT = tmp_path
    admin_user = make_user("boss", role="Admin")
    client.force_login(admin_user)
    (html,) = report_make(kind="daily_ops", day=DAY, formats=["html"], by=None, send_to=[])
    url = reverse("admin:laseros_site_reportrun_changelist")
    page = client.get(url).content.decode()
    assert "2026-11-27" in page and html.sha256[:12] in page
    assert f'href="{html.file.url}"' in page
    assert client.get(html.file.url).status_code == 200  # the download, for who may see it

    response = client.post(url, {"action": "rerun", "_selected_action": [html.pk]}, follow=True)
    assert "1 report file(s) made again." in response.content.decode()
    latest = ReportRun.objects.get(is_latest=True)
    assert (latest.version, latest.created_by) == (2, admin_user)


def test_the_admin_list_runs_the_same_queries_for_more_reports(
    db, client, make_user, settings, tmp_path
):
    from django.urls import reverse

    settings.MEDIA_ROOT = tmp_path
    client.force_login(make_user("boss", role="Admin"))
    url = reverse("admin:laseros_site_reportrun_changelist")

    def add(count: int) -> None:
        for n in range(count):
            ReportRun.objects.create(
                kind="daily_ops",
                period_start=DAY - dt.timedelta(days=n),
                period_end=DAY - dt.timedelta(days=n),
                format="html",
                version=ReportRun.objects.count() + 1,
                file=f"reports/x{n}.html",
                sha256="0" * 64,
                sent_to=["a@b.example"],
            )

    add(5)
    small, _ = count_queries(lambda: client.get(url))
    add(45)
    large, response = count_queries(lambda: client.get(url))
    assert response.status_code == 200 and large == small


# --- in a browser ------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
def test_the_daily_page_fits_a_managers_screen_and_is_saved(day_shop):
    """Daily Ops as a manager opens it (1440 wide): no sideways scroll, the chart drawn, every
    table there; saved as test-screenshots/report-daily-ops-1440.png."""
    from django.conf import settings

    from laseros.site.reports.render import to_html
    from laseros.testing import chromium

    html = to_html(report_build(kind="daily_ops", day=DAY))
    shots = Path(settings.BASE_DIR) / "test-screenshots"
    shots.mkdir(exist_ok=True)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on(
            "request", lambda r: errors.append(r.url) if not r.url.startswith("data:") else None
        )
        page.set_content(html)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1440
        assert page.locator("svg rect").count() == 2  # a bar per machine
        assert page.locator("h2").all_inner_texts() == [
            "Runs",
            "Operators",
            "Machines",
            "Jobs that moved",
            "Blockers",
            "Low stock",
        ]
        page.screenshot(path=str(shots / "report-daily-ops-1440.png"), full_page=True)
    assert not errors


# --- the weekly reports ------------------------------------------------------------------------


def test_employee_sums_each_operators_week(day_shop):
    report = report_build(kind="employee", day=DAY)
    assert (report.period_start, report.period_end) == (
        dt.date(2026, 11, 23),
        dt.date(2026, 11, 29),
    )
    (table,) = report.tables
    rows = {row[0]: row for row in table.rows}
    assert rows["Ann"][1:7] == (1, 2, 120, 3, 50, 2)
    assert rows["Ann"][7] == pytest.approx(2 / 52) and rows["Ann"][8] == pytest.approx(25.0)
    assert rows["Bob"][1:7] == (3, 3, 150, 1, 223, 0)
    assert table.totals[2:7] == (5, 270, 4, 273, 2)


def test_maintenance_counts_each_machines_week_and_to_date(day_shop):
    from production.models import LaserRun

    l1 = day_shop["job"].laser_runs.get().run.machine
    LaserRunProject.objects.update(pierce_count=120, cut_length_mm=Decimal("2500"))
    old = _run(
        l1, OperatorFactory(), _at(DAY - dt.timedelta(days=30), 9), 60, job=day_shop["stuck"]
    )
    LaserRunProject.objects.filter(run=old).update(pierce_count=1000)
    report = report_build(kind="maintenance", day=DAY)
    rows = {row[0]: row for row in report.tables[0].rows}
    assert rows["L1"][2:6] == (2, 2.0, 120, 2.5)
    assert rows["L1"][6:10] == (3, 3.0, 1120, (DAY - dt.timedelta(days=30)))
    assert rows["L2"][2:4] == (3, 2.5) and rows["L2"][6] == 3
    assert LaserRun.objects.count() == 6


def test_weekly_reports_are_made_on_monday_morning_once(db, settings, tmp_path):
    from laseros.site.reports.schedule import make_due_reports, reports_due

    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_FORMATS = ["html"]
    monday = dt.date(2026, 11, 30)
    due = {(kind, start) for kind, start, _ in reports_due(_at(monday, 7, 40))}
    assert ("employee", dt.date(2026, 11, 16)) in due  # the week before last, first ever
    assert ("employee", dt.date(2026, 11, 23)) not in due  # not 07:45 yet
    make_due_reports(_at(monday, 7, 40))
    due = {(kind, start) for kind, start, _ in reports_due(_at(monday, 7, 45))}
    assert due == {
        ("employee", dt.date(2026, 11, 23)),
        ("maintenance", dt.date(2026, 11, 23)),
        ("weekly_client", dt.date(2026, 11, 23)),
    }
    make_due_reports(_at(monday, 7, 45))
    assert reports_due(_at(monday, 8)) == []


# --- the monthly report ------------------------------------------------------------------------


def test_monthly_exec_has_revenue_cost_margin_utilisation_and_estimates(
    day_shop, settings, tmp_path
):
    from finance.services.invoices import invoice_create, invoice_issue
    from production.models import Machine

    settings.MEDIA_ROOT = tmp_path
    Machine.objects.filter(code="L1").update(hourly_rate=Decimal("600"))  # L2 has no rate
    for amount, day in (("10000", dt.date(2026, 11, 10)), ("5000", dt.date(2026, 10, 3))):
        lines = [{"description": "Cutting", "quantity": 1, "unit_price": amount}]
        invoice = invoice_create(project=day_shop["job"], by=None, lines=lines)
        invoice_issue(invoice=invoice, by=None, today=day)
    report = report_build(kind="monthly_exec", day=DAY)
    assert (report.period_start, report.period_end) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    figures = _figures(report)
    # L1 cut 2 h at R600; 4 sheets at R1 800
    assert figures["Revenue (excl. VAT)"] == Decimal("10000.00")
    assert figures["Direct cost"] == Decimal("1200.00") + Decimal("7200.00")
    assert figures["Margin"] == Decimal("1600.00") and figures["Margin %"] == pytest.approx(0.16)
    months = {t.title: t for t in report.tables}["Revenue by month (excl. VAT)"].rows
    assert months[-2:] == [
        (dt.date(2026, 10, 1), Decimal("5000.00")),
        (dt.date(2026, 11, 1), Decimal("10000.00")),
    ]
    utilisation = {t.title: t for t in report.tables}["Utilisation"].rows
    assert {r[0]: r[2] for r in utilisation} == {"L1": 2.0, "L2": 2.5}

    (xlsx,) = report_make(kind="monthly_exec", day=DAY, formats=["xlsx"], by=None, send_to=[])
    book = load_workbook(io.BytesIO(xlsx.file.read()))
    revenue_cell = book["Summary"]["B4"]
    assert revenue_cell.value == Decimal("10000.00") or revenue_cell.value == 10000
    assert revenue_cell.number_format == '"R" #,##0.00'


# --- the weekly client report ------------------------------------------------------------------


def test_weekly_client_shows_each_clients_jobs_quotes_invoices_and_balance(day_shop):
    from finance.models import Quote
    from finance.services.invoices import invoice_create, invoice_issue

    job = day_shop["job"]
    Project.objects.filter(pk=job.pk).update(created_at=_at(DAY - dt.timedelta(days=2), 9))
    lines = [{"description": "Cutting", "quantity": 2, "unit_price": "500"}]
    invoice_issue(invoice=invoice_create(project=job, by=None, lines=lines), by=None, today=DAY)
    quote = Quote.objects.create(
        project=job, client=job.client, status="sent", sent_on=DAY, total_incl_vat=Decimal("230")
    )
    report = report_build(kind="weekly_client", day=DAY)
    clients, open_jobs = report.tables
    row = {r[0]: r for r in clients.rows}[job.client.code]
    assert row[2:7] == (1, 1, 1, 0, 1)  # open, new this week, moved, completed, quotes sent
    assert row[7] == quote.total_incl_vat and row[8] == 1
    assert row[10] == 1 and row[11] == Decimal("1150.00") and row[12] == Decimal("1150.00")
    stuck = {r[0]: r for r in clients.rows}[day_shop["stuck"].client.code]
    assert stuck[2] == 1 and stuck[4] == 0 and stuck[12] == Decimal("0.00")
    assert {r[1] for r in open_jobs.rows} >= {job.code, day_shop["stuck"].code}
    assert _figures(report)["Owed"] == Decimal("1150.00")


def test_weekly_client_runs_the_same_queries_for_more_clients(day_shop):
    small, _ = count_queries(lambda: report_build(kind="weekly_client", day=DAY))
    for _n in range(10):
        job = _job("quoting", _at(DAY, 9))
        ProjectStatusChange.objects.create(
            project=job, from_status="request", to_status="quoting", changed_at=_at(DAY, 9)
        )
    large, report = count_queries(lambda: report_build(kind="weekly_client", day=DAY))
    assert large == small and len(report.tables[1].rows) > 10


# --- every report ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["weekly_client", "monthly_exec", "employee", "maintenance"])
def test_every_report_draws_a_page_a_pdf_and_a_workbook(kind, day_shop, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    runs = {r.format: r for r in report_make(kind=kind, day=DAY, by=None, send_to=[])}
    report = report_build(kind=kind, day=DAY)
    page = runs["html"].file.read().decode()
    assert report.title in page and all(t.title in page for t in report.tables)
    text = "".join(
        p.get_text() for p in pymupdf.open(stream=runs["pdf"].file.read(), filetype="pdf")
    )
    assert report.title in text and report.figures[0].label in text
    book = load_workbook(io.BytesIO(runs["xlsx"].file.read()))
    assert book.sheetnames[0] == "Summary" and len(book.sheetnames) == 1 + len(report.tables)
    figures = [row[1].value for row in book["Summary"].iter_rows(min_row=4)]
    assert all(isinstance(v, (int, float, Decimal)) or v is None for v in figures)


@pytest.mark.parametrize("kind", ["employee", "maintenance", "monthly_exec"])
def test_the_other_reports_run_the_same_queries_for_more_runs(kind, day_shop):
    small, _ = count_queries(lambda: report_build(kind=kind, day=DAY))
    machine, operator = MachineFactory(code="L7"), OperatorFactory(display_name="Di")
    stock = SheetStockFactory()
    for n in range(10):
        job = _job("cutting", _at(DAY, 6))
        _run(machine, operator, _at(DAY, 10, n), 3, parts=1, sheets=1, stock=stock, job=job)
    large, _ = count_queries(lambda: report_build(kind=kind, day=DAY))
    assert large == small


def test_manage_py_exits_2_on_a_refusal(db):
    import subprocess
    import sys

    from django.conf import settings

    done = subprocess.run(
        [sys.executable, "manage.py", "report", "weekly", "--date", "2026-11-27"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "There is no report 'weekly'" in done.stderr


def test_a_workbook_keeps_a_clients_words_as_text_never_a_formula(day_shop, settings, tmp_path):
    """A client named like a formula (or with a control character) is written as its exact text
    in a text cell: Excel runs nothing, and the report is still made."""
    from clients.models import Client

    settings.MEDIA_ROOT = tmp_path
    client = day_shop["job"].client
    Client.objects.filter(pk=client.pk).update(name='=HYPERLINK("http://x.example","Pay")\x01')
    runs = {r.format: r for r in report_make(kind="weekly_client", day=DAY, by=None, send_to=[])}
    book = load_workbook(io.BytesIO(runs["xlsx"].file.read()))
    cells = [c for row in book.worksheets[1].iter_rows() for c in row if c.value]
    named = [c for c in cells if "HYPERLINK" in str(c.value)]
    assert named, [c.value for c in cells]
    for cell in named:
        assert cell.data_type == "s" and cell.value.startswith('=HYPERLINK("http://x.example"')
