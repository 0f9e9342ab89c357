"""/api/v1/notifications/: each person's own notifications, with their read state, and marking
them read through comms.services.notifications (its generated tests: test_api_endpoints.py)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from comms.models import Notification, NotificationAudience, NotificationKind, NotificationRead
from laseros.roles import MANAGER, OPERATOR

URL = "/api/v1/notifications/"


def notification(n: int, audience=NotificationAudience.EVERYONE, **fields) -> Notification:
    values = {
        "cause_key": f"low_stock:sheet:{n}",
        "kind": NotificationKind.LOW_STOCK,
        "title": f"Low stock {n}",
        "audience": audience,
        "opened_at": timezone.now(),
        **fields,
    }
    return Notification.objects.create(**values)


pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    assert response.status_code == 200, response.data
    return {row["id"] for row in response.data["results"]}


def test_read_filters_and_marking_read(api):
    manager = api(MANAGER)
    first, second = notification(1), notification(2)
    assert ids(manager.get(URL, {"read": "false"})) == {first.pk, second.pk}
    answer = manager.post(f"{URL}{first.pk}/read/")
    assert answer.status_code == 200 and answer.data["is_read"] is True
    assert ids(manager.get(URL, {"read": "true"})) == {first.pk}
    assert ids(manager.get(URL, {"read": "false"})) == {second.pk}
    marked = manager.post(f"{URL}read-all/")
    assert marked.status_code == 200 and marked.data == {"marked": 1}
    assert ids(manager.get(URL, {"read": "false"})) == set()
    assert NotificationRead.objects.filter(user=manager.user).count() == 2


def test_each_person_reads_their_own(api):
    manager, operator = api(MANAGER), api(OPERATOR)
    shared = notification(1)
    manager.post(f"{URL}{shared.pk}/read/")
    assert ids(operator.get(URL, {"read": "false"})) == {shared.pk}


def test_a_person_sees_only_their_audience(api):
    office = notification(1, audience=NotificationAudience.MANAGERS)
    floor = notification(2, audience=NotificationAudience.OPERATORS)
    operator = api(OPERATOR)
    assert ids(operator.get(URL)) == {floor.pk}
    assert operator.get(f"{URL}{office.pk}/").status_code == 404
    refused = operator.post(f"{URL}{office.pk}/read/")
    assert refused.status_code == 404 and not NotificationRead.objects.exists()


def test_no_role_receives_nothing_and_marks_nothing(make_user):
    from rest_framework.test import APIClient

    notification(1)
    nobody = APIClient()
    nobody.force_authenticate(make_user("new-hire"))
    assert nobody.get(URL).status_code == 403
    assert nobody.post(f"{URL}read-all/").status_code == 403
    assert not NotificationRead.objects.exists()
