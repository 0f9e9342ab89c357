"""The floor's runs and QC pages: who may look and act, a double tap, a refusal that changes
nothing, and the same number of queries at 5 and at 50 rows."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from inventory.models import Offcut, SheetStock, StockMovement
from inventory.tests.factories import SheetStockFactory
from laseros.testing import count_queries, unchanged
from production.models import FIVE_H, FloorRun, FloorRunSheet, LaserRun, QueueItem
from production.services import (
    SheetsWanted,
    floor_run_finish,
    floor_run_start,
    floor_sheet_record,
)
from production.tests import floor_shop
from production.tests.factories import MachineFactory
from production.tests.floor_shop import ALL_FIVE, photo, queued_job
from projects.models import Project

pytestmark = pytest.mark.django_db

floor = floor_shop.floor  # the fixture
ALL_TICKS = {name: "1" for name, _, _ in FIVE_H}


@pytest.fixture
def operator_client(client, floor):
    client.force_login(floor["user"])
    return client


@pytest.fixture
def viewer_client(client, make_user):
    client.force_login(make_user("vera", role="Viewer"))
    return client


def start_form(floor, **overrides) -> dict:
    data = {
        "token": "tok-1",
        "machine": floor["machine"].pk,
        "machine_code": "X3",
        "lead": floor["job"].code,
        "jobs": [floor["job"].pk],
        "preset": floor["preset"].pk,
        "stock": floor["stock"].pk,
        "sheets": 2,
        "notes": "",
    }
    data.update(overrides)
    return data


def started(floor, *, sheets: int = 2) -> FloorRun:
    return floor_run_start(
        machine=floor["machine"],
        operator=floor["operator"],
        projects=[floor["job"]],
        sheets=[SheetsWanted(floor["stock"], sheets)],
        token=f"t{sheets}",
        by=floor["user"],
    )


def sheet_post(client, run, number, **overrides):
    data = {"parts_cut": "5", "scrap_parts": "0", "notes": "clean cut", **ALL_TICKS}
    data["photo"] = photo(name=f"sheet{number}.jpg")
    data.update(overrides)
    url = reverse("floor:run_sheet", kwargs={"pk": run.pk, "number": number})
    return client.post(url, data)


# --- who may -------------------------------------------------------------------------------------


def test_anonymous_goes_to_the_floor_login(client, floor):
    response = client.get(reverse("floor:runs"))
    assert response.status_code == 302 and reverse("floor:login") in response["Location"]


def test_a_viewer_sees_the_pages_without_their_buttons_and_cannot_act(viewer_client, floor):
    run = started(floor)
    for url in (
        reverse("floor:runs"),
        reverse("floor:run_start") + "?machine=X3",
        reverse("floor:run", kwargs={"pk": run.pk}),
        reverse("floor:qc"),
    ):
        response = viewer_client.get(url)
        assert response.status_code == 200, url
        assert b'type="submit" class="btn btn--primary' not in response.content, url
    posts = [
        (reverse("floor:run_start_go"), start_form(floor, token="v")),
        (reverse("floor:run_pause", kwargs={"pk": run.pk}), {}),
        (reverse("floor:run_finish", kwargs={"pk": run.pk}), {"minutes": "5"}),
        (reverse("floor:run_stop", kwargs={"pk": run.pk}), {"reason": "no"}),
        (reverse("floor:qc_pass", kwargs={"code": floor["job"].code}), {}),
        (reverse("floor:qc_fail", kwargs={"code": floor["job"].code}), {"reason": "bent"}),
    ]
    with unchanged(FloorRun, FloorRunSheet, Project, QueueItem, LaserRun):
        for url, data in posts:
            assert viewer_client.post(url, data).status_code == 403, url
        assert sheet_post(viewer_client, run, 1).status_code == 403


# --- the walk through the pages ----------------------------------------------------------------


def test_an_operator_starts_checks_finishes_and_passes_qc(operator_client, floor):
    page = operator_client.get(reverse("floor:run_start") + "?machine=X3")
    assert page.status_code == 200
    assert floor["job"].code in page.content.decode() and "(suggested)" in page.content.decode()
    token = re.search(r'name="token" value="([0-9a-f]+)"', page.content.decode()).group(1)
    form = start_form(floor, token=token)
    first = operator_client.post(reverse("floor:run_start_go"), form)
    second = operator_client.post(reverse("floor:run_start_go"), form)  # a double tap
    run = FloorRun.objects.get()
    assert first["Location"] == second["Location"] == reverse("floor:run", kwargs={"pk": run.pk})
    assert sheet_post(operator_client, run, 1).status_code == 302
    assert sheet_post(operator_client, run, 2, offcut_width_mm="400", offcut_length_mm="900")
    assert Offcut.objects.get().size == "400×900"
    page = operator_client.get(reverse("floor:run", kwargs={"pk": run.pk}))
    assert "Finish and record the run" in page.content.decode()
    finish = {"minutes": "37", f"parts-{floor['job'].pk}": "10", "scrap_parts": "0"}
    url = reverse("floor:run_finish", kwargs={"pk": run.pk})
    assert operator_client.post(url, finish).status_code == 302
    assert operator_client.post(url, finish).status_code == 302  # a double tap
    assert LaserRun.objects.count() == 1
    assert SheetStock.objects.get(pk=floor["stock"].pk).quantity_on_hand == 8
    assert Project.objects.get(pk=floor["job"].pk).status == "qc"
    qc = operator_client.get(reverse("floor:qc"))
    assert floor["job"].code in qc.content.decode() and 'alt="Sheet 1 of run' in qc.content.decode()
    passed = reverse("floor:qc_pass", kwargs={"code": floor["job"].code})
    assert operator_client.post(passed).status_code == 302
    assert operator_client.post(passed).status_code == 302  # a double tap: still Ready
    assert Project.objects.get(pk=floor["job"].pk).status == "ready"


def test_a_pause_from_htmx_answers_the_clock(operator_client, floor):
    run = started(floor)
    url = reverse("floor:run_pause", kwargs={"pk": run.pk})
    response = operator_client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b'id="run-clock"' in response.content
    assert b"Resume" in response.content
    clock = operator_client.get(reverse("floor:run_clock", kwargs={"pk": run.pk}))
    assert b"Paused" in clock.content


# --- refusals change nothing --------------------------------------------------------------------


def test_a_start_short_of_stock_is_refused_with_the_reason(operator_client, floor):
    with unchanged(FloorRun, Project, QueueItem, SheetStock):
        response = operator_client.post(reverse("floor:run_start_go"), start_form(floor, sheets=11))
    assert response.status_code == 422
    assert "Not enough" in response.content.decode() and "10 on hand" in response.content.decode()


def test_a_start_with_nonsense_is_refused_with_the_reason(operator_client, floor):
    with unchanged(FloorRun, Project):
        response = operator_client.post(
            reverse("floor:run_start_go"), start_form(floor, sheets="lots", jobs=[])
        )
    assert response.status_code == 422
    assert "Choose the job" in response.content.decode()


def test_a_user_who_is_not_an_operator_is_told_so(client, floor, make_user):
    client.force_login(make_user("mgr", role="Manager"))
    with unchanged(FloorRun):
        response = client.post(reverse("floor:run_start_go"), start_form(floor))
    assert response.status_code == 422 and "not set up as an operator" in response.content.decode()


def test_a_sheet_without_the_5h_is_refused_and_changes_nothing(operator_client, floor):
    run = started(floor)
    ticks = dict(ALL_TICKS)
    del ticks["check_hold_downs"]
    with unchanged(FloorRunSheet, Offcut):
        response = operator_client.post(
            reverse("floor:run_sheet", kwargs={"pk": run.pk, "number": 1}),
            {"parts_cut": "5", "photo": photo(), **ticks},
        )
    assert response.status_code == 422
    assert "tick Hold-downs before the sheet counts" in response.content.decode()


def test_a_small_remnant_and_a_bad_photo_are_refused_with_the_reason(operator_client, floor):
    run = started(floor)
    with unchanged(FloorRunSheet, Offcut):
        small = sheet_post(operator_client, run, 1, offcut_width_mm="100", offcut_length_mm="200")
        broken = sheet_post(operator_client, run, 1, photo=_broken())
    assert small.status_code == 422 and "too small to keep" in small.content.decode()
    assert broken.status_code == 422 and "not a photo this page can read" in broken.content.decode()


def _broken():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("x.jpg", b"\xff\xd8\xff not a picture", "image/jpeg")


def test_finishing_with_a_sheet_unchecked_is_refused(operator_client, floor):
    run = started(floor)
    with unchanged(LaserRun, StockMovement, FloorRun):
        response = operator_client.post(
            reverse("floor:run_finish", kwargs={"pk": run.pk}),
            {"minutes": "10", f"parts-{floor['job'].pk}": "10"},
        )
    assert response.status_code == 422 and "is not checked yet" in response.content.decode()


def test_qc_fail_without_a_reason_is_refused_and_with_one_requeues(operator_client, floor):
    run = started(floor, sheets=1)
    floor_sheet_record(
        sheet=run.sheets.get(), given=floor_shop_record(), photo=photo(), by=floor["user"]
    )
    floor_run_finish(run=run, minutes=5, parts={floor["job"].pk: 10}, by=floor["user"])
    url = reverse("floor:qc_fail", kwargs={"code": floor["job"].code})
    with unchanged(Project, QueueItem):
        refused = operator_client.post(url, {"reason": "  "})
    assert refused.status_code == 422 and "Say what is wrong" in refused.content.decode()
    assert operator_client.post(url, {"reason": "dross on the edges"}).status_code == 302
    job = Project.objects.get(pk=floor["job"].pk)
    assert job.status == "queued"
    assert "dross on the edges" in QueueItem.objects.active().get(project=job).notes


def floor_shop_record():
    from production.services import SheetRecord

    return SheetRecord(checks=ALL_FIVE, parts_cut=10)


# --- query counts --------------------------------------------------------------------------------


def _same_queries(client, url: str, grow, marker: str) -> None:
    """The page at 5 rows and at 50 runs the same number of queries (and did show more rows)."""
    counts, rows = [], []
    for n in (5, 50):
        grow(n)
        queries, response = count_queries(lambda: client.get(url))
        assert response.status_code == 200
        counts.append(queries)
        rows.append(response.content.decode().count(marker))
    assert rows[1] > rows[0], rows
    assert counts[0] == counts[1], (
        f"{counts[0]} queries at {rows[0]} rows, {counts[1]} at {rows[1]}"
    )


def test_the_run_page_runs_the_same_queries_at_5_and_50_sheets(operator_client, floor):
    floor["stock"].quantity_on_hand = 100
    floor["stock"].save()
    runs: dict[int, FloorRun] = {}

    def grow(n):
        FloorRun.objects.all().delete()
        runs[0] = floor_run_start(
            machine=floor["machine"],
            operator=floor["operator"],
            projects=[floor["job"]],
            sheets=[SheetsWanted(floor["stock"], n)],
            token=f"g{n}",
            by=None,
        )
        for sheet in runs[0].sheets.all()[: n - 1]:
            floor_sheet_record(sheet=sheet, given=floor_shop_record(), photo=photo(20, 10))

    counts = []
    for n in (5, 50):
        grow(n)
        url = reverse("floor:run", kwargs={"pk": runs[0].pk})
        queries, response = count_queries(lambda url=url: operator_client.get(url))
        assert response.content.decode().count('class="card sheet') == n
        counts.append(queries)
    assert counts[0] == counts[1]


def test_the_qc_page_runs_the_same_queries_at_5_and_50_jobs(operator_client, floor):
    def grow(n):
        while Project.objects.filter(status="qc").count() < n:
            job = queued_job(quantity=1)
            run = floor_run_start(
                machine=floor["machine"],
                operator=floor["operator"],
                projects=[job],
                sheets=[SheetsWanted(floor["stock"], 1)],
                token=f"qc{job.pk}",
            )
            floor["stock"].quantity_on_hand = 10
            SheetStock.objects.filter(pk=floor["stock"].pk).update(quantity_on_hand=10)
            floor_sheet_record(
                sheet=run.sheets.get(),
                given=floor_shop_record(),
                photo=photo(20, 10),
            )
            floor_run_finish(run=run, minutes=3, parts={job.pk: 1})

    _same_queries(operator_client, reverse("floor:qc"), grow, 'class="card qc-job"')


def test_the_runs_page_runs_the_same_queries_at_5_and_50_runs(operator_client, floor):
    def grow_runs(n):
        while FloorRun.objects.open().count() < n:
            i = FloorRun.objects.count()
            floor_run_start(
                machine=MachineFactory(code=f"M{i:02d}"),
                operator=floor["operator"],
                projects=[queued_job()],
                sheets=[SheetsWanted(SheetStockFactory(quantity_on_hand=1), 1)],
                token=f"r{i}",
            )

    _same_queries(operator_client, reverse("floor:runs"), grow_runs, 'class="card run-card"')


def test_the_start_page_runs_the_same_queries_at_5_and_50_queue_items(operator_client, floor):
    def grow_queue(n):
        while QueueItem.objects.filter(machine=floor["machine"]).count() < n:
            queued_job()

    url = reverse("floor:run_start") + "?machine=X3"
    _same_queries(operator_client, url, grow_queue, 'class="run-lead__item')
