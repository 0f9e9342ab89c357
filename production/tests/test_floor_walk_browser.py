"""The operator's walk on a tablet, in a real browser (Debian's chromium through Playwright):
log in at 768×1024, drag a job to the top of the queue, start a run on two sheets from its job
card, photograph each sheet and tick the 5H, pause and resume, finish, pass QC.

The checks: the job is Ready, the stock is two sheets lower, and the audit trail holds each step
(the move, the run started, both sheets, the finish, the laser run, the stock taken, QC passed),
each by the operator. No page writes an error to the console (a CSP refusal is one) or asks
another host for anything; every page fits 768 and 390 px wide with no sideways scroll and
touch targets of at least 44 px; each is saved as test-screenshots/floor-run-<page>-<width>.png.
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


# the touch targets (buttons, fields, ticks, chips, cards) smaller than MIN_TARGET px
SMALL_TARGETS = """(least) => [...document.querySelectorAll(
    'button, input:not([type=hidden]), select, textarea, summary, a.btn, a.chip, a.run-card,'
    + ' a.run-lead__item')]
  .filter(el => el.offsetParent !== null && !el.closest('[hidden]'))
  .map(el => ({el, r: el.getBoundingClientRect()}))
  .filter(({r}) => r.width < least || r.height < least)
  .map(({el, r}) => `${el.tagName.toLowerCase()} ${el.name || el.innerText.trim().slice(0, 30)} `
                    + `${Math.round(r.width)}×${Math.round(r.height)}`)"""


def _jpeg() -> bytes:
    """A cut sheet as a tablet's camera sends it: a large JPEG."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (2400, 1600), (150, 150, 160))
    draw = ImageDraw.Draw(picture)
    for x in range(200, 2200, 400):
        draw.rectangle([x, 300, x + 250, 1300], outline="black", width=12)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _build() -> dict:
    """Machine X3 (the default), Sipho its operator, a 3 mm MS preset, ten 3 mm MS sheets and
    three paid jobs on X3's queue; a viewer."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from inventory.tests.factories import MaterialFactory, SheetStockFactory
    from production.services import queue_paid_project
    from production.tests.factories import (
        CutPresetFactory,
        MachineFactory,
        OperatorFactory,
        make_project,
    )

    users = {}
    for username, role in (("sipho", "Operator"), ("vera", "Viewer")):
        user = get_user_model().objects.create_user(
            username=username, password=PASSWORD, is_staff=True, first_name=username.title()
        )
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    ms = MaterialFactory(code="MS")
    MachineFactory(code="X3", name="Golden Laser X3")
    OperatorFactory(user=users["sipho"], display_name="Sipho")
    CutPresetFactory(material=ms, thickness_mm=Decimal("3"), gas="AIR", name="3mm Air MS 1.5sn")
    stock = SheetStockFactory(
        material=ms, thickness_mm=Decimal("3"), quantity_on_hand=10, location="Rack A"
    )
    codes = []
    for n in range(3):
        job = make_project(status="paid", quantity=10, name=f"Base plates {n + 1}")
        queue_paid_project(project=job)
        codes.append(job.code)
    return {"stock": stock.pk, "codes": codes}


def _after(code: str, stock_pk: int) -> dict:
    from inventory.models import SheetStock
    from laseros.models import ActivityLog
    from projects.models import Project

    by_sipho = ActivityLog.objects.filter(actor__username="sipho")
    return {
        "status": Project.objects.get(code=code).status,
        "on_hand": SheetStock.objects.get(pk=stock_pk).quantity_on_hand,
        "moved": by_sipho.filter(message__startswith="moved from").count(),
        "run_started": by_sipho.filter(
            content_type__model="floorrun", action="create", message__startswith="started on X3"
        ).count(),
        "sheets": by_sipho.filter(message__endswith="checked (5H)").count(),
        "paused": by_sipho.filter(
            content_type__model="floorrun", message__contains="→ paused"
        ).count(),
        "finished": by_sipho.filter(
            content_type__model="floorrun", message__contains="→ finished"
        ).count(),
        "laser_run": by_sipho.filter(content_type__model="laserrun", action="create").count(),
        "stock_taken": by_sipho.filter(content_type__model="sheetstock").count(),
        "qc_passed": by_sipho.filter(
            content_type__model="project", message__contains="QC passed"
        ).count(),
    }


def _check_sheet(page, number: int, photo: bytes) -> None:
    form = page.locator(f"#sheet-{number} form")
    form.locator("input[name=photo]").set_input_files(
        {"name": f"sheet-{number}.jpg", "mimeType": "image/jpeg", "buffer": photo}
    )
    for name in ("check_head", "check_height", "check_hold_downs", "check_hardware"):
        form.locator(f"input[name={name}]").check()
    form.locator("input[name=check_hazards]").check()
    form.locator("input[name=parts_cut]").fill("5")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_an_operator_cuts_a_job_on_two_sheets_and_passes_qc(live_server, settings):
    settings.PRODUCTION_DEFAULT_MACHINE = "X3"
    shop = orm(_build)
    SCREENSHOTS.mkdir(exist_ok=True)
    base = live_server.url
    photo = _jpeg()
    problems: list[str] = []
    with chromium() as browser:
        context = browser.new_context(viewport=TABLET)
        errors, foreign = watch(context, base)
        page = context.new_page()
        page.goto(f"{base}/floor/login/")
        page.fill("input[name=username]", "sipho")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/floor/queue/X3/")

        # drag the last job to the top of the queue: it is cut first
        first, _, last = shop["codes"]
        with page.expect_response(lambda r: "/move/" in r.url) as moved:
            drag(page, last, first)
        assert moved.value.status == 200
        assert orm(queue_order)[0] == last

        # its job card, then "Start a run"
        page.goto(f"{base}/floor/jobs/{last}/")
        page.click("a.run-start-link")
        page.wait_for_url(f"{base}/floor/runs/start/?*")
        page.fill("input[name=sheets]", "2")
        look(page, "start", problems, small_targets=SMALL_TARGETS, prefix="floor-run-")
        with page.expect_navigation():
            page.click("button:has-text('Start the run')")
        assert "/floor/runs/" in page.url
        run_url = page.url.split("#")[0]
        page.wait_for_function(
            "() => /^\\d+:\\d\\d:\\d\\d$/.test(document.querySelector('[data-run-timer]').innerText)"
        )
        look(page, "sheet-form", problems, small_targets=SMALL_TARGETS, prefix="floor-run-")
        page.goto(f"{base}/floor/runs/")
        look(page, "list", problems, small_targets=SMALL_TARGETS, prefix="floor-run-")
        page.goto(run_url)

        # pause and resume (htmx swaps the clock)
        page.click("button:has-text('Pause')")
        page.wait_for_selector("button:has-text('Resume')")
        look(page, "paused", problems, small_targets=SMALL_TARGETS, prefix="floor-run-")
        page.click("button:has-text('Resume')")
        page.wait_for_selector("button:has-text('Pause')")

        # each sheet: photo, the 5H, parts
        _check_sheet(page, 1, photo)
        _check_sheet(page, 2, photo)
        page.goto(run_url)
        look(page, "finish-form", problems, small_targets=SMALL_TARGETS, prefix="floor-run-")
        with page.expect_navigation():
            page.click("button:has-text('Finish and record the run')")
        assert page.locator(".floor-message--success").inner_text().startswith("Run ")
        look(page, "finished", problems, small_targets=SMALL_TARGETS, prefix="floor-run-")

        # QC: pass
        page.goto(f"{base}/floor/qc/")
        assert page.locator(f"#qc-{last} .qc-job__photos img").count() == 2
        look(page, "qc", problems, small_targets=SMALL_TARGETS, prefix="floor-run-")
        with page.expect_navigation():
            page.locator(f"#qc-{last} button:has-text('Pass')").click()
        assert f"{last} passed QC" in page.locator(".floor-messages").inner_text()
        look(page, "qc-empty", problems, small_targets=SMALL_TARGETS, prefix="floor-run-")
        context.close()

        # a viewer sees the run and QC pages without their buttons
        context = browser.new_context(viewport=TABLET)
        page = context.new_page()
        page.goto(f"{base}/floor/login/")
        page.fill("input[name=username]", "vera")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/floor/queue/X3/")
        page.goto(run_url)
        assert page.locator("form[action*='/pause/']").count() == 0
        look(page, "viewer-run", problems, small_targets=SMALL_TARGETS, prefix="floor-run-")
        context.close()

    after = orm(_after, last, shop["stock"])
    assert after["status"] == "ready"
    assert after["on_hand"] == 8
    assert after == {
        "status": "ready",
        "on_hand": 8,
        "moved": 1,
        "run_started": 1,
        "sheets": 2,
        "paused": 1,
        "finished": 1,
        "laser_run": 1,
        "stock_taken": 1,
        "qc_passed": 1,
    }
    assert not errors, errors
    assert not foreign, foreign
    assert not problems, "\n".join(problems)
