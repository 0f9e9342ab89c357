"""The floor's queue and job card in a real browser (Debian's chromium through Playwright), at a
tablet's size (768×1024) and a phone's (390×844).

An operator logs in on the tablet's login, drags a job to the top of the queue (saved through
the reorder service, and audited), drags one past its priority (refused: the row goes back and
the page says why); a viewer sees the queue without handles; offline, the queue and a job card
(with its preview) stay readable from the service worker's cache and a drag is refused with
"You are offline: …". Every page fits the window with no sideways scroll, its touch targets are
at least 44 px, no page writes an error to the console (a CSP refusal is one), and each is saved
in test-screenshots/floor-<page>-<width>.png for a developer to look at.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from laseros.testing import chromium
from production.tests.floor_browser import (
    PASSWORD,
    SCREENSHOTS,
    TABLET,
    drag,
    look,
    orm,
    queue_order,
    watch,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


# every visible link, button, input and drag handle smaller than MIN_TARGET px in either side
SMALL_TARGETS = """(least) => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), .queue-row__handle')]
  .filter(el => el.offsetParent !== null && !el.closest('[hidden]'))
  .map(el => ({el, r: el.getBoundingClientRect()}))
  .filter(({r}) => r.width < least || r.height < least)
  .map(({el, r}) => `${el.tagName.toLowerCase()} "${el.innerText.trim().slice(0, 30)}" `
                    + `${Math.round(r.width)}×${Math.round(r.height)}`)"""
ROW_CODES = (
    "() => [...document.querySelectorAll('.queue-row .queue-row__code')].map(e => e.innerText)"
)
PREVIEW_LOADED = """() => [...document.querySelectorAll('.part__preview img')]
  .map(img => img.complete && img.naturalWidth > 0)"""


def _png(width: int = 320, height: int = 240) -> bytes:
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(picture)
    draw.rectangle([40, 40, width - 40, height - 40], outline="black", width=4)
    draw.ellipse([120, 90, 180, 150], outline="black", width=4)
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def _build_floor() -> dict:
    """Machines X3 and X9; on X3 an urgent job and five normal ones (one overdue, one with its
    drawings read, a preview, a warning and a preset); users for three roles."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from ingest.models import FileIngest, FileMetadata
    from ingest.tests.factories import file_row
    from production.models import Machine
    from production.services import queue_add
    from production.tests.factories import CutPresetFactory, MachineFactory, make_project
    from projects.models import Project
    from projects.tests.factories import material

    steel = material("MS")
    x3 = Machine.objects.create(code="X3", name="Golden Laser X3")
    MachineFactory(code="X9", name="Bodor i5")
    clients = ["Karoo Steelworks", "Ubuntu Signs (Pty) Ltd", "Cape Gate Fabrication"]
    urgent = make_project(material=steel, thickness_mm=Decimal("3"), quantity=4)
    queue_add(project=urgent, machine=x3, priority="urgent", estimated_minutes=25)
    codes = []
    for n in range(5):
        project = make_project(material=steel, thickness_mm=Decimal("3"), quantity=10 + n * 5)
        project.client.name = clients[n % len(clients)]
        project.client.save()
        queue_add(project=project, machine=x3, estimated_minutes=30 + n * 10)
        codes.append(project.code)
    today = timezone.localdate()
    first = Project.objects.get(code=codes[0])
    Project.objects.filter(code=codes[0]).update(
        due_date=today - dt.timedelta(days=1),
        notes="Deburr both sides; the client collects at 15:00.",
    )
    Project.objects.filter(code__in=codes[1:]).update(due_date=today + dt.timedelta(days=4))
    drawing = file_row(project=first, metadata={"cut_length_mm": 2450.4, "pierce_count": 6})
    FileIngest.objects.filter(pk=drawing.pk).update(part="Base plate")
    checked = file_row(
        project=first,
        metadata={
            "warnings": [{"code": "small_hole", "message": "A hole is smaller than 3 mm."}],
            "has_warnings": True,
            "warning_count": 1,
        },
    )
    FileIngest.objects.filter(pk=checked.pk).update(part="Gusset")
    meta = FileMetadata.objects.get(file=drawing)
    meta.preview.save("base-plate.png", ContentFile(_png()), save=True)
    CutPresetFactory(
        material=steel,
        thickness_mm=Decimal("3"),
        gas="N2",
        nozzle="1.5SN",
        cut_speed_mm_min=Decimal("4200"),
        actual_power_w=3000,
        gas_pressure_bar=Decimal("12.5"),
        nozzle_height_mm=Decimal("0.8"),
        focus_position_mm=Decimal("-1.5"),
    )
    for username, role in (("thandi", "Operator"), ("pieter", "Viewer"), ("lerato", "Manager")):
        user = get_user_model().objects.create_user(username=username, password=PASSWORD)
        user.groups.add(Group.objects.get(name=role))
    return {"urgent": urgent.code, "normal": codes, "card": codes[0]}


