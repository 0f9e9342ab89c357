"""The queue stays 1..n per machine, runs are all or nothing, shares sum to 1, presets log."""

import contextlib
import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from inventory.models import SheetStock, StockMovement
from inventory.tests.factories import MaterialFactory, SheetStockFactory
from laseros.testing import needs_postgresql, run_at_once
from production import services
from production.models import (
    CutPresetChange,
    LaserRun,
    LaserRunProject,
    QueueItem,
    QueueStatus,
)
from production.tests.factories import (
    CutPresetFactory,
    MachineFactory,
    make_project,
)

pytestmark = pytest.mark.django_db


def positions(machine):
    return list(
        QueueItem.objects.filter(machine=machine, status__in=["queued", "cutting"])
        .order_by("position")
        .values_list("project__name", "position")
    )


def fill_queue(machine, n):
    return [
        services.queue_add(project=make_project(name=f"J{i}"), machine=machine) for i in range(n)
    ]


def test_queue_add_appends_and_refuses_twice():
    machine = MachineFactory()
    items = fill_queue(machine, 3)
    assert [i.position for i in items] == [1, 2, 3]
    with pytest.raises(ValidationError, match="already in the queue"):
        services.queue_add(project=items[0].project, machine=machine)
    # one active item per job, whatever the machine (issue 12)
    with pytest.raises(ValidationError, match="already in the queue"):
        services.queue_add(project=items[0].project, machine=MachineFactory())


def test_queue_add_at_a_position():
    machine = MachineFactory()
    fill_queue(machine, 3)
    services.queue_add(project=make_project(name="rush"), machine=machine, position=1)
    assert [name for name, _ in positions(machine)] == ["rush", "J0", "J1", "J2"]


def test_queue_move_shifts_the_others():
    machine = MachineFactory()
    items = fill_queue(machine, 5)
    services.queue_move(item=items[4], to_position=1)
    assert positions(machine) == [("J4", 1), ("J0", 2), ("J1", 3), ("J2", 4), ("J3", 5)]
    services.queue_move(item=items[4], to_position=5)
    assert [p for _, p in positions(machine)] == [1, 2, 3, 4, 5]
    assert positions(machine)[-1] == ("J4", 5)
    services.queue_move(item=items[1], to_position=3)
    assert [n for n, _ in positions(machine)] == ["J0", "J2", "J1", "J3", "J4"]
    with pytest.raises(ValidationError, match="between 1 and 5"):
        services.queue_move(item=items[1], to_position=6)


def test_leaving_the_queue_closes_the_gap():
    machine = MachineFactory()
    items = fill_queue(machine, 4)
    services.queue_start(item=items[0])
    services.queue_complete(item=items[0])
    services.queue_remove(item=items[2], reason="client cancelled")
    assert positions(machine) == [("J1", 1), ("J3", 2)]
    done = QueueItem.objects.get(pk=items[0].pk)
    assert done.status == "done" and done.position is None and done.finished_at
    with pytest.raises(ValidationError, match="cannot become"):
        services.queue_start(item=done)
    with pytest.raises(ValidationError, match="Only queued or cutting"):
        services.queue_move(item=done, to_position=1)
    # the project can be queued again once its item is closed
    assert services.queue_add(project=items[2].project, machine=machine).position == 3


def test_queue_item_update_only_touches_planning_fields():
    item = fill_queue(MachineFactory(), 1)[0]
    services.queue_item_update(item=item, priority="urgent", estimated_minutes=45)
    item.refresh_from_db()
    assert (item.priority, item.estimated_minutes) == ("urgent", 45)
    with pytest.raises(ValidationError):
        services.queue_item_update(item=item, position=3)


@needs_postgresql()
@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_keep_positions_unique_and_gap_free():
    machine = MachineFactory()
    items = fill_queue(machine, 12)
    ids = [i.pk for i in items]

    def worker(seed):
        rng = random.Random(seed)
        for _ in range(15):
            item = QueueItem.objects.select_related("machine").get(pk=rng.choice(ids))
            services.queue_move(item=item, to_position=rng.randint(1, 12))

    assert run_at_once(worker, 10) == []
    assert sorted(p for _, p in positions(machine)) == list(range(1, 13))


