"""Runs in progress at the machine: start, pause, each sheet's checklist, finish, stop; and QC."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from inventory.models import Offcut, SheetStock, StockMovement
from inventory.tests.factories import MaterialFactory, SheetStockFactory
from laseros.models import ActivityLog
from laseros.testing import unchanged
from production.models import (
    FloorRun,
    FloorRunPause,
    FloorRunStatus,
    LaserRun,
    QueueItem,
    QueueStatus,
)
from production.services import (
    SheetRecord,
    floor_run_finish,
    floor_run_pause,
    floor_run_resume,
    floor_run_start,
    floor_run_stop,
    floor_sheet_record,
    qc_fail,
    qc_pass,
)
from production.services.floor_runs import presets_for, run_minutes
from production.services.floor_sheets import PHOTO_MAX_SIDE_PX
from production.tests import floor_shop
from production.tests.factories import CutPresetFactory, MachineFactory, make_project
from production.tests.floor_shop import ALL_FIVE, photo, queued_job
from projects.models import Project

pytestmark = pytest.mark.django_db

floor = floor_shop.floor  # the fixture


def start(floor, *, jobs=None, sheets=2, token="t1", **extra) -> FloorRun:
    return floor_run_start(
        machine=floor["machine"],
        operator=floor["operator"],
        projects=jobs or [floor["job"]],
        sheets=[(floor["stock"], sheets)],
        token=token,
        by=floor["user"],
        **extra,
    )


def check(sheet, *, by, parts=5, scrap=0, **extra):
    extra.setdefault("photo", photo())
    return floor_sheet_record(
        sheet=sheet,
        given=SheetRecord(
            checks=extra.pop("checks", ALL_FIVE),
            parts_cut=parts,
            scrap_parts=scrap,
            offcut_width_mm=extra.pop("offcut_width_mm", None),
            offcut_length_mm=extra.pop("offcut_length_mm", None),
        ),
        by=by,
        **extra,
    )


# --- start ----------------------------------------------------------------------------------------


def test_start_holds_the_sheets_moves_the_job_into_cutting_and_is_audited(floor):
    run = start(floor)
    assert run.status == FloorRunStatus.RUNNING
    assert run.preset == floor["preset"]  # suggested: air before nitrogen
    assert [s.number for s in run.sheets.all()] == [1, 2]
    floor["job"].refresh_from_db()
    assert floor["job"].status == "cutting"
    assert QueueItem.objects.get(project=floor["job"]).status == QueueStatus.CUTTING
    # held, not yet taken: stock leaves once, when the run is recorded
    assert SheetStock.objects.get(pk=floor["stock"].pk).quantity_on_hand == 10
    entry = ActivityLog.objects.filter(
        content_type__model="floorrun", object_id=str(run.pk), action="create"
    ).get()
    assert entry.actor == floor["user"] and floor["job"].code in str(entry.changes)


def test_the_same_start_form_sent_twice_starts_one_run(floor):
    first = start(floor, token="same")
    again = start(floor, token="same")
    assert again.pk == first.pk
    assert FloorRun.objects.count() == 1


def test_a_machine_runs_one_nest_at_a_time(floor):
    start(floor, token="a")
    other = queued_job()
    with pytest.raises(ValidationError, match="already has a run in progress"):
        start(floor, jobs=[other], token="b", sheets=1)


def test_mixed_thickness_in_one_nest_is_refused_and_nothing_changes(floor):
    five = queued_job(thickness_mm=Decimal("5"))
    with (
        unchanged(FloorRun.objects.all(), Project.objects.all(), QueueItem.objects.all()),
        pytest.raises(ValidationError, match="No mixed thickness in a nest"),
    ):
        start(floor, jobs=[floor["job"], five])


def test_one_nest_may_serve_several_jobs_of_one_thickness(floor):
    other = queued_job(quantity=4)
    run = start(floor, jobs=[floor["job"], other])
    assert {j.project_id for j in run.jobs.all()} == {floor["job"].pk, other.pk}
    assert Project.objects.get(pk=other.pk).status == "cutting"


def test_sheets_held_by_another_run_are_not_there_to_start_on(floor):
    second = MachineFactory(code="X3B")
    floor_run_start(
        machine=second,
        operator=floor["operator"],
        projects=[queued_job()],
        sheets=[(floor["stock"], 9)],
        token="x3b",
        by=None,
    )
    with pytest.raises(ValidationError) as refused:
        start(floor, sheets=2)
    assert "Not enough" in str(refused.value) and "9 held by runs in progress" in str(refused.value)


def test_sheets_of_another_thickness_or_a_job_off_the_queue_are_refused(floor):
    five = SheetStockFactory(material=floor["stock"].material, thickness_mm=Decimal("5"))
    with pytest.raises(ValidationError, match="thickness"):
        floor_run_start(
            machine=floor["machine"],
            operator=floor["operator"],
            projects=[floor["job"]],
            sheets=[(five, 1)],
            token="t",
        )
    quoting = make_project(status="quoting")
    with pytest.raises(ValidationError, match="only a job on the queue"):
        start(floor, jobs=[quoting])


def test_the_suggested_preset_is_the_jobs_material_and_thickness_air_first(floor):
    other = CutPresetFactory(material=MaterialFactory(code="SS"), thickness_mm=Decimal("3"))
    presets = presets_for([floor["job"]])
    assert presets[0] == floor["preset"] and floor["nitrogen"] in presets
    assert other not in presets


# --- pause and resume -----------------------------------------------------------------------------


def test_pauses_are_not_the_machines_minutes_and_a_second_pause_does_nothing(floor):
    run = start(floor)
    floor_run_pause(run=run, by=floor["user"])
    floor_run_pause(run=run, by=floor["user"])
    assert FloorRunPause.objects.filter(run=run).count() == 1
    assert FloorRun.objects.get(pk=run.pk).status == FloorRunStatus.PAUSED
    floor_run_resume(run=run, by=floor["user"])
    floor_run_resume(run=run, by=floor["user"])
    assert FloorRun.objects.get(pk=run.pk).status == FloorRunStatus.RUNNING
    # 40 minutes on the clock, 15 of them paused
    now = run.started_at + dt.timedelta(minutes=40)
    FloorRunPause.objects.filter(run=run).update(
        started_at=run.started_at + dt.timedelta(minutes=10),
        ended_at=run.started_at + dt.timedelta(minutes=25),
    )
    assert run_minutes(FloorRun.objects.get(pk=run.pk), now=now) == 25
    moves = ActivityLog.objects.filter(
        content_type__model="floorrun", object_id=str(run.pk), action="transition"
    )
    assert moves.count() == 2  # paused, resumed: the repeats wrote nothing


# --- per sheet ------------------------------------------------------------------------------------


def test_a_sheet_counts_only_with_all_five_checks_and_a_photo(floor):
    run = start(floor)
    sheet = run.sheets.get(number=1)
    with (
        unchanged(run.sheets.all(), Offcut.objects.all()),
        pytest.raises(ValidationError) as refused,
    ):
        check(sheet, by=floor["user"], checks=ALL_FIVE - {"check_hazards"}, photo=None)
    assert "tick Hazards" in str(refused.value) and "Take a photo" in str(refused.value)
    checked = check(sheet, by=floor["user"], parts=5, scrap=1)
    assert checked.checked_at is not None and checked.parts_cut == 5 and checked.scrap_parts == 1
    assert ActivityLog.objects.filter(
        content_type__model="floorrun", object_id=str(run.pk), message__contains="sheet 1"
    ).exists()


def test_the_photo_is_turned_upright_and_made_smaller(floor):
    run = start(floor)
    # a 2000×1000 picture taken with the tablet turned a quarter (EXIF orientation 6)
    sheet = check(run.sheets.get(number=1), by=None, photo=photo(orientation=6))
    with Image.open(sheet.photo.path) as kept:
        assert kept.format == "JPEG"
        assert max(kept.size) <= PHOTO_MAX_SIDE_PX
        assert kept.size[1] > kept.size[0]  # upright: taller than wide


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("s.jpg", b"\xff\xd8\xff\xe0not really a jpeg", "image/jpeg"),
        SimpleUploadedFile("s.gif", b"GIF89a" + b"\0" * 40, "image/gif"),
        SimpleUploadedFile("s.jpg", b"", "image/jpeg"),
    ],
    ids=["broken", "not-a-camera-photo", "empty"],
)
def test_a_bad_photo_is_refused_clearly_and_changes_nothing(floor, upload):
    run = start(floor)
    sheet = run.sheets.get(number=1)
    with unchanged(run.sheets.all()), pytest.raises(ValidationError) as refused:
        check(sheet, by=None, photo=upload)
    assert "photo" in refused.value.message_dict


def test_a_truncated_photo_is_refused(floor):
    whole = photo().read()
    run = start(floor)
    with pytest.raises(ValidationError, match="not a photo this page can read"):
        check(
            run.sheets.get(number=1),
            by=None,
            photo=SimpleUploadedFile("t.jpg", whole[: len(whole) // 2], "image/jpeg"),
        )


def test_a_remnant_over_the_minimum_is_kept_with_its_size_and_a_smaller_one_refused(floor):
    run = start(floor)
    first, second = run.sheets.order_by("number")
    with (
        unchanged(Offcut.objects.all(), run.sheets.all()),
        pytest.raises(ValidationError) as refused,
    ):
        check(first, by=None, offcut_width_mm=100, offcut_length_mm=400)
    assert "too small to keep" in str(refused.value) and "Leave the size empty" in str(
        refused.value
    )
    kept = check(first, by=None, offcut_width_mm=600, offcut_length_mm=400).offcut
    assert (kept.width_mm, kept.length_mm) == (400, 600)  # the shorter side first
    assert kept.source_stock == floor["stock"] and kept.tag.startswith("OC-")
    assert check(second, by=None).offcut is None


def test_a_sheet_recorded_twice_is_recorded_once(floor):
    run = start(floor)
    sheet = run.sheets.get(number=1)
    check(sheet, by=None, parts=5)
    again = check(sheet, by=None, parts=99)
    assert again.parts_cut == 5
    assert ActivityLog.objects.filter(message__contains="sheet 1 checked").count() == 1


# --- finish ---------------------------------------------------------------------------------------


def finish(run, floor, *, parts=10, minutes=42):
    return floor_run_finish(
        run=run, minutes=minutes, parts={floor["job"].pk: parts}, by=floor["user"]
    )


def test_finish_refuses_while_a_sheet_is_unchecked(floor):
    run = start(floor)
    check(run.sheets.get(number=1), by=None)
    with (
        unchanged(LaserRun.objects.all(), StockMovement.objects.all()),
        pytest.raises(ValidationError, match="Sheet 2 is not checked yet"),
    ):
        finish(run, floor)


def test_finish_records_the_run_takes_the_sheets_once_and_the_job_goes_to_qc(floor):
    run = start(floor)
    for sheet in run.sheets.all():
        check(sheet, by=None, parts=5, scrap=1)
    finished = finish(run, floor, parts=10, minutes=42)
    again = finish(run, floor, parts=10, minutes=42)  # a double tap
    assert again.laser_run_id == finished.laser_run_id and LaserRun.objects.count() == 1
    laser_run = finished.laser_run
    assert finished.status == FloorRunStatus.FINISHED
    assert laser_run.duration_minutes == 42 and laser_run.parts_cut == 10
    assert laser_run.scrap_parts == 2 and laser_run.preset == floor["preset"]
    assert SheetStock.objects.get(pk=floor["stock"].pk).quantity_on_hand == 8
    assert [s.quantity for s in laser_run.sheets.all()] == [2]
    assert laser_run.photos.count() == 2
    assert Project.objects.get(pk=floor["job"].pk).status == "qc"
    assert ActivityLog.objects.filter(
        content_type__model="laserrun", object_id=str(laser_run.pk), action="create"
    ).exists()


def test_finish_with_parts_still_to_cut_leaves_the_job_cutting(floor):
    run = start(floor, sheets=1)
    check(run.sheets.get(), by=None)
    finish(run, floor, parts=4)
    assert Project.objects.get(pk=floor["job"].pk).status == "cutting"


def test_finish_refuses_bad_minutes_and_parts_and_changes_nothing(floor):
    run = start(floor, sheets=1)
    check(run.sheets.get(), by=None)
    with (
        unchanged(LaserRun.objects.all(), FloorRun.objects.all()),
        pytest.raises(ValidationError) as refused,
    ):
        floor_run_finish(run=run, minutes=0, parts={floor["job"].pk: -3}, by=None)
    assert {"minutes", "parts"} <= set(refused.value.message_dict)


def test_a_stopped_run_takes_nothing_and_puts_its_job_back_on_the_queue(floor):
    run = start(floor)
    with pytest.raises(ValidationError, match="Say why"):
        floor_run_stop(run=run, reason=" ", by=None)
    floor_run_stop(run=run, reason="wrong plate loaded", by=None)
    assert FloorRun.objects.get(pk=run.pk).status == FloorRunStatus.STOPPED
    assert SheetStock.objects.get(pk=floor["stock"].pk).quantity_on_hand == 10
    assert Project.objects.get(pk=floor["job"].pk).status == "queued"
    assert QueueItem.objects.get(project=floor["job"]).status == QueueStatus.QUEUED
    start(floor, token="again")  # the machine and the sheets are free again


# --- QC -------------------------------------------------------------------------------------------


@pytest.fixture
def in_qc(floor):
    run = start(floor)
    for sheet in run.sheets.all():
        check(sheet, by=None)
    finish(run, floor, parts=10)
    job = Project.objects.get(pk=floor["job"].pk)
    assert job.status == "qc"
    return job


def test_qc_pass_makes_the_job_ready_once(in_qc, floor):
    qc_pass(project=in_qc, by=floor["user"])
    qc_pass(project=in_qc, by=floor["user"])
    job = Project.objects.get(pk=in_qc.pk)
    assert job.status == "ready"
    assert job.status_changes.filter(to_status="ready").count() == 1


def test_qc_fail_sends_the_job_back_on_the_queue_with_the_reason(in_qc, floor):
    with pytest.raises(ValidationError, match="Say what is wrong"):
        qc_fail(project=in_qc, reason="", by=floor["user"])
    qc_fail(project=in_qc, reason="burrs on every hole", by=floor["user"])
    qc_fail(project=in_qc, reason="burrs on every hole", by=floor["user"])  # a double tap
    job = Project.objects.get(pk=in_qc.pk)
    assert job.status == "queued"
    assert job.status_changes.filter(reason__contains="burrs on every hole").count() == 2
    item = QueueItem.objects.active().get(project=job)
    assert item.machine == floor["machine"] and "burrs on every hole" in item.notes
    assert ActivityLog.objects.filter(message__contains="QC failed: burrs").exists()


def test_qc_refuses_a_job_that_is_not_in_qc(floor):
    with pytest.raises(ValidationError, match="not in QC"):
        qc_pass(project=floor["job"], by=None)
    with pytest.raises(ValidationError, match="not in QC"):
        qc_fail(project=floor["job"], reason="bent", by=None)
