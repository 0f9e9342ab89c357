"""The planner's board at /floor/plan/ and a manager's pins from it (HTMX and plain posts).

The shop's clock is Monday 14 Dec 2026 07:00; Wednesday 16 Dec is the Day of Reconciliation.
"""

from __future__ import annotations

import datetime as dt
import types

import pytest
from django.utils import timezone

from laseros.models import ActivityLog
from laseros.testing import assert_constant_queries, unchanged
from production.models import QueueSlotOverride
from production.services import queue_add
from production.tests.factories import MachineFactory, make_project

URL = "/floor/plan/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 12, day, hour, minute))


@pytest.fixture
def shop(db, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at(14, 7))
    x3 = MachineFactory(code="X3", name="Golden Laser X3")
    on_time = queued_due(dt.date(2026, 12, 18), x3, 600, priority="urgent")
    late = queued_due(dt.date(2026, 12, 14), x3, 45)  # promised today, behind an urgent 10 hours
    guess = queued_due(None, x3)
    return types.SimpleNamespace(x3=x3, on_time=on_time, late=late, guess=guess)


@pytest.fixture
def as_role(client, make_user):
    def _as(role: str):
        client.force_login(make_user(role.lower(), role=role))
        return client

    return _as


def queued_due(day: dt.date | None, machine, minutes: int | None = None, priority: str = "normal"):
    """A job queued on `machine` whose due date (set on payment) is then `day`."""
    from projects.models import Project

    item = queue_add(
        project=make_project(), machine=machine, estimated_minutes=minutes, priority=priority
    )
    Project.objects.filter(pk=item.project_id).update(due_date=day)
    return item


def pin_url(item) -> str:
    return f"/floor/plan/items/{item.pk}/pin/"