@needs_postgresql()
@pytest.mark.django_db(transaction=True)
def test_concurrent_adds_removes_and_moves_stay_gap_free():
    machine = MachineFactory()
    fill_queue(machine, 6)
    projects = [make_project(name=f"N{i}") for i in range(8)]

    def worker(n):
        rng = random.Random(n)
        item = services.queue_add(project=projects[n], machine=machine)
        for _ in range(5):
            active = list(QueueItem.objects.active().filter(machine=machine))
            target = rng.choice(active)
            with contextlib.suppress(ValidationError):  # it left the queue meanwhile
                services.queue_move(item=target, to_position=1)
        if n % 2:
            services.queue_remove(item=item)

    assert run_at_once(worker, 8) == []
    assert sorted(p for _, p in positions(machine)) == list(range(1, 11))


# --- runs -----------------------------------------------------------------------------------------


@pytest.fixture
def shop(make_run_shop):
    return make_run_shop(on_hand=5)


def _times():
    end = timezone.now()
    return end - dt.timedelta(minutes=40), end


def test_run_record_takes_sheets_once_and_shares_sum_to_one(shop, make_user):
    user = make_user("op")
    a, b, c = make_project(), make_project(), make_project()
    start, end = _times()
    run = services.run_record(
        machine=shop["machine"],
        operator=shop["operator"],
        preset=shop["preset"],
        started_at=start,
        ended_at=end,
        projects=[(a, 10, 3000, 50000), (b, 4, 1000, 30000), (c, 1, 2000, 20000)],
        sheets=[(shop["stock"], 2), (shop["spare"], 1)],
        by=user,
    )
    shop["stock"].refresh_from_db()
    assert shop["stock"].quantity_on_hand == 3
    assert run.parts_cut == 15 and run.duration_minutes == 40
    shares = {rp.project: rp.share for rp in run.project_shares.all()}
    assert sum(shares.values()) == Decimal("1")
    # a: (3000/6000 + 50000/100000) / 2 = 0.5
    assert shares[a] == Decimal("0.5")
    sheets = list(run.sheets.select_related("movement"))
    assert [(s.quantity, s.movement.quantity) for s in sheets] == [(2, -2), (1, -1)]
    assert all(s.movement.caused_by == run and s.movement.by == user for s in sheets)


def test_run_is_all_or_nothing(shop):
    start, end = _times()
    with pytest.raises(ValidationError) as info:
        services.run_record(
            machine=shop["machine"],
            operator=shop["operator"],
            preset=shop["preset"],
            started_at=start,
            ended_at=end,
            projects=[(make_project(), 3, 100, 100)],
            sheets=[(shop["stock"], 2), (shop["spare"], 2)],
        )
    assert "Not enough stock" in str(info.value)
    assert not LaserRun.objects.exists() and not LaserRunProject.objects.exists()
    assert not StockMovement.objects.exists()
    assert list(SheetStock.objects.order_by("pk").values_list("quantity_on_hand", flat=True)) == [
        5,
        1,
    ]


def test_run_checks_its_inputs(shop):
    start, end = _times()
    base = {
        "machine": shop["machine"],
        "operator": shop["operator"],
        "started_at": start,
        "ended_at": end,
    }
    project = make_project()
    with pytest.raises(ValidationError, match="at least one project"):
        services.run_record(**base, projects=[])
    with pytest.raises(ValidationError, match="listed twice"):
        services.run_record(**base, projects=[(project, 1, 1, 1), (project, 1, 1, 1)])
    with pytest.raises(ValidationError, match="ends before it starts"):
        services.run_record(
            **{**base, "ended_at": start - dt.timedelta(minutes=1)}, projects=[(project, 1, 1, 1)]
        )
    thick = SheetStockFactory(material=shop["stock"].material, thickness_mm=Decimal("6"))
    with pytest.raises(ValidationError, match="mixed thickness"):
        services.run_record(
            **base, projects=[(project, 1, 1, 1)], sheets=[(shop["stock"], 1), (thick, 1)]
        )
    with pytest.raises(ValidationError, match="preset's thickness"):
        services.run_record(
            **base, preset=shop["preset"], projects=[(project, 1, 1, 1)], sheets=[(thick, 1)]
        )
    other = MachineFactory(code="Z9")
    shop["operator"].machines.add(other)
    with pytest.raises(ValidationError, match="does not run"):
        services.run_record(**base, projects=[(project, 1, 1, 1)])
    assert not LaserRun.objects.exists()


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ([(1, 1, 0), (1, 1, 0), (1, 1, 0)], None),
        ([(0, 0, 3), (0, 0, 1)], [Decimal("0.75"), Decimal("0.25")]),
        ([(0, 0, 0), (0, 0, 0)], [Decimal("0.5"), Decimal("0.5")]),
        ([(100, 0, 0), (300, 0, 0)], [Decimal("0.25"), Decimal("0.75")]),
        ([(7, 3, 0), (11, 13, 0), (17, 19, 0), (1, 2, 0)], None),
    ],
)
def test_shares_always_sum_to_one(entries, expected):
    shares = services.compute_shares(entries)
    assert sum(shares) == Decimal("1")
    assert all(Decimal("0") <= s <= Decimal("1") for s in shares)
    if expected:
        assert shares == expected


