"""The bell in a real browser (Debian's chromium through Playwright; never a downloaded one).

A manager opens the admin at 1440 px: the bell in the header shows the unread count, its
dropdown lists them, and "Mark all read" empties it. An operator on the floor at a tablet's size
(768×1024) sees the bell with the floor's notifications only (not the managers'), opens the list,
marks one read, then all. No page writes an error to the console (a CSP refusal is one) or
scrolls sideways; screenshots go to test-screenshots/notifications-*.png.
"""

from __future__ import annotations

import datetime as dt

import pytest

from laseros.testing import chromium
from production.tests.floor_browser import PASSWORD, SCREENSHOTS, TABLET, orm, watch

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1440, "height": 900}
FITS = "() => ({page: document.documentElement.scrollWidth, window: innerWidth})"


def _build() -> None:
    """A manager and an operator; a job overdue (everyone), one in Quoting for a week
    (managers), low stock (everyone) and a failed message (managers), evaluated."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from comms.models import Communication, CommunicationStatus
    from comms.services.notifications import notifications_evaluate
    from inventory.tests.factories import SheetStockFactory
    from production.tests.factories import MachineFactory, make_project
    from projects.models import Project, ProjectStatus

    users = get_user_model()
    for username, role in (("mpho", "Manager"), ("thandi", "Operator")):
        user = users.objects.create_user(
            username=username, password=PASSWORD, is_staff=True, first_name=username.title()
        )
        user.groups.add(Group.objects.get(name=role))
    MachineFactory(code="X3", name="Bodor 3 kW")
    now = timezone.now()
    late = make_project(name="Gate brackets")
    Project.objects.filter(pk=late.pk).update(
        status=ProjectStatus.CUTTING,
        status_changed_at=now - dt.timedelta(hours=2),
        due_date=timezone.localdate() - dt.timedelta(days=2),
    )
    slow = make_project(name="Balustrade panels")
    Project.objects.filter(pk=slow.pk).update(
        status=ProjectStatus.QUOTING, status_changed_at=now - dt.timedelta(days=14)
    )
    SheetStockFactory(quantity_on_hand=1, reorder_level=3)
    Communication.objects.create(
        channel="email",
        to="orders@acme.example",
        subject="Your quote",
        body="Hello",
        status=CommunicationStatus.FAILED,
        last_error="[Errno 111] Connection refused",
    )
    notifications_evaluate()


def _unread(username: str) -> int:
    from django.contrib.auth import get_user_model

    from comms.selectors import unread_count

    return unread_count(get_user_model().objects.get(username=username))


def _fits(page, name: str, problems: list[str]) -> None:
    fits = page.evaluate(FITS)
    if fits["page"] > fits["window"]:
        problems.append(f"{name}: the page scrolls sideways ({fits})")


def test_the_bell_in_the_admin_and_on_the_floor(live_server):
    orm(_build)
    base = live_server.url
    SCREENSHOTS.mkdir(exist_ok=True)
    problems: list[str] = []
    manager_unread = orm(_unread, "mpho")
    operator_unread = orm(_unread, "thandi")
    assert manager_unread == 4 and operator_unread == 2

    with chromium() as browser:
        # --- the manager, in the admin at 1440 px ---
        context = browser.new_context(viewport=DESKTOP)
        errors, foreign = watch(context, base)
        page = context.new_page()
        page.goto(f"{base}/admin/login/")
        page.fill("input[name=username]", "mpho")
        page.fill("input[name=password]", PASSWORD)
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_url(f"{base}/admin/")
        bell = page.locator("#user-tools .bell")
        assert bell.locator(".bell__count").inner_text() == str(manager_unread)
        bell.locator("summary").click()
        assert bell.locator(".bell__panel").is_visible()
        assert bell.locator(".bell__item").count() == manager_unread
        assert "has been in Quoting" in bell.locator(".bell__panel").inner_text()
        _fits(page, "admin index", problems)
        page.screenshot(path=str(SCREENSHOTS / "notifications-admin-bell-1440.png"))

        page.click("#user-tools .bell__all")
        page.wait_for_url(f"{base}/notifications/")
        assert page.locator(".notification.is-unread").count() == manager_unread
        _fits(page, "admin list", problems)
        page.screenshot(path=str(SCREENSHOTS / "notifications-admin-list-1440.png"), full_page=True)
        page.click(".notifications__all")
        page.wait_for_url(f"{base}/notifications/")
        assert page.locator(".notification.is-unread").count() == 0
        assert page.locator("#user-tools .bell__count").count() == 0
        assert orm(_unread, "mpho") == 0
        page.screenshot(
            path=str(SCREENSHOTS / "notifications-admin-all-read-1440.png"), full_page=True
        )
        context.close()

        # --- the operator, on the floor at a tablet's size ---
        context = browser.new_context(viewport=TABLET)
        floor_errors, floor_foreign = watch(context, base)
        page = context.new_page()
        page.goto(f"{base}/floor/login/")
        page.fill("input[name=username]", "thandi")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        bell = page.locator(".floor-bar .bell")
        assert bell.locator(".bell__count").inner_text() == str(operator_unread)
        bell.locator("summary").click()
        panel = bell.locator(".bell__panel").inner_text()
        assert "overdue" in panel and "Low stock" in panel
        assert "Quoting" not in panel and "message" not in panel  # the managers' ones
        box = bell.locator("summary").bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, box
        _fits(page, "floor bell", problems)
        page.screenshot(path=str(SCREENSHOTS / "notifications-floor-bell-768.png"))

        page.click(".floor-bar .bell__all")
        page.wait_for_url(f"{base}/floor/notifications/")
        assert page.locator(".notification").count() == operator_unread
        page.locator(".notification.is-unread .notification__read").first.click()
        page.wait_for_url(f"{base}/floor/notifications/")
        assert page.locator(".notification.is-unread").count() == operator_unread - 1
        assert page.locator(".floor-bar .bell__count").inner_text() == str(operator_unread - 1)
        _fits(page, "floor list", problems)
        page.screenshot(path=str(SCREENSHOTS / "notifications-floor-list-768.png"), full_page=True)
        page.click(".notifications__all")
        page.wait_for_url(f"{base}/floor/notifications/")
        assert page.locator(".notification.is-unread").count() == 0
        assert page.locator(".floor-bar .bell__count").count() == 0
        assert orm(_unread, "thandi") == 0
        page.screenshot(
            path=str(SCREENSHOTS / "notifications-floor-all-read-768.png"), full_page=True
        )
        context.close()

    assert not errors and not floor_errors, errors + floor_errors
    assert not foreign and not floor_foreign, foreign + floor_foreign
    assert not problems, problems
