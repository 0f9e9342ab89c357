"""Production API: lists at constant query counts, queue moves, runs all or nothing, roles."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from inventory.tests.factories import MaterialFactory, SheetStockFactory
from laseros.testing import assert_constant_queries, grow_to, unchanged
from production import services
from production.models import CutPreset, LaserRun, Machine, QueueItem
from production.tests.factories import (
    RUNS_LARGE,
    CutPresetFactory,
    MachineFactory,
    OperatorFactory,
    make_project,
)

pytestmark = pytest.mark.django_db


def _run(i):
    ms = MaterialFactory(code="MS")
    end = timezone.now() - dt.timedelta(hours=i)
    run = services.run_record(
        machine=MachineFactory(code="X3"),
        operator=OperatorFactory(),
        preset=CutPresetFactory(material=ms),
        started_at=end - dt.timedelta(minutes=20),
        ended_at=end,
        projects=[(make_project(), 2, 100, 100), (make_project(), 1, 50, 50)],
        sheets=[(SheetStockFactory(material=ms, quantity_on_hand=3), 1)],
    )
    services.run_photo_add(
        run=run, image=SimpleUploadedFile("sheet.png", _png(), content_type="image/png")
    )
    return run


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("url", "model", "make"),
    [
        ("/api/v1/machines/", Machine, lambda i: MachineFactory()),
        ("/api/v1/presets/", CutPreset, lambda i: CutPresetFactory(thickness_mm=Decimal(1 + i))),
        (
            "/api/v1/queue/",
            QueueItem,
            lambda i: services.queue_add(
                project=make_project(), machine=MachineFactory(code=f"Q{i % 2}")
            ),
        ),
        ("/api/v1/queue/?active=true&machine=q1", QueueItem, lambda i: _queue(i)),
        ("/api/v1/runs/", LaserRun, _run),
    ],
)
def test_lists_run_constant_queries(api, url, model, make):
    client = api()
    large = RUNS_LARGE if model is LaserRun else 50
    assert_constant_queries(lambda: client.get(url), grow_to(model, make), large=large)


def _queue(i):
    return services.queue_add(project=make_project(), machine=MachineFactory(code=f"Q{i % 2}"))


def test_queue_add_and_move(api):
    machine = MachineFactory(code="X3")
    client = api("Operator")
    ids = []
    for _ in range(4):
        response = client.post(
            "/api/v1/queue/", {"machine": machine.pk, "project": make_project().pk}, format="json"
        )
        assert response.status_code == 201, response.json()
        ids.append(response.json()["id"])
    assert [client.get(f"/api/v1/queue/{i}/").json()["position"] for i in ids] == [1, 2, 3, 4]
    moved = client.post(f"/api/v1/queue/{ids[3]}/move/", {"position": 1}, format="json")
    assert moved.status_code == 200 and moved.json()["position"] == 1
    listed = client.get("/api/v1/queue/?machine=x3&active=true").json()["results"]
    assert [r["id"] for r in listed] == [ids[3], ids[0], ids[1], ids[2]]
    bad = client.post(f"/api/v1/queue/{ids[0]}/move/", {"position": 9}, format="json")
    assert bad.status_code == 400 and "between 1 and 4" in str(bad.json())
    with unchanged(QueueItem):
        assert client.delete(f"/api/v1/queue/{ids[0]}/").status_code == 403  # operators: no delete
    assert api("Manager").delete(f"/api/v1/queue/{ids[0]}/").status_code == 204
    assert QueueItem.objects.get(pk=ids[0]).status == "cancelled"
    listed = client.get("/api/v1/queue/?active=true").json()["results"]
    assert [(r["id"], r["position"]) for r in listed] == [(ids[3], 1), (ids[1], 2), (ids[2], 3)]
    assert client.post(f"/api/v1/queue/{ids[3]}/start/").json()["status"] == "cutting"
    assert client.post(f"/api/v1/queue/{ids[3]}/complete/").json()["position"] is None
    again = client.post(
        "/api/v1/queue/",
        {"machine": machine.pk, "project": QueueItem.objects.get(pk=ids[1]).project_id},
        format="json",
    )
    assert again.status_code == 400 and "already in the queue" in str(again.json())
    patched = client.patch(f"/api/v1/queue/{ids[1]}/", {"priority": "urgent", "position": 7})
    assert patched.json()["priority"] == "urgent" and patched.json()["position"] == 1


def test_viewer_reads_but_cannot_move(api):
    item = _queue(0)
    viewer = api("Viewer")
    assert viewer.get("/api/v1/queue/").status_code == 200
    with unchanged(QueueItem, LaserRun):
        assert viewer.post(f"/api/v1/queue/{item.pk}/move/", {"position": 1}).status_code == 403
        assert viewer.post("/api/v1/runs/", {}).status_code == 403


def test_record_run_all_or_nothing(api):
    ms = MaterialFactory(code="MS")
    stock = SheetStockFactory(material=ms, quantity_on_hand=2)
    a, b = make_project(), make_project()
    payload = {
        "machine": MachineFactory(code="X3").pk,
        "operator": OperatorFactory().pk,
        "preset": CutPresetFactory(material=ms).pk,
        "started_at": "2026-03-02T08:00:00+02:00",
        "ended_at": "2026-03-02T08:45:00+02:00",
        "projects": [
            {"project": a.pk, "parts": 6, "cut_length_mm": "2400", "area_mm2": "90000"},
            {"project": b.pk, "parts": 2, "cut_length_mm": "1200", "area_mm2": "10000"},
        ],
        "sheets": [{"stock": stock.pk, "quantity": 3}],
    }
    client = api("Operator")
    short = client.post("/api/v1/runs/", payload, format="json")
    assert short.status_code == 400 and "Not enough stock" in str(short.json())
    assert not LaserRun.objects.exists()
    payload["sheets"][0]["quantity"] = 2
    response = client.post("/api/v1/runs/", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert sum(Decimal(p["share"]) for p in body["projects"]) == 1
    assert body["duration_minutes"] == 45 and body["parts_cut"] == 8
    assert body["sheets"][0]["quantity"] == 2 and body["sheets"][0]["movement"]
    stock.refresh_from_db()
    assert stock.quantity_on_hand == 0
    assert client.get(f"/api/v1/runs/?project={a.pk}").json()["count"] == 1
    assert client.patch(f"/api/v1/runs/{body['id']}/", {"notes": "x"}).status_code == 405
    photo = client.post(
        f"/api/v1/runs/{body['id']}/photos/",
        {"image": SimpleUploadedFile("cut.png", _png(), content_type="image/png"), "caption": "5H"},
        format="multipart",
    )
    assert photo.status_code == 201 and photo.json()["caption"] == "5H"


def test_preset_change_needs_a_reason_and_is_logged(api):
    preset = CutPresetFactory(cut_speed_mm_min=Decimal("4000"))
    client = api("Manager")
    url = f"/api/v1/presets/{preset.pk}/"
    refused = client.patch(url, {"cut_speed_mm_min": "4100"}, format="json")
    assert refused.status_code == 400 and "Say why" in str(refused.json())
    ok = client.patch(
        url,
        {"cut_speed_mm_min": "4100", "change_reason": "striations", "quality_effect": "better"},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["change_count"] == 1
    log = client.get(f"{url}changes/").json()
    assert log[0]["reason"] == "striations" and log[0]["by"] == "api-manager"
    assert log[0]["changes"] == {"cut_speed_mm_min": ["4000.0", "4100.0"]}
    created = client.post(
        "/api/v1/presets/",
        {"material": preset.material_id, "thickness_mm": "16", "gas": "O2", "nozzle": "1.4d"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["nozzle"] == "1.4D"
    assert client.get("/api/v1/presets/?material=ms&gas=O2").json()["count"] == 1


def test_machines_api(api):
    client = api("Manager")
    response = client.post(
        "/api/v1/machines/",
        {"code": "x3", "name": "Golden Laser", "machine_model": "Golden Laser X3 fibre"},
    )
    assert response.status_code == 201 and response.json()["code"] == "X3"
    assert api("Viewer").get("/api/v1/machines/?code=X3").json()["count"] == 1


def test_a_manager_sets_a_machines_hourly_rate_and_an_operator_does_not_see_it(api):
    machine = MachineFactory(code="X3")
    manager = api("Manager")

    response = manager.patch(f"/api/v1/machines/{machine.pk}/", {"hourly_rate": "1200.00"})

    assert response.status_code == 200 and response.json()["hourly_rate"] == "1200.00"
    machine.refresh_from_db()
    assert machine.hourly_rate == Decimal("1200.00")
    assert (
        manager.patch(f"/api/v1/machines/{machine.pk}/", {"hourly_rate": "-5"}).status_code == 400
    )
    operator_view = api("Operator").get(f"/api/v1/machines/{machine.pk}/").json()
    assert operator_view["code"] == "X3" and "hourly_rate" not in operator_view


def test_numbers_past_the_database_integers_are_a_400(api):
    """Counts, powers, sizes and positions a user sends are bounded (2^40 fits SQLite but not
    PostgreSQL's integer; 2^70 fits neither: both were 500s)."""
    manager = api("Manager")
    machine = MachineFactory(code="X3")
    for field in ("power_w", "max_sheet_width_mm", "max_sheet_length_mm"):
        for value in (2**40, 2**70):
            response = manager.patch(f"/api/v1/machines/{machine.pk}/", {field: value})
            assert response.status_code == 400 and field in response.json(), response.content
    item = _queue(0)
    for value in (2**40, 2**70):
        response = manager.post(f"/api/v1/queue/{item.pk}/move/", {"position": value})
        assert response.status_code == 400, response.content
        response = manager.patch(f"/api/v1/queue/{item.pk}/", {"estimated_minutes": value})
        assert response.status_code == 400, response.content
    ms = MaterialFactory(code="MS")
    payload = {
        "machine": machine.pk,
        "operator": OperatorFactory().pk,
        "started_at": "2026-03-02T08:00:00+02:00",
        "ended_at": "2026-03-02T08:45:00+02:00",
        "parts_cut": 2**40,
        "scrap_parts": 2**70,
        "projects": [{"project": make_project().pk, "parts": 2**40}],
        "sheets": [
            {"stock": SheetStockFactory(material=ms, quantity_on_hand=2).pk, "quantity": 2**40}
        ],
    }
    response = manager.post("/api/v1/runs/", payload, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"parts_cut", "scrap_parts", "projects", "sheets"}
    assert not LaserRun.objects.exists()
    response = manager.patch(
        f"/api/v1/presets/{CutPresetFactory(material=ms).pk}/",
        {"peak_power_w": 2**40, "kerf_mm": "-1", "change_reason": "fuzz"},
    )
    assert response.status_code == 400 and set(response.json()) == {"peak_power_w", "kerf_mm"}


@pytest.mark.parametrize("offset", ["+16:01", "-16:30", "+23:59"])
def test_a_run_filter_time_with_an_offset_postgresql_refuses_is_read_in_utc(api, offset):
    """started_before=0733-04-30T14:23:53+16:01 reached PostgreSQL as written, which refuses an
    offset past ±15:59: a 500 (found by schemathesis on PostgreSQL). The time is read in UTC."""
    _run(0)
    client = api("Manager")
    response = client.get("/api/v1/runs/", {"started_before": f"2999-01-01T00:00:00{offset}"})
    assert response.status_code == 200 and response.json()["count"] == 1, response.content
    response = client.get("/api/v1/runs/", {"started_after": f"0001-01-01T00:00:00{offset}"})
    assert response.status_code in (200, 400), response.content  # year 0 in UTC is no date