def _moves_by(username: str) -> int:
    from laseros.models import ActivityLog

    return ActivityLog.objects.filter(
        actor__username=username, message__startswith="moved from"
    ).count()


def _log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/floor/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/floor/queue/X3/")


def test_the_floor_on_a_tablet(live_server):
    floor = orm(_build_floor)
    SCREENSHOTS.mkdir(exist_ok=True)
    base = live_server.url
    problems: list[str] = []
    with chromium() as browser:
        context = browser.new_context(viewport=TABLET, has_touch=False)
        errors, foreign = watch(context, base)
        page = context.new_page()

        # the tablet's login
        page.goto(f"{base}/floor/login/")
        look(page, "login", problems, small_targets=SMALL_TARGETS, prefix="floor-")
        _log_in(page, base, "thandi")
        page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller")
        look(page, "queue", problems, small_targets=SMALL_TARGETS, prefix="floor-")

        # drag the last normal job to the top of the normal jobs (position 2: under the urgent)
        before = orm(queue_order)
        moved = floor["normal"][-1]
        drag(page, moved, floor["normal"][0])
        page.wait_for_selector(".alert--ok")
        assert f"{moved} moved to 2." in page.inner_text(".alert--ok")
        after = orm(queue_order)
        assert after == [before[0], moved, *[c for c in before[1:] if c != moved]]
        assert page.evaluate(ROW_CODES) == after
        assert orm(_moves_by, "thandi") == 1

        # past the urgent job: refused, the row goes back, the page says why
        drag(page, floor["normal"][1], floor["urgent"])
        page.wait_for_selector(".alert--error:not([hidden])")
        assert "The queue goes by priority" in page.inner_text(".alert--error:not([hidden])")
        assert orm(queue_order) == after
        assert page.evaluate(ROW_CODES) == after
        page.screenshot(path=str(SCREENSHOTS / "floor-queue-refused-768.png"), full_page=True)

        # the job card: parts with their preview, the preset, the files, the notes
        page.click(f".queue-row__job:has-text('{floor['card']}')")
        page.wait_for_url(f"{base}/floor/jobs/{floor['card']}/")
        page.wait_for_function("document.querySelector('.part__preview img').complete")
        assert page.evaluate(PREVIEW_LOADED) == [True]
        text = page.inner_text("main")
        for expected in ("Base plate", "4 200 mm/min", "12.5 bar", "A hole is smaller", "Deburr"):
            assert expected.replace(" ", "") in text.replace(" ", "").replace("\xa0", "")
        look(page, "job", problems, small_targets=SMALL_TARGETS, prefix="floor-")

        # offline: the queue and the card read from the tablet's cache; a drag is refused
        page.goto(f"{base}/floor/queue/X3/")
        page.wait_for_timeout(1500)  # the worker keeps today's cards
        context.set_offline(True)
        page.reload()
        assert page.evaluate(ROW_CODES) == after
        assert page.is_visible("#floor-offline")
        drag(page, floor["normal"][2], floor["normal"][1])
        page.wait_for_selector(".alert--error:not([hidden])")
        refusal = page.inner_text(".alert--error:not([hidden])")
        assert refusal.startswith("You are offline: the move was not saved.")
        page.wait_for_timeout(300)  # the row is put back once the drop is over
        assert page.evaluate(ROW_CODES) == after
        page.screenshot(path=str(SCREENSHOTS / "floor-queue-offline-768.png"), full_page=True)
        for code in floor["normal"][1:3]:  # cards never opened online
            page.goto(f"{base}/floor/jobs/{code}/")
            assert code in page.inner_text("h1")
        page.goto(f"{base}/floor/jobs/{floor['card']}/")
        page.wait_for_function("document.querySelector('.part__preview img').complete")
        assert page.evaluate(PREVIEW_LOADED) == [True]
        page.goto(f"{base}/floor/queue/X9/")  # never visited: the offline page
        assert "You are offline" in page.inner_text("h1")
        look(page, "offline", problems, small_targets=SMALL_TARGETS, prefix="floor-")
        context.set_offline(False)
        context.close()

        # a viewer sees the queue and cannot act
        context = browser.new_context(viewport=TABLET)
        viewer_errors, viewer_foreign = watch(context, base)
        page = context.new_page()
        _log_in(page, base, "pieter")
        assert page.locator(".queue-row__handle").count() == 0
        assert page.evaluate(ROW_CODES) == after
        look(page, "queue-viewer", problems, small_targets=SMALL_TARGETS, prefix="floor-")
        context.close()

    assert orm(queue_order) == after
    assert not problems, "\n".join(problems)
    assert not foreign and not viewer_foreign, foreign + viewer_foreign
    # the refused move's 422, and what could not load while offline, are expected
    expected = ("status of 422", "net::ERR_INTERNET_DISCONNECTED", "Failed to fetch")
    real_errors = [e for e in errors + viewer_errors if not any(x in e for x in expected)]
    assert not real_errors, real_errors
