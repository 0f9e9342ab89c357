"""The floor's queue per machine and job card (/floor/): who may see and act, the reorder, the
changed-marker the tablets poll, what a job card shows, the PWA's files, and constant query
counts at 5 and 50 queue items."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from laseros.models import ActivityLog
from production.floor import selectors
from production.models import QueueItem, QueueStatus
from production.services import queue_add, queue_set_status
from production.tests.factories import CutPresetFactory, MachineFactory, make_project

pytestmark = pytest.mark.django_db

PASSWORD = "pw-Laser-123"


@pytest.fixture
def shop():
    """Machine X3 and a way to queue jobs on it: shop.queue(n, priority=...) -> items."""
    from projects.tests.factories import material

    class Shop:
        machine = MachineFactory(code="X3", name="Golden Laser X3")
        steel = material("MS")

        def queue(self, n: int, *, priority: str = "normal", **project_fields) -> list:
            items = []
            for _ in range(n):
                project = make_project(
                    material=self.steel, thickness_mm=Decimal("3"), **project_fields
                )
                items.append(queue_add(project=project, machine=self.machine, priority=priority))
            return items

    return Shop()


@pytest.fixture
def as_role(client, make_user):
    def _as(role: str | None, username: str | None = None):
        user = make_user(username or f"floor-{(role or 'none').lower()}", role=role)
        client.force_login(user)
        client.user = user
        return client

    return _as


def positions(machine) -> list[tuple[str, int]]:
    rows = QueueItem.objects.filter(machine=machine, status__in=["queued", "cutting"])
    return list(rows.order_by("position").values_list("project__code", "position"))


def moves_logged(item) -> int:
    return ActivityLog.objects.filter(
        content_type=ContentType.objects.get_for_model(QueueItem),
        object_id=str(item.pk),
        message__startswith="moved from",
    ).count()


def ungrouped(page: str) -> str:
    """The page with the thousands separator (a space in en-ZA) taken out of numbers."""
    return re.sub(r"(\d)[\s\u00a0\u202f](\d{3})\b", r"\1\2", page)


def drawing(project, part: str, **fields):
    """A drawing of `part` for the job, read by ingest (its metadata row, no bytes stored)."""
    from ingest.models import FileIngest
    from ingest.tests.factories import file_row

    file = file_row(project=project, **fields)
    FileIngest.objects.filter(pk=file.pk).update(part=part)
    file.part = part
    return file


def move(client, shop, item, position, *, marker=None):
    url = f"/floor/queue/{shop.machine.code}/move/"
    marker = marker if marker is not None else selectors.queue_marker(shop.machine)
    return client.post(
        url,
        {"item": item.pk, "position": position, "marker": marker},
        HTTP_HX_REQUEST="true",
    )


# --- who ------------------------------------------------------------------------------------------


def test_anonymous_goes_to_the_floor_login(client, shop):
    response = client.get("/floor/queue/X3/")
    assert response.status_code == 302
    assert response["Location"] == "/floor/login/?next=%2Ffloor%2Fqueue%2FX3%2F"


def test_an_expired_session_on_a_poll_sends_the_whole_page_to_the_login(client, shop):
    response = client.get("/floor/queue/X3/rows/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/floor/login/?next=")


def test_an_operator_logs_in_on_the_tablet_and_lands_on_the_first_queue(client, make_user, shop):
    make_user("ayanda", role="Operator")
    page = client.get("/floor/login/")
    assert page.status_code == 200
    assert b'name="username"' in page.content and b'name="password"' in page.content
    response = client.post("/floor/login/", {"username": "ayanda", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/floor/"
    assert client.get("/floor/")["Location"] == "/floor/queue/X3/"


def test_the_floor_login_keeps_axes_lockout(client, make_user, shop):
    make_user("ayanda", role="Operator")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/floor/login/", {"username": "ayanda", "password": "wrong"})
    response = client.post("/floor/login/", {"username": "ayanda", "password": PASSWORD})
    assert response.status_code == 429
    assert b"Account locked" in response.content
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_says_so_and_logs_nobody_in(client, make_user, shop):
    make_user("ayanda", role="Operator")
    response = client.post("/floor/login/", {"username": "ayanda", "password": "nope"})
    assert response.status_code == 200
    assert b'role="alert"' in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("role", ["Operator", "Manager", "Admin"])
def test_those_who_act_get_the_drag_handles(as_role, shop, role):
    shop.queue(2)
    client = as_role(role)
    page = client.get("/floor/queue/X3/").content.decode()
    assert page.count('class="queue-row__handle"') == 2
    assert 'id="queue-move"' in page and "data-sortable" in page
    assert "Sortable.min.js" in page


def test_a_viewer_sees_the_queue_and_cannot_act(as_role, shop):
    items = shop.queue(3)
    client = as_role("Viewer")
    page = client.get("/floor/queue/X3/").content.decode()
    assert all(i.project.code in page for i in items)
    assert "queue-row__handle" not in page and 'id="queue-move"' not in page
    assert "Sortable.min.js" not in page
    before = positions(shop.machine)
    response = move(client, shop, items[2], 1)
    assert response.status_code == 403
    assert positions(shop.machine) == before


def test_a_user_without_a_role_is_refused(as_role, shop):
    shop.queue(1)
    client = as_role(None)
    assert client.get("/floor/queue/X3/").status_code == 403
    assert client.get("/floor/").status_code == 403


@pytest.mark.parametrize(
    "role, plans", [("Admin", True), ("Manager", True), ("Operator", False), ("Viewer", False)]
)
def test_the_planner_is_for_managers_and_admins(make_user, role, plans):
    """The header's "Plan" link (shown once the planner's page exists) follows this rule."""
    from production.floor.auth import can_plan

    assert can_plan(make_user(f"plan-{role}", role=role)) is plans


@pytest.mark.parametrize("role, plans", [("Manager", True), ("Operator", False), ("Viewer", False)])
def test_the_header_links_each_machine_and_the_pages_a_role_may_open(as_role, shop, role, plans):
    MachineFactory(code="X9")
    page = as_role(role).get("/floor/queue/X3/").content.decode()
    header = page[page.index("<header") : page.index("</header>")]
    assert 'href="/floor/queue/X3/" aria-current="page"' in header
    assert 'href="/floor/queue/X9/"' in header
    assert ('href="/floor/plan/"' in header) is plans
    assert 'action="/floor/logout/"' in header


def test_log_out_is_a_post_back_to_the_login(as_role, shop):
    client = as_role("Operator")
    response = client.post("/floor/logout/")
    assert response.status_code == 302 and response["Location"] == "/floor/login/"
    assert client.get("/floor/queue/X3/").status_code == 302


# --- the queue ------------------------------------------------------------------------------------


def test_the_queue_shows_what_an_operator_needs(as_role, shop):
    today = timezone.localdate()
    late, soon = shop.queue(2)
    QueueItem.objects.filter(pk=late.pk).update(estimated_minutes=45)
    late.project.__class__.objects.filter(pk=late.project.pk).update(
        due_date=today - dt.timedelta(days=2), quantity=12
    )
    late.project.__class__.objects.filter(pk=soon.project.pk).update(
        due_date=today + dt.timedelta(days=3)
    )
    page = as_role("Operator").get("/floor/queue/X3/").content.decode()
    row = page[page.index(f'data-item="{late.pk}"') :]
    row = row[: row.index("</li>")]
    assert late.project.code in row and late.project.client.name in row
    assert "MS × 3 mm" in row and "12 pcs" in row and "45 min" in row
    assert "Overdue" in row and "Normal" in row and "Queued" in row
    assert 'class="queue-row__pos" aria-label="Position">1<' in row
    other = page[page.index(f'data-item="{soon.pk}"') :]
    assert "Overdue" not in other[: other.index("</li>")]
    assert f'is-overdue" data-item="{late.pk}"' in page


def test_the_queue_goes_by_priority_then_position(as_role, shop):
    normal = shop.queue(2)
    urgent = shop.queue(1, priority="urgent")
    page = as_role("Operator").get("/floor/queue/X3/").content.decode()
    order = [page.index(f'data-item="{i.pk}"') for i in (urgent[0], *normal)]
    assert order == sorted(order)


def test_an_unknown_machine_is_a_404(as_role, shop):
    assert as_role("Operator").get("/floor/queue/NOPE/").status_code == 404


def test_the_jobs_done_today_are_listed_apart(as_role, shop):
    done, waiting = shop.queue(2)
    queue_set_status(item=done, to=QueueStatus.CUTTING)
    queue_set_status(item=done, to=QueueStatus.DONE)
    page = as_role("Operator").get("/floor/queue/X3/").content.decode()
    assert "Cut today" in page
    assert f'data-item="{done.pk}"' not in page and f'data-item="{waiting.pk}"' in page


# --- drag to reorder ------------------------------------------------------------------------------


def test_a_drag_moves_the_job_through_the_reorder_service_and_is_audited(as_role, shop):
    items = shop.queue(4)
    client = as_role("Operator")
    response = move(client, shop, items[3], 1)
    assert response.status_code == 200
    codes = [code for code, _ in positions(shop.machine)]
    assert codes == [items[3].project.code, *(i.project.code for i in items[:3])]
    assert [p for _, p in positions(shop.machine)] == [1, 2, 3, 4]  # no gaps
    assert moves_logged(items[3]) == 1
    entry = ActivityLog.objects.filter(object_id=str(items[3].pk)).latest("created_at")
    assert entry.actor == client.user and entry.changes["position"] == [4, 1]
    body = response.content.decode()
    assert body.startswith('<div id="queue-rows"') or 'id="queue-rows"' in body
    assert f"{items[3].project.code} moved to 1." in body


def test_a_double_tap_moves_once(as_role, shop):
    items = shop.queue(3)
    client = as_role("Operator")
    marker = selectors.queue_marker(shop.machine)
    first = move(client, shop, items[2], 1, marker=marker)
    second = move(client, shop, items[2], 1, marker=marker)  # the same post again, stale marker
    assert first.status_code == 200 and second.status_code == 200
    assert b"Not moved" not in second.content
    assert positions(shop.machine)[0] == (items[2].project.code, 1)
    assert moves_logged(items[2]) == 1


def test_a_move_across_priorities_is_refused_and_the_rows_come_back(as_role, shop):
    urgent = shop.queue(1, priority="urgent")
    normal = shop.queue(2)
    client = as_role("Operator")
    before = positions(shop.machine)
    response = move(client, shop, normal[1], 1)
    assert response.status_code == 422
    body = response.content.decode()
    assert "Not moved." in body and "The queue goes by priority" in body
    assert positions(shop.machine) == before
    order = [body.index(f'data-item="{i.pk}"') for i in (urgent[0], *normal)]
    assert order == sorted(order)  # the rows as the queue holds them: the row goes back
    assert moves_logged(normal[1]) == 0


def test_a_move_on_a_queue_changed_elsewhere_is_refused(as_role, shop):
    items = shop.queue(3)
    client = as_role("Operator")
    stale = selectors.queue_marker(shop.machine)
    move(client, shop, items[2], 1)  # another tablet
    response = move(client, shop, items[0], 3, marker=stale)
    assert response.status_code == 422
    assert "changed on another screen" in response.content.decode()
    assert positions(shop.machine)[2][0] != items[0].project.code


@pytest.mark.parametrize(
    "item, position, reason",
    [
        ("gone", "1", "no longer in this machine"),
        ("first", "abc", "whole number"),
        ("first", "9", "between 1 and 2"),
        ("first", "", "whole number"),
    ],
)
def test_bad_moves_say_why_and_change_nothing(as_role, shop, item, position, reason):
    first, second = shop.queue(2)
    target = first
    if item == "gone":
        queue_set_status(item=first, to=QueueStatus.CANCELLED)
    client = as_role("Operator")
    before = positions(shop.machine)
    response = client.post(
        "/floor/queue/X3/move/",
        {"item": target.pk, "position": position, "marker": selectors.queue_marker(shop.machine)},
    )
    assert response.status_code == 422
    assert reason in response.content.decode()
    assert positions(shop.machine) == before


def test_a_move_is_post_only(as_role, shop):
    items = shop.queue(2)
    response = as_role("Operator").get(f"/floor/queue/X3/move/?item={items[1].pk}&position=1")
    assert response.status_code == 405


# --- the changed-marker ---------------------------------------------------------------------------


def test_a_poll_of_an_unchanged_queue_is_answered_empty(as_role, shop):
    shop.queue(3)
    client = as_role("Viewer")
    marker = selectors.queue_marker(shop.machine)
    page = client.get("/floor/queue/X3/").content.decode()
    assert f"?since={marker}" in page and 'hx-trigger="every 30s"' in page
    response = client.get(f"/floor/queue/X3/rows/?since={marker}", HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response.content == b""
    assert response["ETag"] == f'"{marker}"'
    conditional = client.get("/floor/queue/X3/rows/", HTTP_IF_NONE_MATCH=f'"{marker}"')
    assert conditional.status_code == 304


@pytest.mark.parametrize("change", ["move", "priority", "due date", "new job", "estimate", "done"])
def test_a_poll_after_a_change_gets_the_new_rows(as_role, shop, change):
    items = shop.queue(3)
    client = as_role("Viewer")
    marker = selectors.queue_marker(shop.machine)
    project = items[0].project
    if change == "move":
        from production.services import queue_move

        queue_move(item=items[2], to_position=1)
    elif change == "priority":
        QueueItem.objects.filter(pk=items[1].pk).update(priority="high")
    elif change == "due date":
        type(project).objects.filter(pk=project.pk).update(due_date=dt.date(2027, 1, 4))
    elif change == "new job":
        shop.queue(1)
    elif change == "estimate":
        QueueItem.objects.filter(pk=items[1].pk).update(estimated_minutes=30)
    else:
        queue_set_status(item=items[0], to=QueueStatus.CUTTING)
        queue_set_status(item=items[0], to=QueueStatus.DONE)
    assert selectors.queue_marker(shop.machine) != marker
    response = client.get(f"/floor/queue/X3/rows/?since={marker}", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    new_marker = selectors.queue_marker(shop.machine)
    assert f"?since={new_marker}" in response.content.decode()


def test_the_marker_turns_with_the_day(shop):
    shop.queue(1)
    today = timezone.localdate()
    assert selectors.queue_marker(shop.machine, today=today) != selectors.queue_marker(
        shop.machine, today=today + dt.timedelta(days=1)
    )


def test_another_machines_change_leaves_the_marker_alone(shop):
    shop.queue(2)
    marker = selectors.queue_marker(shop.machine)
    other = MachineFactory(code="X9")
    queue_add(project=make_project(), machine=other)
    assert selectors.queue_marker(shop.machine) == marker


# --- the job card ---------------------------------------------------------------------------------


@pytest.fixture
def job_with_drawings(shop):
    """A queued job with two parts (one with a drawing check warning), a LightBurn file, a
    preview, a preset for its material and thickness, and notes."""
    from django.core.files.base import ContentFile

    from ingest.models import FileMetadata

    (item,) = shop.queue(1)
    project = item.project
    type(project).objects.filter(pk=project.pk).update(
        notes="Deburr both sides.", description="Client wants them flat."
    )
    QueueItem.objects.filter(pk=item.pk).update(notes="Use the new nozzle.")
    bracket = drawing(project, "Bracket", metadata={"cut_length_mm": 2450.4})
    plate = drawing(
        project,
        "Plate",
        metadata={
            "pierce_count": 7,
            "warnings": [{"code": "small_hole", "message": "A hole is smaller than 3 mm."}],
            "has_warnings": True,
            "warning_count": 1,
        },
    )
    lightburn = drawing(project, "Bracket", kind="lightburn", metadata=False)
    meta = FileMetadata.objects.get(file=bracket)
    meta.preview.save("bracket-preview.png", ContentFile(b"\x89PNG fake"), save=True)
    CutPresetFactory(
        material=shop.steel,
        thickness_mm=Decimal("3"),
        gas="AIR",
        nozzle="1.5SN",
        cut_speed_mm_min=Decimal("4200"),
        actual_power_w=3000,
        gas_pressure_bar=Decimal("12.5"),
        nozzle_height_mm=Decimal("0.8"),
        focus_position_mm=Decimal("-1.5"),
    )
    project.refresh_from_db()
    return {"item": item, "project": project, "files": (bracket, plate, lightburn), "meta": meta}


def test_the_job_card_shows_parts_presets_files_and_notes(as_role, job_with_drawings):
    project = job_with_drawings["project"]
    bracket, plate, lightburn = job_with_drawings["files"]
    page = ungrouped(as_role("Operator").get(f"/floor/jobs/{project.code}/").content.decode())
    assert project.code in page and project.client.name in page
    # parts: previews through the media view, measures, drawing checks
    assert f'src="{job_with_drawings["meta"].preview.url}"' in page
    assert job_with_drawings["meta"].preview.url.startswith(settings.MEDIA_URL)
    assert "2450 mm" in page and "Pierces" in page and ">7<" in page
    assert "A hole is smaller than 3 mm." in page and "Drawing checks passed" in page
    # files to download (the house's file access checks guard their URLs)
    assert f'href="{bracket.file.url}"' in page and f'href="{lightburn.file.url}"' in page
    assert "LightBurn v1" in page and "DXF v1" in page
    # the preset for MS × 3 mm
    assert "4200 mm/min" in page and "3000 W" in page and "12.5 bar" in page
    assert "0.8 mm" in page and "-1.5 mm" in page and "1.5SN" in page
    # notes
    assert "Deburr both sides." in page and "Client wants them flat." in page
    assert "Use the new nozzle." in page
    # where it waits
    assert "X3 queue" in page and 'id="job-actions"' in page


def test_a_job_card_by_queue_item_is_the_same_card(as_role, job_with_drawings):
    item = job_with_drawings["item"]
    page = ungrouped(as_role("Viewer").get(f"/floor/items/{item.pk}/").content.decode())
    assert item.project.code in page and "2450 mm" in page
    assert 'aria-current="page"' in page  # its machine marked in the header


def test_the_job_card_says_when_there_is_no_preset_or_drawing(as_role, shop):
    (item,) = shop.queue(1)
    page = as_role("Operator").get(f"/floor/jobs/{item.project.code}/").content.decode()
    assert "No preset for MS at 3 mm" in page
    assert "No drawings (DXF or LightBurn) for this job yet." in page


def test_an_unknown_job_is_a_404(as_role, shop):
    assert as_role("Operator").get("/floor/jobs/JB-NOPE/").status_code == 404
    assert as_role("Operator", "op2").get("/floor/items/999999/").status_code == 404


def test_the_card_files_are_served_to_the_floor_roles_only(client, make_user, job_with_drawings):
    meta = job_with_drawings["meta"]
    for role, expected in (("Operator", 200), ("Viewer", 200)):
        client.force_login(make_user(f"files-{role}", role=role))
        assert client.get(meta.preview.url).status_code == expected
    client.force_login(make_user("files-none"))
    assert client.get(meta.preview.url).status_code == 404


def test_the_run_slot_renders_the_runs_button_when_it_exists(as_role, job_with_drawings, tmp_path):
    """The job card leaves production/floor/run_start_button.html's place for the runs' pages:
    drawn for those who act when the template exists, nothing otherwise."""
    from django.template import engines

    folder = tmp_path / "tpl" / "production" / "floor"
    folder.mkdir(parents=True)
    (folder / "run_start_button.html").write_text(
        '<a class="btn" id="start-run">Start {{ project.code }}</a>'
    )
    engine = engines["django"].engine
    engine.dirs = [str(tmp_path / "tpl"), *engine.dirs]
    project = job_with_drawings["project"]
    try:
        for loader in engine.template_loaders:
            if hasattr(loader, "reset"):
                loader.reset()
        operator_page = as_role("Operator").get(f"/floor/jobs/{project.code}/").content.decode()
        viewer_page = as_role("Viewer").get(f"/floor/jobs/{project.code}/").content.decode()
    finally:
        engine.dirs = engine.dirs[1:]
        for loader in engine.template_loaders:
            if hasattr(loader, "reset"):
                loader.reset()
    assert f'id="start-run">Start {project.code}</a>' in operator_page
    assert 'id="start-run"' not in viewer_page


# --- the PWA --------------------------------------------------------------------------------------


def test_the_service_worker_is_served_in_the_floor_scope(client):
    response = client.get("/floor/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert "__SHELL__" not in body and "__VERSION__" not in body
    assert '"/static/floor/floor.css"' in body and '"/floor/offline/"' in body
    assert "You are offline: this action was not saved." in body


def test_the_manifest_names_the_floor_as_its_scope(client, as_role, shop):
    manifest = json.loads(Path(finders.find("floor/manifest.webmanifest")).read_text())
    assert manifest["scope"] == "/floor/" and manifest["start_url"] == "/floor/"
    assert manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix(settings.STATIC_URL))
    page = as_role("Operator").get("/floor/queue/X3/").content.decode()
    assert 'rel="manifest"' in page and 'data-sw="/floor/sw.js"' in page


def test_the_offline_page_needs_no_login_and_says_actions_are_refused(client):
    page = client.get("/floor/offline/").content.decode()
    assert "You are offline" in page and "refused, not kept to send later" in page


def test_the_queue_lists_its_cards_for_the_tablet_to_keep(as_role, shop):
    items = shop.queue(2)
    page = as_role("Operator").get("/floor/queue/X3/").content.decode()
    cards = " ".join(f"/floor/jobs/{i.project.code}/" for i in items)
    assert f'data-cards="{cards}"' in page


def test_the_pages_run_no_inline_script(as_role, job_with_drawings):
    client = as_role("Operator")
    for url in ("/floor/queue/X3/", f"/floor/jobs/{job_with_drawings['project'].code}/"):
        page = client.get(url).content.decode()
        assert "<script>" not in page and " on" + "click=" not in page
        assert "{#" not in page and "{%" not in page  # no template comment or tag printed
        assert all("src=" in tag for tag in page.split("<script")[1:])


# --- query counts ---------------------------------------------------------------------------------


def _queries(client, url, **extra) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, **extra)
    assert response.status_code in (200, 204), url
    return len(context.captured_queries)


def _post_queries(client, url, data) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.post(url, data)
    assert response.status_code == 200, response.content[:500]
    return len(context.captured_queries)


def test_every_floor_page_runs_as_many_queries_at_5_and_50_items(as_role, shop):
    client = as_role("Operator")
    counts: dict[str, list[int]] = {}
    for total in (5, 50):
        have = QueueItem.objects.filter(machine=shop.machine).count()
        items = shop.queue(total - have)
        everything = list(QueueItem.objects.filter(machine=shop.machine).select_related("project"))
        project = everything[0].project
        while project.files.count() < total:  # the card: as many parts as queue items
            drawing(project, f"P{project.files.count()}")
        marker = selectors.queue_marker(shop.machine)
        last = max(everything, key=lambda i: i.position)
        pages = {
            "queue": _queries(client, "/floor/queue/X3/"),
            "rows": _queries(client, "/floor/queue/X3/rows/", HTTP_HX_REQUEST="true"),
            "poll unchanged": _queries(client, f"/floor/queue/X3/rows/?since={marker}"),
            "job card": _queries(client, f"/floor/jobs/{project.code}/"),
            "item card": _queries(client, f"/floor/items/{everything[0].pk}/"),
            "move": _post_queries(
                client,
                "/floor/queue/X3/move/",
                {"item": last.pk, "position": last.position - 1, "marker": marker},
            ),
        }
        assert len(items) >= 0
        for name, count in pages.items():
            counts.setdefault(name, []).append(count)
    assert all(a == b for a, b in counts.values()), counts