# --- presets --------------------------------------------------------------------------------------


def test_preset_update_writes_the_change_log(make_user):
    user = make_user("setter")
    preset = CutPresetFactory(cut_speed_mm_min=Decimal("4000"))
    entry = services.preset_update(
        preset=preset,
        changes={"cut_speed_mm_min": Decimal("4200"), "gas_pressure_bar": Decimal("0.8")},
        by=user,
        reason="dross on the bottom edge",
        quality_effect="better",
    )
    assert entry.changes == {
        "cut_speed_mm_min": ["4000.0", "4200.0"],
        "gas_pressure_bar": [None, "0.80"],
    }
    assert (entry.by, entry.quality_effect) == (user, "better")
    assert (
        services.preset_update(preset=preset, changes={"cut_speed_mm_min": 4200}, reason="") is None
    )
    with pytest.raises(ValidationError, match="Say why"):
        services.preset_update(preset=preset, changes={"kerf_mm": Decimal("0.1")}, reason=" ")
    with pytest.raises(ValidationError, match="Not a preset parameter"):
        services.preset_update(preset=preset, changes={"id": 3}, reason="x")
    assert CutPresetChange.objects.count() == 1


def test_preset_create_normalises_names():
    preset = services.preset_create(
        material=MaterialFactory(code="MS"), thickness_mm=Decimal("10"), gas="02", nozzle="1.2d"
    )
    assert (preset.gas, preset.nozzle) == ("O2", "1.2D")
    with pytest.raises(ValidationError):
        services.preset_create(
            material=preset.material, thickness_mm=Decimal("10"), gas="O2", nozzle="1.2D"
        )


# --- paid -> queued -------------------------------------------------------------------------------


def _paid_project():
    from projects.models import Project

    project = make_project()
    Project.objects.filter(pk=project.pk).update(status="paid")
    project.refresh_from_db()
    return project


@pytest.fixture
def transitions(monkeypatch):
    """projects.services.project_transition replaced by a recorder (whether or not it exists)."""
    import importlib
    import sys
    import types

    import projects

    try:
        module = importlib.import_module("projects.services")
    except ModuleNotFoundError:
        module = types.ModuleType("projects.services")
        monkeypatch.setitem(sys.modules, "projects.services", module)
        monkeypatch.setattr(projects, "services", module, raising=False)
    moves = []

    def fake_transition(*, project, to, by=None, reason="", **kwargs):
        if moves is None:
            raise ValidationError("gate closed")
        moves.append((project.pk, to))

    monkeypatch.setattr(module, "project_transition", fake_transition, raising=False)
    return moves


def test_paid_project_is_queued_once_on_the_default_machine(transitions, settings):
    from production import receivers

    MachineFactory(code="B2")
    MachineFactory(code="A1", is_active=False)
    project = _paid_project()
    for _ in range(2):
        receivers.on_project_status_changed(
            sender=None, project=project, from_status="approved", to_status="paid", by=None
        )
    item = QueueItem.objects.get(project=project)
    assert item.machine.code == "B2" and item.position == 1 and item.status == QueueStatus.QUEUED
    assert transitions == [(project.pk, "queued")]
    # other statuses are ignored
    receivers.on_project_status_changed(
        sender=None, project=_paid_project(), from_status="paid", to_status="queued"
    )
    assert QueueItem.objects.count() == 1
    settings.PRODUCTION_DEFAULT_MACHINE = "c3"
    MachineFactory(code="C3")
    assert services.default_machine().code == "C3"


