"""Production admin: changelists at constant query counts; the queue run from the admin; runs
recorded only through run_record; preset saves write the change log."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.models import StockMovement
from inventory.tests.factories import MaterialFactory, SheetStockFactory
from laseros.testing import assert_constant_queries, grow_to, unchanged
from production import services
from production.models import (
    CutPreset,
    CutPresetChange,
    LaserRun,
    LaserRunSheet,
    Machine,
    Operator,
    QueueItem,
)
from production.selectors import local_day_bounds
from production.tests.factories import (
    RUNS_LARGE,
    CutPresetFactory,
    MachineFactory,
    OperatorFactory,
    make_project,
)

pytestmark = pytest.mark.django_db


def _operator(i):
    operator = OperatorFactory()
    operator.machines.add(MachineFactory(code="X3"), MachineFactory(code=f"Y{i % 3}"))
    return operator


def _preset(i):
    preset = CutPresetFactory(thickness_mm=Decimal(1 + i))
    services.preset_update(preset=preset, changes={"kerf_mm": Decimal("0.1")}, reason="tune")
    return preset


def _queue_item(i):
    return services.queue_add(project=make_project(), machine=MachineFactory(code=f"Q{i % 2}"))


def _run(i):
    ms = MaterialFactory(code="MS")
    end = timezone.now() - dt.timedelta(hours=i)
    if i == 0:  # a run of today, also in the shop's first half hour after midnight
        end = max(end, local_day_bounds()[0] + dt.timedelta(minutes=31))
    return services.run_record(
        machine=MachineFactory(code="X3"),
        operator=OperatorFactory(),
        preset=CutPresetFactory(material=ms),
        started_at=end - dt.timedelta(minutes=30),
        ended_at=end,
        projects=[(make_project(), 2, 100, 100), (make_project(), 1, 50, 50)],
        sheets=[(SheetStockFactory(material=ms, quantity_on_hand=3), 1)],
    )


@pytest.mark.parametrize(
    ("url", "model", "make"),
    [
        ("/admin/production/machine/", Machine, lambda i: MachineFactory()),
        ("/admin/production/operator/", Operator, _operator),
        ("/admin/production/cutpreset/", CutPreset, _preset),
        ("/admin/production/cutpresetchange/", CutPresetChange, lambda i: _preset(i + 100)),
        ("/admin/production/queueitem/", QueueItem, _queue_item),
        ("/admin/production/laserrun/", LaserRun, _run),
        # the last 7 days: "today" holds none of these runs in the shop's first hours
        ("/admin/production/laserrun/?when=week", LaserRun, _run),
    ],
)
def test_changelists_run_constant_queries(admin_user_client, url, model, make):
    large = RUNS_LARGE if model is LaserRun else 50
    assert_constant_queries(lambda: admin_user_client.get(url), grow_to(model, make), large=large)


def test_pages_render(admin_user_client):
    run = _run(0)
    item = _queue_item(0)
    preset = CutPreset.objects.first()
    for url in [
        f"/admin/production/laserrun/{run.pk}/change/",
        "/admin/production/laserrun/record/",
        f"/admin/production/queueitem/{item.pk}/change/",
        "/admin/production/queueitem/add/",
        f"/admin/production/cutpreset/{preset.pk}/change/",
        "/admin/production/cutpreset/add/",
        "/admin/production/operator/add/",
        "/admin/production/machine/add/",
    ]:
        assert admin_user_client.get(url).status_code == 200, url
    assert admin_user_client.get("/admin/production/laserrun/add/").url.endswith("/record/")


def _names(machine):
    return [
        i.project.name
        for i in QueueItem.objects.filter(machine=machine, status="queued").order_by("position")
    ]


def test_queue_actions_move_items(admin_user_client):
    machine = MachineFactory(code="X3")
    items = [
        services.queue_add(project=make_project(name=f"J{i}"), machine=machine) for i in range(5)
    ]

    def act(action, *chosen):
        response = admin_user_client.post(
            "/admin/production/queueitem/",
            {"action": action, "_selected_action": [items[i].pk for i in chosen]},
        )
        assert response.status_code == 302

    act("move_top", 3, 4)
    assert _names(machine) == ["J3", "J4", "J0", "J1", "J2"]
    act("move_down", 3, 4)
    assert _names(machine) == ["J0", "J3", "J4", "J1", "J2"]
    act("move_up", 0)  # already first: stays
    act("move_bottom", 0)
    assert _names(machine) == ["J3", "J4", "J1", "J2", "J0"]
    act("start_cutting", 3)
    act("complete", 3)
    act("remove", 4)
    assert _names(machine) == ["J1", "J2", "J0"]
    assert sorted(QueueItem.objects.filter(status="queued").values_list("position", flat=True)) == [
        1,
        2,
        3,
    ]


def test_queue_changelist_is_ordered_by_machine_and_position(admin_user_client):
    a, b = MachineFactory(code="A1"), MachineFactory(code="B1")
    for machine in (b, a, b, a):
        services.queue_add(project=make_project(), machine=machine)
    rows = admin_user_client.get("/admin/production/queueitem/").context["cl"].result_list
    assert [(r.machine.code, r.position) for r in rows] == [
        ("A1", 1),
        ("A1", 2),
        ("B1", 1),
        ("B1", 2),
    ]


def test_queue_add_through_admin_appends(admin_user_client):
    machine = MachineFactory(code="X3")
    services.queue_add(project=make_project(), machine=machine)
    project = make_project()
    response = admin_user_client.post(
        "/admin/production/queueitem/add/",
        {"machine": machine.pk, "project": project.pk, "priority": "normal", "notes": ""},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert QueueItem.objects.get(project=project).position == 2
    # a High job goes ahead of the Normal ones (the queue goes by priority)
    rush = make_project()
    admin_user_client.post(
        "/admin/production/queueitem/add/",
        {"machine": machine.pk, "project": rush.pk, "priority": "high", "notes": ""},
    )
    assert QueueItem.objects.get(project=rush).position == 1
    assert QueueItem.objects.get(project=project).position == 3
    assert admin_user_client.get("/admin/production/queueitem/1/delete/").status_code == 403


def test_record_run_through_admin_takes_stock_once(admin_user_client):
    ms = MaterialFactory(code="MS")
    machine, operator = MachineFactory(code="X3"), OperatorFactory()
    stock = SheetStockFactory(material=ms, quantity_on_hand=4)
    a, b = make_project(), make_project()
    data = {
        "machine": machine.pk,
        "operator": operator.pk,
        "preset": "",
        "started_at_0": "2026-03-02",
        "started_at_1": "08:00",
        "ended_at_0": "2026-03-02",
        "ended_at_1": "09:10",
        "scrap_parts": "1",
        "notes": "",
        "projects-TOTAL_FORMS": "3",
        "projects-INITIAL_FORMS": "0",
        "projects-MIN_NUM_FORMS": "1",
        "projects-MAX_NUM_FORMS": "1000",
        "projects-0-project": a.pk,
        "projects-0-parts": "10",
        "projects-0-cut_length_mm": "3000",
        "projects-0-area_mm2": "1000",
        "projects-1-project": b.pk,
        "projects-1-parts": "5",
        "projects-1-cut_length_mm": "1000",
        "projects-1-area_mm2": "3000",
        "sheets-TOTAL_FORMS": "3",
        "sheets-INITIAL_FORMS": "0",
        "sheets-MIN_NUM_FORMS": "0",
        "sheets-MAX_NUM_FORMS": "1000",
        "sheets-0-stock": stock.pk,
        "sheets-0-quantity": "3",
    }
    response = admin_user_client.post("/admin/production/laserrun/record/", data)
    if response.status_code != 302:
        context = response.context
        raise AssertionError(
            [context["form"].errors, context["project_rows"].errors, context["sheet_rows"].errors]
        )
    run = LaserRun.objects.get()
    stock.refresh_from_db()
    assert stock.quantity_on_hand == 1 and run.parts_cut == 15 and run.duration_minutes == 70
    assert [str(s) for s in run.project_shares.values_list("share", flat=True)] == [
        "0.500000",
        "0.500000",
    ]
    # a second run asking for more than is left: nothing saved, the message shown
    data["sheets-0-quantity"] = "2"
    again = admin_user_client.post("/admin/production/laserrun/record/", data)
    assert again.status_code == 200 and "Not enough stock" in again.content.decode()
    assert LaserRun.objects.count() == 1
    stock.refresh_from_db()
    assert stock.quantity_on_hand == 1
    # editing the run cannot touch its sheets: the inlines are read-only
    page = admin_user_client.get(f"/admin/production/laserrun/{run.pk}/change/")
    assert 'name="sheets-0-quantity"' not in page.content.decode()
    with unchanged(LaserRun, LaserRunSheet, StockMovement):
        refused = admin_user_client.post(f"/admin/production/laserrun/{run.pk}/delete/")
    assert refused.status_code == 403


def test_preset_admin_save_writes_the_change_log(admin_user_client):
    preset = CutPresetFactory(cut_speed_mm_min=Decimal("4000"), note="New")
    url = f"/admin/production/cutpreset/{preset.pk}/change/"
    form = admin_user_client.get(url).context["adminform"].form
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields
    }
    data.update({"changes-TOTAL_FORMS": "0", "changes-INITIAL_FORMS": "0"})
    data["is_active"] = "on"
    data["cut_speed_mm_min"] = "4300"
    missing_reason = admin_user_client.post(url, data)
    assert missing_reason.status_code == 200
    assert "Say why the preset is changed" in missing_reason.content.decode()
    data.update({"change_reason": "burrs at 4000", "quality_effect": "better"})
    assert admin_user_client.post(url, data).status_code == 302
    entry = CutPresetChange.objects.get()
    assert entry.changes == {"cut_speed_mm_min": ["4000.0", "4300.0"]}
    assert entry.by == admin_user_client.user and entry.quality_effect == "better"
    page = admin_user_client.get(url).content.decode()
    assert "burrs at 4000" in page


def test_tiles(admin_user_client):
    _run(0)
    services.queue_add(project=make_project(), machine=MachineFactory(code="X3"))
    tiles = {t["label"]: t for t in admin_user_client.get("/admin/").context["tiles"]}
    # the run's two jobs, part cut, are on the queue as cutting items; the third job waits
    assert tiles["Jobs in the queue"]["value"] == 3
    assert tiles["Laser runs today"]["value"] == 1
    assert tiles["Laser runs today"]["url"].endswith("?when=today")
