"""The pinned slots' admin page: every pin at one glance (constant queries), pins made and taken
away only through the planning services (checked, recorded on the item's history with the
reason), a refusal said on the form with nothing written, and operators only looking."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from laseros.models import ActivityLog
from laseros.testing import assert_constant_queries, grow_to, unchanged
from production.models import QueueSlotOverride
from production.services import queue_add
from production.services.planning import slot_override_set
from production.tests.factories import MachineFactory, make_project

pytestmark = pytest.mark.django_db
URL = "/admin/production/queueslotoverride/"
MONDAY = dt.date(2026, 12, 14)
WORKING_DAYS = [MONDAY, dt.date(2026, 12, 15), dt.date(2026, 12, 17)]  # the 16th is a holiday


@pytest.fixture
def monday_morning(monkeypatch):
    moment = timezone.make_aware(dt.datetime(2026, 12, 14, 7, 0))
    monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def manager(client, make_user):
    client.force_login(make_user("maria", role="Manager"))
    return client


def _queued(machine_code: str = "X3"):
    machine = MachineFactory(code=machine_code)
    return queue_add(project=make_project(), machine=machine, estimated_minutes=60)


def _pin(i: int) -> QueueSlotOverride:
    return slot_override_set(
        item=_queued(f"P{i % 3}"), day=WORKING_DAYS[i % 3], reason=f"reason {i}"
    )


def _history(item) -> list[str]:
    return list(
        ActivityLog.objects.filter(object_id=str(item.pk)).values_list("message", flat=True)
    )


def test_the_list_of_pins_runs_constant_queries(admin_user_client, monday_morning):
    assert_constant_queries(lambda: admin_user_client.get(URL), grow_to(QueueSlotOverride, _pin))


def test_a_manager_pins_a_job_in_the_admin_and_it_is_recorded(manager, monday_morning):
    item = _queued()
    response = manager.post(
        URL + "add/",
        {
            "item": item.pk,
            "start_at_0": "2026-12-15",
            "start_at_1": "13:00",
            "reason": "the client collects at 14:00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    pin = QueueSlotOverride.objects.get(item=item)
    assert pin.start_at == timezone.make_aware(dt.datetime(2026, 12, 15, 13, 0))
    assert pin.by.username == "maria" and pin.day is None
    assert any("the client collects at 14:00" in m for m in _history(item))

    page = manager.get(URL + "?pinned_to=time&q=" + item.project.code).content.decode()
    assert item.project.code in page and "Tue 15 Dec 2026 13:00" in page
    assert item.project.code not in manager.get(URL + "?pinned_to=day").content.decode()


def test_a_pin_the_planner_refuses_is_said_on_the_form_and_nothing_is_written(
    manager, monday_morning
):
    item = _queued()
    with unchanged(QueueSlotOverride), unchanged(ActivityLog):
        response = manager.post(
            URL + "add/",
            {"item": item.pk, "start_at_0": "2026-12-15", "start_at_1": "18:30", "reason": "late"},
        )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "start_at" in errors and "working hours" in " ".join(errors["start_at"])


def test_a_pin_needs_a_time_or_a_day_and_a_reason(manager, monday_morning):
    item = _queued()
    with unchanged(QueueSlotOverride):
        response = manager.post(URL + "add/", {"item": item.pk, "reason": "no when"})
    assert response.status_code == 200
    assert "Pin the item to a start time or to a day (one)." in response.content.decode()


def test_a_pin_changed_or_removed_in_the_admin_goes_through_the_planner(manager, monday_morning):
    pin = _pin(0)
    item = pin.item
    response = manager.post(
        URL + f"{pin.pk}/change/", {"day": "2026-12-17", "reason": "sheets come Thursday"}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    pin.refresh_from_db()
    assert (pin.day, pin.reason) == (dt.date(2026, 12, 17), "sheets come Thursday")
    response = manager.post(URL + f"{pin.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not QueueSlotOverride.objects.exists()
    history = _history(item)
    assert any("sheets come Thursday" in m for m in history)
    assert any("pin removed in the admin" in m for m in history)


def test_an_operator_sees_the_pins_but_does_not_pin(client, make_user, monday_morning):
    _pin(0)
    client.force_login(make_user("olu", role="Operator"))
    assert client.get(URL).status_code == 200
    assert client.get(URL + "add/").status_code == 403
