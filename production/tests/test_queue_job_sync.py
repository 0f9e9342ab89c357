"""The queue and the job in step (issue 12, point 2), whichever way the change comes: a job moved
in projects (a manager's override, a bulk action, On hold, Cancelled, resume, QC by hand) takes
its queue item with it; an item moved by hand (the admin, the API, the floor's services) takes
its job with it, or is refused with the gate's message and changes nothing."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ingest.tests.factories import file_row
from laseros.models import ActivityLog
from laseros.testing import unchanged
from production import receivers, services
from production.models import QueueItem
from production.services.queue_sync import queue_follow_job
from production.tests.factories import CutPresetFactory, MachineFactory
from projects.models import Project, ProjectStatusChange
from projects.services import project_transition
from projects.tests.factories import ProjectFactory, material

pytestmark = pytest.mark.django_db


def job(status="paid", quantity=10, **fields):
    project = ProjectFactory(quantity=quantity, **fields)
    values = {"status": status}
    if status in {"paid", "queued", "cutting", "qc", "ready"}:
        values["pop_received_at"] = timezone.now()
    Project.objects.filter(pk=project.pk).update(**values)
    project.refresh_from_db()
    return project


def active(project):
    return list(QueueItem.objects.filter(project=project, status__in=["queued", "cutting"]))


def statuses(project):
    return list(
        QueueItem.objects.filter(project=project).order_by("pk").values_list("status", flat=True)
    )


def moved(project, to, committed, by=None, **kwargs):
    with committed():
        project_transition(project=project, to=to, by=by, **kwargs)
    project.refresh_from_db()
    return project


@pytest.fixture
def x3():
    return MachineFactory(code="X3")


# --- the job moves, the queue follows ---------------------------------------------------------


def test_a_managers_override_into_queued_gets_one_queue_item_once(x3, make_user, committed):
    manager = make_user("manager", role="Manager")
    project = job("approved")  # a cash client, unpaid: the payment gate fails
    moved(project, "queued", committed, by=manager, override=True, reason="trusted client")
    assert project.status == "queued"
    (item,) = active(project)
    assert (item.machine, item.position, item.status) == (x3, 1, "queued")
    # the signal again (a retry, a second worker): nothing more
    change = project.status_changes.latest("id")
    for _ in range(2):
        receivers.on_project_status_changed(
            sender=Project,
            project=project,
            from_status="approved",
            to_status="queued",
            by=manager,
            change=change,
        )
    assert statuses(project) == ["queued"]


def test_a_bulk_move_to_queued_in_the_admin_queues_each_job(x3, admin_user_client, committed):
    jobs = [job("paid"), job("paid")]
    with committed():
        answer = admin_user_client.post(
            reverse("admin:projects_project_changelist"),
            {"action": "move_to_queued", "_selected_action": [p.pk for p in jobs]},
        )
    assert answer.status_code == 302
    for project in jobs:
        project.refresh_from_db()
        assert project.status == "queued"
        assert [i.machine for i in active(project)] == [x3]
    positions = QueueItem.objects.filter(machine=x3).values_list("position", flat=True)
    assert sorted(positions) == [1, 2]


def test_on_hold_takes_the_item_off_and_resuming_puts_it_back_on_its_machine(committed):
    MachineFactory(code="A1")  # the default machine (lowest code)
    x3 = MachineFactory(code="X3")
    project = job("paid", priority="high")
    others = [job("paid"), job("paid", priority="high")]
    services.queue_add(project=project, machine=x3)
    for other in others:
        services.queue_add(project=other, machine=x3, priority=other.priority)
    project.refresh_from_db()
    moved(project, "on_hold", committed, reason="waiting for steel")
    assert active(project) == [] and statuses(project) == ["cancelled"]
    held = QueueItem.objects.get(project=project)
    assert held.position is None
    audit = ActivityLog.objects.filter(content_type__model="queueitem", object_id=str(held.pk))
    assert any("waiting for steel" in m for m in audit.values_list("message", flat=True))
    # the others close the gap
    assert sorted(i.position for o in others for i in active(o)) == [1, 2]
    moved(project, "queued", committed, reason="steel in")
    (back,) = active(project)
    # its machine, not the default one; at the end of the High jobs, ahead of the Normal one
    assert (back.machine, back.status, back.priority, back.position) == (x3, "queued", "high", 2)
    assert statuses(project) == ["cancelled", "queued"]


def test_a_cancelled_job_leaves_the_queue(x3, committed):
    project = job("paid")
    item = services.queue_add(project=project, machine=x3)
    project.refresh_from_db()
    moved(project, "cancelled", committed, reason="client withdrew")
    item.refresh_from_db()
    assert (item.status, item.position) == ("cancelled", None)


def test_cutting_and_qc_by_hand_move_the_item_and_a_qc_fail_queues_it_again(x3, committed):
    project = job("paid")
    services.queue_add(project=project, machine=x3)
    project.refresh_from_db()
    moved(project, "cutting", committed)
    assert [i.status for i in active(project)] == ["cutting"]
    moved(project, "qc", committed)
    assert active(project) == [] and statuses(project) == ["done"]
    # QC failed: back to cutting, then back to the queue (the floor's "fail": → Queued)
    with committed():
        project_transition(project=project, to="cutting", by=None, reason="QC failed: burrs")
        project_transition(project=project, to="queued", by=None, reason="recut tomorrow")
    (again,) = active(project)
    assert (again.machine, again.status) == (x3, "queued")


def test_taking_the_job_off_the_queue_in_projects_takes_its_item_out(x3, committed):
    project = job("paid")
    services.queue_add(project=project, machine=x3)
    project.refresh_from_db()
    moved(project, "paid", committed, reason="material on back order")
    assert active(project) == [] and statuses(project) == ["cancelled"]


def test_following_the_job_twice_does_nothing_the_second_time(x3):
    project = job("queued")
    first = queue_follow_job(project=project)
    entries = ActivityLog.objects.count()
    assert queue_follow_job(project=project) == first
    assert ActivityLog.objects.count() == entries and len(active(project)) == 1


def test_a_job_with_two_active_items_keeps_one(x3):
    other = MachineFactory(code="X4")
    project = job("queued")
    QueueItem.objects.create(machine=x3, project=project, position=1)
    QueueItem.objects.create(machine=other, project=project, position=1)
    kept = queue_follow_job(project=project)
    assert [i.pk for i in active(project)] == [kept.pk]


def test_no_active_machine_is_recorded_on_the_job_and_the_move_stands(committed):
    project = job("approved")
    Project.objects.filter(pk=project.pk).update(status="queued")
    project.refresh_from_db()
    receivers.on_project_status_changed(
        sender=Project, project=project, from_status="cutting", to_status="queued"
    )
    project.refresh_from_db()
    assert project.status == "queued" and active(project) == []
    assert ActivityLog.objects.filter(
        message__contains="its queue item did not follow", message__icontains="no active machine"
    ).exists()


# --- the item moves, the job follows ----------------------------------------------------------


def test_the_service_moves_the_job_with_its_item(x3):
    project = job("paid")
    item = services.queue_add(project=project, machine=x3)
    project.refresh_from_db()
    assert project.status == "queued"
    assert "queued on X3" in project.status_changes.latest("id").reason
    services.queue_start(item=item)
    project.refresh_from_db()
    assert project.status == "cutting"
    services.queue_set_status(item=item, to="queued", reason="nozzle change")
    project.refresh_from_db()
    assert project.status == "queued" and "nozzle change" in project.status_reason
    services.queue_start(item=item)
    services.queue_complete(item=item)
    project.refresh_from_db()
    assert project.status == "qc"
    moves = list(project.status_changes.order_by("id").values_list("from_status", "to_status"))
    assert moves[-4:] == [
        ("queued", "cutting"),
        ("cutting", "queued"),
        ("queued", "cutting"),
        ("cutting", "qc"),
    ]


def test_the_admin_actions_move_the_job(x3, admin_user_client):
    started, removed = job("paid"), job("paid")
    items = [services.queue_add(project=p, machine=x3) for p in (started, removed)]
    url = reverse("admin:production_queueitem_changelist")
    admin_user_client.post(url, {"action": "start_cutting", "_selected_action": [items[0].pk]})
    admin_user_client.post(url, {"action": "remove", "_selected_action": [items[1].pk]})
    started.refresh_from_db()
    removed.refresh_from_db()
    assert (started.status, removed.status) == ("cutting", "paid")
    admin_user_client.post(url, {"action": "complete", "_selected_action": [items[0].pk]})
    started.refresh_from_db()
    assert started.status == "qc"


def test_the_api_moves_the_job(x3, api):
    client = api("Manager")
    project, other = job("paid"), job("paid")
    answer = client.post("/api/v1/queue/", {"project": project.pk, "machine": x3.pk})
    assert answer.status_code == 201, answer.content
    project.refresh_from_db()
    assert project.status == "queued"
    pk = answer.json()["id"]
    assert client.post(f"/api/v1/queue/{pk}/start/").json()["status"] == "cutting"
    project.refresh_from_db()
    assert project.status == "cutting"
    assert client.post(f"/api/v1/queue/{pk}/complete/").json()["status"] == "done"
    project.refresh_from_db()
    assert project.status == "qc"
    item = services.queue_add(project=other, machine=x3)
    assert client.delete(f"/api/v1/queue/{item.pk}/").status_code == 204
    other.refresh_from_db()
    assert other.status == "paid"


def test_the_api_refuses_to_queue_an_unpaid_job_naming_the_gate(x3, api):
    project = job("approved")  # a cash client: no production until paid
    with unchanged(QueueItem, Project, ProjectStatusChange):
        answer = api("Manager").post("/api/v1/queue/", {"project": project.pk, "machine": x3.pk})
    assert answer.status_code == 400
    body = answer.json()
    assert body["gate"] == "payment" and "No production until paid" in body["detail"]
    assert project.code in body["detail"] and "not changed" in body["detail"]


def test_starting_the_item_of_a_job_on_hold_is_refused_and_changes_nothing(x3, admin_user_client):
    project = job("paid")
    item = services.queue_add(project=project, machine=x3)
    Project.objects.filter(pk=project.pk).update(
        status="on_hold", status_before_hold="queued", status_reason="client query"
    )
    with unchanged(QueueItem, Project, ProjectStatusChange), pytest.raises(ValidationError) as no:
        services.queue_start(item=item)
    assert "on hold (client query): resume it first" in " ".join(no.value.messages)
    answer = admin_user_client.post(
        reverse("admin:production_queueitem_changelist"),
        {"action": "start_cutting", "_selected_action": [item.pk]},
        follow=True,
    )
    shown = " ".join(str(m) for m in answer.context["messages"])
    assert "resume it first" in shown
    item.refresh_from_db()
    assert item.status == "queued"


def test_one_active_item_per_job_on_any_machine(x3):
    project = job("paid")
    services.queue_add(project=project, machine=x3)
    with pytest.raises(ValidationError, match="already in the queue of X3"):
        services.queue_add(project=project, machine=MachineFactory(code="X4"))


def test_a_job_not_yet_released_is_not_queued_by_hand(x3):
    project = job("quoting")
    with unchanged(QueueItem, Project), pytest.raises(ValidationError, match="once it is paid"):
        services.queue_add(project=project, machine=x3)


# --- estimated minutes ------------------------------------------------------------------------


def measured_job(quantity=10, **metadata):
    project = job("paid", quantity=quantity)
    file_row(project=project, metadata={"cut_length_mm": 2400.0, "pierce_count": 6, **metadata})
    return project


def test_a_queued_job_gets_its_minutes_from_its_drawings_and_preset(x3, settings):
    settings.SHOP_SETUP_MINUTES = 10
    CutPresetFactory(
        material=material(),
        thickness_mm=Decimal("3"),
        cut_speed_mm_min=Decimal("1200"),
        pierce_time_s=Decimal("0.5"),
    )
    project = measured_job()
    item = services.queue_add(project=project, machine=x3)
    # per piece 2400/1200 = 2 min + 6 × 0.5 s = 0.05 min; × 10 pieces = 20.5; + 10 setup
    assert item.estimated_minutes == math.ceil(30.5) == 31
    assert "31 min from the measured drawings" in item.notes


def test_typed_minutes_are_kept_and_nothing_measured_leaves_them_empty_with_the_reason(x3):
    CutPresetFactory(material=material(), thickness_mm=Decimal("3"))
    typed = services.queue_add(project=measured_job(), machine=x3, estimated_minutes=95)
    assert (typed.estimated_minutes, typed.notes) == (95, "")
    bare = services.queue_add(project=job("paid"), machine=x3)
    assert bare.estimated_minutes is None
    assert "no measured drawing yet" in bare.notes


def test_a_drawing_measured_again_works_the_minutes_out_again_but_not_typed_ones(x3, committed):
    CutPresetFactory(
        material=material(),
        thickness_mm=Decimal("3"),
        cut_speed_mm_min=Decimal("1200"),
        pierce_time_s=Decimal("0"),
    )
    bare, typed = job("paid", quantity=1), job("paid", quantity=1)
    item = services.queue_add(project=bare, machine=x3)
    kept = services.queue_add(project=typed, machine=x3)
    services.queue_item_update(item=kept, estimated_minutes=40)
    assert item.estimated_minutes is None
    for project in (bare, typed):
        file_row(
            project=project,
            metadata={"cut_length_mm": 12000.0, "pierce_count": 0, "quantity": 1},
        )
        receivers.on_file_processed(
            sender=None, event="file.processed", payload={"project_code": project.code}
        )
    item.refresh_from_db()
    kept.refresh_from_db()
    assert item.estimated_minutes == 20  # 12 000 / 1 200 = 10 min + 10 setup
    assert "no measured drawing" not in item.notes and "20 min" in item.notes
    assert kept.estimated_minutes == 40


# --- runs: all the job's parts, as its drawings count them ------------------------------------


def test_a_job_moves_to_qc_once_runs_cut_what_its_drawings_add_up_to(make_run_shop):
    import datetime as dt

    shop = make_run_shop(on_hand=5)
    project = job("paid", quantity=10)
    file_row(project=project, metadata={"cut_length_mm": 100.0, "area_mm2": 10.0, "quantity": 10})
    file_row(project=project, metadata={"cut_length_mm": 100.0, "area_mm2": 10.0, "quantity": 20})
    services.queue_add(project=project, machine=shop["machine"])

    def run(parts):
        end = timezone.now()
        services.run_record(
            machine=shop["machine"],
            operator=shop["operator"],
            started_at=end - dt.timedelta(minutes=5),
            ended_at=end,
            projects=[(project, parts, None, None)],
            sheets=[(shop["stock"], 1)],
        )
        project.refresh_from_db()
        return project.status, [i.status for i in QueueItem.objects.filter(project=project)]

    assert run(10) == ("cutting", ["cutting"])  # 10 of the 30 its drawings need
    assert run(20) == ("qc", ["done"])