def test_paid_project_failure_is_recorded_not_raised(monkeypatch, transitions):
    import projects.services as project_services
    from laseros.models import ActivityLog
    from production import receivers

    def refusing_transition(**kwargs):
        raise ValidationError("gate closed")

    monkeypatch.setattr(project_services, "project_transition", refusing_transition)
    MachineFactory(code="X3")
    project = _paid_project()
    receivers.on_project_status_changed(
        sender=None, project=project, from_status="approved", to_status="paid"
    )
    assert not QueueItem.objects.exists()  # rolled back with the failed transition
    entry = ActivityLog.objects.filter(action="other").latest("id")
    assert "not queued automatically" in entry.message and "gate closed" in entry.message


def test_proof_of_payment_queues_the_job_end_to_end(django_capture_on_commit_callbacks):
    """Against the projects engineer's real services and signal, once they exist: a proof of
    payment moves an approved job to Paid, the signal queues it and moves it to Queued."""
    try:
        from projects.services import project_document_add
        from projects.signals import project_status_changed  # noqa: F401
        from projects.tests.factories import PDF_BYTES
    except ImportError:
        pytest.skip("projects.services / projects.signals not there yet")
    from django.core.files.base import ContentFile

    from projects.models import Project

    MachineFactory(code="X3")
    project = make_project()
    Project.objects.filter(pk=project.pk).update(status="approved")
    project.refresh_from_db()
    for _ in range(2):  # a second proof of payment does not queue the job twice
        with django_capture_on_commit_callbacks(execute=True):
            project_document_add(
                project=project, file=ContentFile(PDF_BYTES, name="pop.pdf"), kind="pop", by=None
            )
        project.refresh_from_db()
        assert project.status == "queued"
    item = QueueItem.objects.get(project=project)
    assert (item.machine.code, item.position, item.status) == ("X3", 1, "queued")


def test_a_job_taken_off_the_queue_stays_off_and_a_job_moved_on_is_not_requeued(
    django_capture_on_commit_callbacks,
):
    from laseros.models import ActivityLog
    from production.services import queue_remove
    from projects.models import Project
    from projects.services import project_payment_received, project_transition
    from projects.tests.factories import pdf

    machine = MachineFactory(code="X3")
    project = make_project()
    Project.objects.filter(pk=project.pk).update(status="approved")
    project.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        project_payment_received(
            project=project, by=None, amount=Decimal("1250"), file=pdf(), reason="EFT seen"
        )
    project.refresh_from_db()
    assert project.status == "queued"
    item = QueueItem.objects.get(project=project)
    # A manager takes the job back off the queue (the job goes back to Paid with its item): it
    # stays Paid, with no active queue item.
    with django_capture_on_commit_callbacks(execute=True):
        queue_remove(item=item, by=None, reason="waiting for material")
    project.refresh_from_db()
    assert project.status == "paid"
    assert not QueueItem.objects.filter(project=project, status__in=["queued", "cutting"]).exists()
    # A job walked past Paid in one transaction (an import) is not pulled back to Queued.
    other = make_project()
    Project.objects.filter(pk=other.pk).update(status="approved")
    other.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        project_payment_received(
            project=other, by=None, amount=Decimal("1250"), file=pdf(), reason="import"
        )
        QueueItem.objects.create(machine=machine, project=other, position=1)
        project_transition(project=other, to="queued", by=None, reason="import")
        project_transition(project=other, to="cutting", by=None, reason="import")
    other.refresh_from_db()
    assert other.status == "cutting"
    assert not ActivityLog.objects.filter(message__contains="not queued automatically").exists()


def test_a_job_queued_and_taken_off_again_before_the_payment_commits_stays_off(transitions):
    """The payment's signal comes after the commit: by then a manager may have queued the job and
    taken it off again (Paid, its item cancelled). It stays off the queue."""
    from production import receivers
    from projects.models import ProjectStatusChange

    machine = MachineFactory(code="X3")
    project = _paid_project()
    paid = ProjectStatusChange.objects.create(
        project=project, from_status="approved", to_status="paid", changed_at=timezone.now()
    )
    item = services.queue_add(project=project, machine=machine)
    services.queue_remove(item=item, reason="material on back order")
    transitions.clear()  # the item took its job to Queued and back (the recorder kept those)
    for source, to in (("paid", "queued"), ("queued", "paid")):
        ProjectStatusChange.objects.create(
            project=project, from_status=source, to_status=to, changed_at=timezone.now()
        )
    receivers.on_project_status_changed(
        sender=None, project=project, from_status="approved", to_status="paid", change=paid
    )
    assert list(QueueItem.objects.filter(project=project).values_list("status", flat=True)) == [
        "cancelled"
    ]
    assert transitions == []