def test_a_manager_sees_each_machines_week_with_its_slots_and_the_holiday(shop, as_role):
    page = as_role("Manager").get(URL, {"date": "2026-12-16"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<!doctype html>" in html and "production/floor/base.html" in [
        t.name for t in page.templates
    ]
    for text in ("X3", shop.on_time.project.code, shop.on_time.project.client.name):
        assert text in html
    assert "Day of Reconciliation" in html
    board = page.context["board"]
    assert board.days[0] == dt.date(2026, 12, 14) and board.days[-1] == dt.date(2026, 12, 18)
    [row] = board.rows
    assert [c.capacity for c in row.cells] == [540, 540, 0, 540, 450]
    # the 10-hour job fills Monday and goes on Tuesday morning: the other two follow it
    assert [p.minutes for p in row.cells[0].pieces] == [540]
    assert [p.minutes for p in row.cells[1].pieces] == [60, 45, 60]
    assert "Estimate missing" in html


def test_a_job_that_misses_its_date_stands_out(shop, as_role):
    html = as_role("Manager").get(URL).content.decode()
    assert 'class="plan-late"' in html and "1 job will miss its promised date" in html
    assert "plan-slot--late" in html and "Overdue" not in html
    assert html.count("plan-slot--late") == 1


@pytest.mark.parametrize("role", ["Operator", "Viewer"])
def test_operators_and_viewers_are_refused_the_board_and_its_pins(shop, as_role, role):
    client = as_role(role)
    assert client.get(URL).status_code == 403
    with unchanged(QueueSlotOverride):
        answer = client.post(
            pin_url(shop.guess), {"pin": "day", "day": "2026-12-17", "reason": "x"}
        )
    assert answer.status_code == 403


def test_anonymous_goes_to_the_floors_login(shop, client):
    answer = client.get(URL)
    assert answer.status_code == 302 and answer["Location"].startswith("/floor/login/")


def test_the_weeks_arrows_ask_for_the_board_alone(shop, as_role):
    answer = as_role("Manager").get(
        URL, {"date": "2026-12-21"}, HTTP_HX_TARGET="plan-board", **HTMX
    )
    html = answer.content.decode()
    assert answer.status_code == 200 and "<html" not in html and 'id="plan-board"' in html
    assert "Mon 21 Dec" in html


def test_a_manager_pins_a_slot_with_a_reason_and_the_board_shows_it(shop, as_role):
    client = as_role("Manager")
    form = client.get(pin_url(shop.guess), **HTMX)
    assert form.status_code == 200 and "Why" in form.content.decode()
    answer = client.post(
        pin_url(shop.guess),
        {"pin": "start", "start_at": "2026-12-17T13:00", "reason": "client collects Friday"},
        **HTMX,
    )
    assert answer.status_code == 204 and answer["HX-Trigger"] == "plan-changed"
    pin = QueueSlotOverride.objects.get(item=shop.guess)
    assert (pin.start_at, pin.reason, pin.by.username) == (
        at(17, 13),
        "client collects Friday",
        "manager",
    )
    entry = ActivityLog.objects.filter(object_id=str(shop.guess.pk)).latest("id")
    assert "client collects Friday" in entry.message and entry.actor == pin.by
    board = client.get(URL, {"date": "2026-12-17"}).context["board"]
    thursday = board.rows[0].cells[3]
    [piece] = [p for p in thursday.pieces if p.slot.job.item_id == shop.guess.pk]
    assert piece.start == at(17, 13) and piece.slot.pinned
    # and taken away again, with its reason
    answer = client.post(
        f"/floor/plan/items/{shop.guess.pk}/unpin/", {"reason": "came early"}, **HTMX
    )
    assert answer.status_code == 204 and not QueueSlotOverride.objects.exists()


def test_a_refused_pin_redraws_the_form_with_the_reason_and_changes_nothing(shop, as_role):
    client = as_role("Manager")
    client.post(pin_url(shop.late), {"pin": "start", "start_at": "2026-12-17T10:00", "reason": "a"})
    with unchanged(QueueSlotOverride, ActivityLog):
        overlap = client.post(
            pin_url(shop.guess),
            {"pin": "start", "start_at": "2026-12-17T10:30", "reason": "b"},
            **HTMX,
        )
        blank = client.post(pin_url(shop.guess), {"pin": "day", "day": "2026-12-17"}, **HTMX)
        holiday = client.post(
            pin_url(shop.guess), {"pin": "day", "day": "2026-12-16", "reason": "c"}
        )
    assert overlap.status_code == 200 and overlap["HX-Retarget"] == "#plan-override"
    assert f"overlaps {shop.late.project.code}" in overlap.content.decode()
    assert "This field is required" in blank.content.decode()
    assert holiday.status_code == 422 and "not a working day" in holiday.content.decode()


def test_a_plain_post_pins_and_goes_back_to_the_board(shop, as_role):
    answer = as_role("Admin").post(
        pin_url(shop.guess), {"pin": "day", "day": "2026-12-18", "reason": "sheets Friday"}
    )
    assert answer.status_code == 302 and answer["Location"] == URL
    assert QueueSlotOverride.objects.get().day == dt.date(2026, 12, 18)


def test_the_board_runs_the_same_queries_at_5_and_at_50_items(db, monkeypatch, as_role):
    monkeypatch.setattr(timezone, "now", lambda: at(14, 7))
    machines = [MachineFactory(code="X3"), MachineFactory(code="X4")]
    client = as_role("Manager")

    def grow(n):
        for i in range(_active(), n):
            item = queued_due(dt.date(2026, 12, 15), machines[i % 2], 20 + i)
            if i % 7 == 0:
                QueueSlotOverride.objects.create(item=item, day=dt.date(2026, 12, 17), reason="r")

    def fetch():
        page = client.get(URL)
        slots = [s for row in page.context["board"].rows for s in row.plan.slots]
        return types.SimpleNamespace(status_code=page.status_code, data=slots)

    assert_constant_queries(fetch, grow)


def _active() -> int:
    from production.models import QueueItem

    return QueueItem.objects.count()


# --- in a real browser ------------------------------------------------------------------------------

# the page's width against the window's, and the late slots drawn in red
LAYOUT = """() => ({
  page: document.documentElement.scrollWidth, window: document.documentElement.clientWidth,
  late: [...document.querySelectorAll('.plan-slot--late')].map(e => getComputedStyle(e).borderTopColor),
})"""


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_board_at_1440_wide_in_a_browser_and_a_pin_from_it(monkeypatch, live_server, make_user):
    """Screenshots: test-screenshots/manager-1440-plan.png (the board) and -plan-pin.png."""
    from django.conf import settings

    from laseros.testing import chromium
    from production.services import queue_start

    monkeypatch.setattr(timezone, "now", lambda: at(14, 9))
    make_user("boss", role="Manager")
    x3, x4 = MachineFactory(code="X3", name="Golden Laser X3"), MachineFactory(code="X4")
    running = queued_due(dt.date(2026, 12, 18), x3, 180)
    queue_start(item=running)
    queued_due(dt.date(2026, 12, 15), x3, 600, priority="urgent")
    late = queued_due(dt.date(2026, 12, 14), x3, 90)
    for n, minutes in enumerate([45, None, 240, 120, 30, 300]):
        queued_due(dt.date(2026, 12, 17 + n % 2), x4 if n % 2 else x3, minutes)
    QueueSlotOverride.objects.create(item=late, day=dt.date(2026, 12, 17), reason="sheets Thursday")
    target = queued_due(None, x4, 60)
    shots = settings.BASE_DIR / "test-screenshots"
    shots.mkdir(exist_ok=True)
    base = live_server.url
    with chromium() as browser:
        page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.goto(f"{base}/floor/login/?next=/floor/plan/")
        page.fill("input[name=username]", "boss")
        page.fill("input[name=password]", "pw-Laser-123")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/floor/plan/")
        page.screenshot(path=str(shots / "manager-1440-plan.png"), full_page=True)
        layout = page.evaluate(LAYOUT)
        assert layout["page"] <= layout["window"], layout
        assert layout["late"] and all(c == "rgb(176, 0, 32)" for c in layout["late"]), layout
        page.click(f"a.plan-slot__pin[href$='/items/{target.pk}/pin/']")
        page.wait_for_selector("#plan-override form")
        page.check("input[name=pin][value=day]")
        page.fill("input[name=day]", "2026-12-18")
        page.fill("input[name=reason]", "the client collects on Friday")
        page.screenshot(path=str(shots / "manager-1440-plan-pin.png"), full_page=True)
        page.click("#plan-override button[type=submit]")
        page.wait_for_selector(f"#slot-{target.pk}-1 .plan-badge--pinned")
        assert "pinned" in page.inner_text(".floor-messages")
        assert not errors, errors
    assert QueueSlotOverride.objects.get(item=target).day == dt.date(2026, 12, 18)


def test_the_day_view_and_odd_addresses(shop, as_role):
    client = as_role("Manager")
    day = client.get(URL, {"view": "day", "date": "2026-12-15"})
    assert day.context["board"].days == [dt.date(2026, 12, 15)]
    assert [p.minutes for p in day.context["board"].rows[0].cells[0].pieces] == [60, 45, 60]
    holiday = client.get(URL, {"view": "day", "date": "2026-12-16"}).content.decode()
    assert "Day of Reconciliation" in holiday
    # a date or view the board does not know: this week, not an error
    for odd in (
        {"date": "16/12/2026"},
        {"date": "2026-13-40"},
        {"view": "year"},
        {"date": "9" * 50},
    ):
        answer = client.get(URL, odd)
        assert answer.status_code == 200
        assert answer.context["board"].days[0] == dt.date(2026, 12, 14)


def test_on_a_day_the_shop_is_closed_the_board_opens_on_the_work_ahead(shop, as_role, monkeypatch):
    """Saturday 19 Dec: the week that holds today is over, so the board opens on the week of the
    next working day (Monday 21 Dec), and the day view on that Monday, not on a closed day."""
    monkeypatch.setattr(timezone, "now", lambda: at(19, 10))
    client = as_role("Manager")
    week = client.get(URL)
    assert week.context["board"].days[0] == dt.date(2026, 12, 21)
    day = client.get(URL, {"view": "day"})
    assert day.context["board"].days == [dt.date(2026, 12, 21)]
    # a day asked for is the one shown: its week, from its Monday
    asked = client.get(URL, {"date": "2026-12-19"})
    assert asked.context["board"].days[0] == dt.date(2026, 12, 14)
