"""The floor's notifications page: an operator sees the floor's notifications (not the office's),
marks one read and comes back to the floor, and the page (with the bell in its bar) runs the
same queries at 5 and at 50 notifications."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from comms.models import Notification, NotificationRead
from laseros.testing import count_queries

pytestmark = pytest.mark.django_db


def notify(n: int, audience: str = "everyone") -> None:
    have = Notification.objects.filter(audience=audience).count()
    Notification.objects.bulk_create(
        Notification(
            cause_key=f"overdue:job:{audience}{i}",
            kind="overdue",
            title=f"Job {audience} {i} is overdue",
            audience=audience,
            opened_at=timezone.now() - dt.timedelta(minutes=i),
        )
        for i in range(have, n)
    )


def test_an_operator_sees_the_floors_notifications_and_marks_one_read(client, make_user):
    operator = make_user("thandi", role="Operator")
    notify(1, "operators")
    notify(1, "managers")
    client.force_login(operator)

    page = client.get(reverse("floor:notifications"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Job operators 0 is overdue" in body and "Job managers 0" not in body
    assert 'aria-label="Notifications: 1 unread"' in body

    mine = Notification.objects.get(audience="operators")
    answer = client.post(
        reverse("notifications:read", args=[mine.pk]), {"next": reverse("floor:notifications")}
    )
    assert answer["Location"] == reverse("floor:notifications")
    assert NotificationRead.objects.filter(user=operator, notification=mine).exists()
    assert 'class="bell__count"' not in client.get(reverse("floor:notifications")).content.decode()


def test_the_floor_page_with_the_bell_runs_the_same_queries_at_5_and_50(
    client, make_user, django_assert_max_num_queries
):
    client.force_login(make_user("thandi", role="Operator"))
    notify(5)
    small, _ = count_queries(lambda: client.get(reverse("floor:notifications")))
    notify(50)
    with django_assert_max_num_queries(small):
        page = client.get(reverse("floor:notifications"))
    assert page.content.decode().count('class="notification ') == 50
    assert 'aria-label="Notifications: 50 unread"' in page.content.decode()
