"""GET /api/v1/queue/next-slot/: "when can you have it?" from today's queue and working hours."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from production.services import queue_add
from production.tests.factories import MachineFactory, make_project

URL = "/api/v1/queue/next-slot/"


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 12, day, hour, minute))


@pytest.fixture
def shop(db, monkeypatch):
    """Tuesday 15 Dec 2026 at 14:00; X3 has four hours queued, X4 one hour, X5 is retired."""
    monkeypatch.setattr(timezone, "now", lambda: at(15, 14))
    x3, x4 = MachineFactory(code="X3"), MachineFactory(code="X4")
    MachineFactory(code="X5", is_active=False)
    queue_add(project=make_project(), machine=x3, estimated_minutes=240)
    queue_add(project=make_project(), machine=x4, estimated_minutes=60)
    return {"x3": x3, "x4": x4}


def when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_on_one_machine_it_answers_behind_its_queue_skipping_the_holiday(api, shop):
    # X3 is busy Tuesday 14:00-16:00 and (Wednesday 16 Dec is a holiday) Thursday 07:00-09:00
    viewer = api("Viewer")
    answer = viewer.get(URL, {"minutes": 90, "machine": "x3"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["machine"] == "X3" and body["minutes"] == 90
    assert when(body["start"]) == at(17, 9)
    assert when(body["finish"]) == at(17, 10, 30)
    assert [m["machine"] for m in body["machines"]] == ["X3"]
    by_id = viewer.get(URL, {"minutes": 90, "machine": shop["x3"].pk}).json()
    assert by_id["finish"] == body["finish"]


def test_without_a_machine_it_names_the_active_machine_that_finishes_first(api, shop):
    body = api("Operator").get(URL, {"minutes": 60}).json()
    # X4: 14:00-15:00 taken, the new job 15:00-16:00; X3 only on Thursday; X5 is retired
    assert body["machine"] == "X4"
    assert (when(body["start"]), when(body["finish"])) == (at(15, 15), at(15, 16))
    assert [m["machine"] for m in body["machines"]] == ["X4", "X3"]


def test_an_urgent_job_goes_ahead_of_the_normal_ones(api, shop):
    body = api("Manager").get(URL, {"minutes": 60, "machine": "X3", "priority": "urgent"}).json()
    assert when(body["start"]) == at(15, 14)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "minutes"),
        ({"minutes": ""}, "minutes"),
        ({"minutes": "ninety"}, "minutes"),
        ({"minutes": "0"}, "minutes"),
        ({"minutes": "-5"}, "minutes"),
        ({"minutes": "1e9"}, "minutes"),
        ({"minutes": str(10**30)}, "minutes"),
        ({"minutes": "60", "machine": "X9"}, "machine"),
        ({"minutes": "60", "machine": "X5"}, "machine"),  # retired
        ({"minutes": "60", "machine": "9" * 19}, "machine"),
        ({"minutes": "60", "machine": "²"}, "machine"),
        ({"minutes": "60", "priority": "asap"}, "priority"),
    ],
)
def test_a_bad_question_is_a_400_naming_the_field(api, shop, params, field):
    answer = api("Viewer").get(URL, params)
    assert answer.status_code == 400, answer.content
    assert field in answer.json(), answer.json()


def test_an_unknown_machine_is_named_with_the_ones_there_are(api, shop):
    body = api("Viewer").get(URL, {"minutes": 60, "machine": "X9"}).json()
    assert body["machine"] == ["No active machine 'X9'. Active machines: X3, X4."]


def test_it_needs_a_login_and_a_role_that_sees_the_queue(api, shop, client, make_user):
    assert client.get(URL, {"minutes": 60}).status_code in (401, 403)
    nobody = make_user("nobody")
    client.force_login(nobody)
    assert client.get(URL, {"minutes": 60}).status_code == 403


def test_it_is_in_the_openapi_schema_with_its_parameters(api, db):
    schema = api("Admin").get("/api/schema/?format=json").json()
    operation = schema["paths"][URL]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"minutes", "machine", "priority"} <= names
    assert "page" not in names and "search" not in names
    assert {"200", "400"} <= set(operation["responses"])
    assert operation["tags"] == ["queue"]


def test_it_runs_the_same_queries_at_5_and_at_50_queued_items(api, shop):
    from laseros.testing import assert_constant_queries
    from production.models import QueueItem

    client = api("Viewer")

    def grow(n):
        for i in range(QueueItem.objects.count(), n):
            queue_add(project=make_project(), machine=shop["x3" if i % 2 else "x4"])

    def fetch():
        answer = client.get(URL, {"minutes": 60})
        rows = QueueItem.objects.count()  # what the answer was worked out from
        return type("Answer", (), {"status_code": answer.status_code, "data": [0] * rows})

    assert_constant_queries(fetch, grow)
