"""The queue orders by priority (Urgent, High, Normal, Low), then by place within it, as the
job's priority help text says: positions keep that order (1 is cut next), and every list shows
it (admin, API, selectors)."""

import pytest
from django.core.exceptions import ValidationError

from laseros.testing import unchanged
from production import selectors, services
from production.models import QueueItem
from production.tests.factories import MachineFactory, make_project

pytestmark = pytest.mark.django_db


def queue(machine):
    return [
        (item.project.name, item.priority, item.position)
        for item in QueueItem.objects.filter(machine=machine, status__in=["queued", "cutting"])
        .select_related("project")
        .order_by("position")
    ]


def add(machine, name, priority="normal", **fields):
    return services.queue_add(
        project=make_project(name=name), machine=machine, priority=priority, **fields
    )


@pytest.fixture
def machine():
    return MachineFactory(code="X3")


def test_a_job_is_queued_at_the_end_of_its_priority(machine):
    add(machine, "n1")
    add(machine, "n2")
    add(machine, "low", "low")
    add(machine, "high", "high")
    add(machine, "urgent", "urgent")
    add(machine, "n3")
    add(machine, "high2", "high")
    assert queue(machine) == [
        ("urgent", "urgent", 1),
        ("high", "high", 2),
        ("high2", "high", 3),
        ("n1", "normal", 4),
        ("n2", "normal", 5),
        ("n3", "normal", 6),
        ("low", "low", 7),
    ]


def test_a_change_of_priority_moves_the_job_to_the_end_of_its_new_priority(machine):
    n1 = add(machine, "n1")
    add(machine, "n2")
    add(machine, "high", "high")
    services.queue_item_update(item=n1, priority="high")
    assert [name for name, *_ in queue(machine)] == ["high", "n1", "n2"]
    services.queue_item_update(item=n1, priority="low")
    assert [name for name, *_ in queue(machine)] == ["high", "n2", "n1"]


def test_moves_stay_within_the_priority_and_say_so_past_it(machine):
    high = add(machine, "high", "high")
    n1 = add(machine, "n1")
    n2 = add(machine, "n2")
    services.queue_move(item=n2, to_position=2)
    assert [name for name, *_ in queue(machine)] == ["high", "n2", "n1"]
    with unchanged(QueueItem), pytest.raises(ValidationError, match="Normal jobs.*2–3"):
        services.queue_move(item=n1, to_position=1)
    with unchanged(QueueItem), pytest.raises(ValidationError, match="High jobs"):
        services.queue_move(item=high, to_position=3)


def _rows_out_of_order(machine):
    """Low ahead of Normal, as rows from before this rule (or written directly) may be."""
    first = add(machine, "low")
    second = add(machine, "normal", "low")
    QueueItem.objects.filter(pk=first.pk).update(priority="low")
    QueueItem.objects.filter(pk=second.pk).update(priority="normal")
    assert queue(machine) == [("low", "low", 1), ("normal", "normal", 2)]


def test_a_queue_written_out_of_order_is_put_in_order_by_the_next_write(machine):
    _rows_out_of_order(machine)
    add(machine, "urgent", "urgent")
    assert queue(machine) == [
        ("urgent", "urgent", 1),
        ("normal", "normal", 2),
        ("low", "low", 3),
    ]


def test_every_list_shows_the_queue_by_priority_then_position(machine, admin_user_client, api):
    other = MachineFactory(code="A1")
    _rows_out_of_order(machine)
    add(other, "other")
    expected = ["other", "normal", "low"]  # machine A1 first, then X3 by priority
    assert [i.project.name for i in selectors.queue_list()] == expected
    page = admin_user_client.get("/admin/production/queueitem/")
    assert [i.project.name for i in page.context["cl"].result_list] == expected
    answer = api("Manager").get("/api/v1/queue/")
    rows = answer.json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    names = dict(QueueItem.objects.values_list("project__code", "project__name"))
    assert [names[row["project_code"]] for row in rows] == expected


def test_the_admins_move_actions_move_within_the_priority(machine, admin_user_client):
    add(machine, "high", "high")
    add(machine, "n1")
    n2 = add(machine, "n2")
    page = admin_user_client.post(
        "/admin/production/queueitem/",
        {"action": "move_top", "_selected_action": [n2.pk]},
        follow=True,
    )
    assert [name for name, *_ in queue(machine)] == ["high", "n2", "n1"]
    assert "moved to the top of their priority" in page.content.decode()
    admin_user_client.post(
        "/admin/production/queueitem/", {"action": "move_up", "_selected_action": [n2.pk]}
    )
    assert [name for name, *_ in queue(machine)] == ["high", "n2", "n1"]
