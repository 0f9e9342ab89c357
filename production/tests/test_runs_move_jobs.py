"""A laser run moves the work on: the queue item and the job follow the parts cut (issue 10),
through projects' own transition service (its gates, history and audit); a job's share of a run
is measured from its drawings when nobody typed it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ingest.tests.factories import file_row
from laseros.models import ActivityLog
from laseros.testing import unchanged
from production import services
from production.models import LaserRun, LaserRunProject, QueueItem
from projects.models import Project, ProjectStatusChange
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(make_run_shop):
    return make_run_shop(on_hand=20)


def job(status="paid", quantity=50, **fields):
    project = ProjectFactory(quantity=quantity, **fields)
    now = timezone.now()
    values = {"status": status}
    if status == "on_hold":
        values.update(status_before_hold="queued", status_reason="waiting for steel")
    if status in {"paid", "queued", "cutting", "qc", "ready"}:
        values["pop_received_at"] = now
    Project.objects.filter(pk=project.pk).update(**values)
    project.refresh_from_db()
    return project


def queued_job(**fields):
    project = job("paid", **fields)
    services.queue_paid_project(project=project, by=None)
    project.refresh_from_db()
    assert project.status == "queued"
    return project


def run(shop, *rows, sheets=1, by=None):
    end = timezone.now()
    return services.run_record(
        machine=shop["machine"],
        operator=shop["operator"],
        preset=shop["preset"],
        started_at=end - dt.timedelta(minutes=30),
        ended_at=end,
        projects=list(rows),
        sheets=[(shop["stock"], sheets)] if sheets else [],
        by=by,
    )


def moves(project):
    return list(
        ProjectStatusChange.objects.filter(project=project)
        .order_by("changed_at", "id")
        .values_list("from_status", "to_status")
    )


def item_of(project):
    return QueueItem.objects.get(project=project)


def test_a_run_that_cuts_every_part_moves_the_job_to_qc_and_its_item_to_done(shop, make_user):
    user = make_user("op")
    project = queued_job(quantity=50)
    run(shop, (project, 50, 0, 0), by=user)
    project.refresh_from_db()
    assert project.status == "qc"
    assert moves(project)[-2:] == [("queued", "cutting"), ("cutting", "qc")]
    change = ProjectStatusChange.objects.filter(project=project).latest("id")
    assert change.changed_by == user and "50 of 50" in change.reason
    item = item_of(project)
    assert (item.status, item.position, item.finished_at is not None) == ("done", None, True)
    audit = ActivityLog.objects.filter(action="transition").values_list("message", flat=True)
    assert any("Cutting → QC" in m for m in audit)


def test_a_partial_run_moves_a_queued_job_into_cutting_and_the_last_run_to_qc(shop):
    project = queued_job(quantity=50)
    other = queued_job(quantity=5)
    run(shop, (project, 20, 0, 0))
    project.refresh_from_db()
    assert project.status == "cutting" and item_of(project).status == "cutting"
    assert item_of(other).position == 2  # the other job keeps its place
    run(shop, (project, 20, 0, 0))
    project.refresh_from_db()
    assert project.status == "cutting" and item_of(project).status == "cutting"
    run(shop, (project, 10, 0, 0), (other, 5, 0, 0))
    project.refresh_from_db()
    other.refresh_from_db()
    assert (project.status, other.status) == ("qc", "qc")
    assert {item_of(project).status, item_of(other).status} == {"done"}
    assert moves(project)[-2:] == [("queued", "cutting"), ("cutting", "qc")]


def test_a_paid_job_with_no_queue_item_is_queued_on_the_runs_machine_and_moves_on(shop):
    project = job("paid", quantity=10)
    run(shop, (project, 4, 0, 0))
    project.refresh_from_db()
    assert project.status == "cutting"
    item = item_of(project)
    assert (item.machine, item.status) == (shop["machine"], "cutting")
    assert moves(project)[-2:] == [("paid", "queued"), ("queued", "cutting")]


def test_a_recut_after_qc_failed_moves_the_job_back_to_qc(shop):
    from projects.services import project_transition

    project = queued_job(quantity=10)
    run(shop, (project, 10, 0, 0))
    project_transition(project=project, to="cutting", by=None, reason="QC failed: burrs")
    run(shop, (project, 2, 0, 0))
    project.refresh_from_db()
    assert project.status == "qc"


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("approved", "No production until paid"),
        ("quoting", "cannot go from Quoting"),
        ("on_hold", "is on hold (waiting for steel): resume it"),
        ("cancelled", "cannot go from Cancelled"),
        ("completed", "cannot go from Completed"),
    ],
)
def test_a_run_for_a_job_not_released_to_production_is_refused_and_changes_nothing(
    shop, status, words
):
    project = job(status, quantity=10)
    kept = (Project, QueueItem, LaserRun, LaserRunProject, type(shop["stock"]))
    with unchanged(*kept), pytest.raises(ValidationError) as refused:
        run(shop, (project, 10, 0, 0))
    text = " ".join(refused.value.messages)
    assert project.code in text and words in text


def test_a_run_for_a_job_in_qc_or_ready_is_recorded_and_moves_nothing(shop):
    for status in ("qc", "ready"):
        project = job(status, quantity=10)
        run(shop, (project, 3, 0, 0))
        project.refresh_from_db()
        assert project.status == status


# --- the job's share, from its measured drawings -----------------------------------------------


def test_the_share_is_measured_from_the_jobs_drawings_times_the_parts_cut(shop):
    bracket = queued_job(quantity=50)
    plate = queued_job(quantity=4)
    file_row(
        project=bracket,
        metadata={"cut_length_mm": 420.5, "area_mm2": 6100.0, "pierce_count": 3, "quantity": 50},
    )
    old = file_row(project=plate, metadata={"cut_length_mm": 9999.0, "area_mm2": 1.0})
    newer = file_row(
        project=plate, metadata={"cut_length_mm": 1500.0, "area_mm2": 90000.0, "pierce_count": 5}
    )
    # The plate's drawing was replaced: only its newest version counts.
    type(newer).objects.filter(pk=newer.pk).update(part=old.part, version=2)
    file_row(project=plate, status="failed", metadata={"cut_length_mm": 5.0, "area_mm2": 5.0})
    laser_run = run(shop, (bracket, 50, 0, 0), (plate, 4, None, None))
    shares = {rp.project_id: rp for rp in laser_run.project_shares.all()}
    b, p = shares[bracket.pk], shares[plate.pk]
    assert (b.cut_length_mm, b.area_mm2, b.pierce_count) == (
        Decimal("21025.0"),
        Decimal("305000.0"),
        150,
    )
    assert (p.cut_length_mm, p.area_mm2, p.pierce_count) == (
        Decimal("6000.0"),
        Decimal("360000.0"),
        20,
    )
    # (21025 / 27025 + 305000 / 665000) / 2
    assert b.share == Decimal("0.618315") and b.share + p.share == 1


def test_several_drawings_of_a_job_are_measured_per_piece_by_their_quantities(shop):
    project = queued_job(quantity=30)
    file_row(project=project, metadata={"cut_length_mm": 100.0, "area_mm2": 10.0, "quantity": 10})
    file_row(project=project, metadata={"cut_length_mm": 400.0, "area_mm2": 40.0, "quantity": 20})
    laser_run = run(shop, (project, 30, None, None))
    share = laser_run.project_shares.get()
    # 10 × 100 + 20 × 400 mm for the 30 pieces
    assert (share.cut_length_mm, share.area_mm2) == (Decimal("9000.0"), Decimal("900.0"))


def test_typed_measures_win_and_a_job_without_drawings_keeps_zero(shop):
    measured = queued_job(quantity=10)
    bare = queued_job(quantity=10)
    file_row(project=measured, metadata={"cut_length_mm": 100.0, "area_mm2": 10.0})
    laser_run = run(shop, (measured, 10, 777, 55), (bare, 10, 0, 0))
    shares = {rp.project_id: rp for rp in laser_run.project_shares.all()}
    assert (shares[measured.pk].cut_length_mm, shares[measured.pk].area_mm2) == (777, 55)
    assert (shares[bare.pk].cut_length_mm, shares[bare.pk].area_mm2) == (0, 0)


def test_a_measure_too_large_to_keep_is_refused_with_a_message(shop):
    project = queued_job(quantity=10)
    file_row(project=project, metadata={"cut_length_mm": 1e12, "area_mm2": 1e15})
    with (
        unchanged(LaserRun, LaserRunProject, Project),
        pytest.raises(ValidationError, match="too large"),
    ):
        run(shop, (project, 10, None, None))
