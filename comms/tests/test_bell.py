"""The bell kept between pages (comms.bell, NOTIFY_BELL_SECONDS): a page within the seconds asks
the database nothing for it; what the person marks read shows on their very next page, whichever
web process serves it (their session says so); what others open shows once the seconds pass."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils.timezone import now

from comms.models import Notification

pytestmark = pytest.mark.django_db

LABEL = 'aria-label="Notifications: {} unread"'


@pytest.fixture
def manager(client, make_user, settings):
    settings.NOTIFY_BELL_SECONDS = 10
    client.force_login(make_user("manager", role="Manager"))
    return client


def notify(title: str) -> Notification:
    return Notification.objects.create(
        cause_key=f"overdue:job:{title}",
        kind="overdue",
        title=title,
        audience="managers",
        opened_at=now(),
    )


def bell_count(client) -> int:
    body = client.get(reverse("admin:index")).content.decode()
    for count in range(50):
        if LABEL.format(count) in body:
            return count
    raise AssertionError("no bell on the page")


def test_the_bell_is_kept_between_pages_and_read_again_after_its_seconds(manager):
    notify("Job 1 is overdue")
    assert bell_count(manager) == 1
    notify("Job 2 is overdue")  # opened by the worker meanwhile
    assert bell_count(manager) == 1  # kept: no query for the bell on this page
    cache.clear()  # the seconds have passed: the cache let the answer go
    assert bell_count(manager) == 2


def test_what_the_person_marks_read_shows_on_their_next_page(manager):
    first = notify("Job 1 is overdue")
    notify("Job 2 is overdue")
    assert bell_count(manager) == 2
    manager.post(reverse("notifications:read", args=[first.pk]))
    assert bell_count(manager) == 1
    manager.post(reverse("notifications:read_all"))
    assert bell_count(manager) == 0


def test_another_web_process_sees_the_mark_too(manager, client):
    """A second web process has its own cache, with the answer from before: the session's
    stamp, which every process reads, makes it read the bell again."""
    notify("Job 1 is overdue")
    assert bell_count(manager) == 1
    user_id = int(manager.session["_auth_user_id"])
    key = f"comms:bell:{user_id}:5"
    kept = cache.get(key)
    assert kept is not None and kept[1][0] == 1
    manager.post(reverse("notifications:read_all"))
    cache.set(key, kept, 10)  # the other process still holds the answer from before
    assert bell_count(manager) == 0


def test_no_seconds_reads_the_bell_on_every_page(manager, settings):
    settings.NOTIFY_BELL_SECONDS = 0
    notify("Job 1 is overdue")
    assert bell_count(manager) == 1
    notify("Job 2 is overdue")
    assert bell_count(manager) == 2
