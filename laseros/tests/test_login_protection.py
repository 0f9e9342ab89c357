"""django-axes: five failed logins lock the account for 30 minutes; admins see the attempts."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def _login(client, username, password):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR="198.51.100.4",
    )


def test_five_failures_lock_the_account(client, make_user):
    make_user("olga", password="right-Password-1")
    for _ in range(4):
        assert _login(client, "olga", "wrong").status_code == 200  # form again, with an error
    locked = _login(client, "olga", "wrong")
    assert locked.status_code == 429
    assert b"Account locked" in locked.content
    # Even the right password is refused while locked.
    assert _login(client, "olga", "right-Password-1").status_code == 429
    assert settings.AXES_FAILURE_LIMIT == 5 and settings.AXES_COOLOFF_TIME == 0.5


def test_successful_login_works_and_is_visible_to_admins(make_user, admin_user_client):
    from django.test import Client

    make_user("pat", password="right-Password-1")
    response = _login(Client(), "pat", "right-Password-1")
    assert response.status_code == 302
    _login(Client(), "pat", "nope")
    log = admin_user_client.get("/admin/axes/accesslog/")
    assert log.status_code == 200 and b"pat" in log.content
    failures = admin_user_client.get("/admin/axes/accessfailurelog/")
    assert failures.status_code == 200 and b"pat" in failures.content


def test_login_attempts_go_into_the_audit_trail(client, make_user):
    from laseros.models import ActivityLog

    make_user("quinn", password="right-Password-1")
    _login(client, "quinn", "bad")
    _login(client, "quinn", "right-Password-1")
    actions = list(ActivityLog.objects.order_by("id").values_list("action", "ip_address"))
    assert ("login_failed", "198.51.100.4") in actions
    assert ("login", "198.51.100.4") in actions
