"""django-axes: five failed logins lock the account, from that address, for 30 minutes; admins
see the attempts. The API's token endpoint counts toward the same lockout and is throttled."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from laseros.testing import unchanged

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Throttle counts live in the cache, which outlives a test: start and end with none."""
    cache.clear()
    yield
    cache.clear()


def _login(client, username, password, ip="198.51.100.4"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def _token(username, password, ip="198.51.100.4"):
    return APIClient().post(TOKEN_URL, {"username": username, "password": password}, REMOTE_ADDR=ip)


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


def test_failures_from_one_address_do_not_lock_the_account_elsewhere(make_user):
    """A stranger who types the manager's username five times locks only themself out."""
    make_user("admin", password="right-Password-1")
    stranger, office = Client(), Client()
    for _ in range(5):
        _login(stranger, "admin", "guess", ip="203.0.113.66")
    assert _login(stranger, "admin", "right-Password-1", ip="203.0.113.66").status_code == 429
    assert _login(office, "admin", "right-Password-1", ip="198.51.100.4").status_code == 302


def test_lockout_page_says_what_is_locked_and_for_how_long(client, make_user):
    make_user("olga", password="right-Password-1")
    for _ in range(5):
        locked = _login(client, "olga", "wrong")
    page = locked.content.decode()
    assert locked.status_code == 429
    assert "from this address" in page and "30 minutes" in page and "PT30M" not in page


def test_token_endpoint_is_throttled():
    """Guessing many accounts' passwords (each under axes' limit) still meets the throttle."""
    rate = ScopedRateThrottle.THROTTLE_RATES.get("token")
    assert rate == "10/min"  # API_THROTTLE_TOKEN's default
    limit = int(rate.split("/")[0])
    answers = [_token(f"user{i}", "guess", ip="203.0.113.9").status_code for i in range(limit)]
    assert answers == [400] * limit
    refused = _token("user-next", "guess", ip="203.0.113.9")
    assert refused.status_code == 429 and "Retry-After" in refused
    # Another address has its own count.
    assert _token("user-next", "guess", ip="203.0.113.10").status_code == 400


def test_a_forged_forwarded_for_header_does_not_reset_the_throttle():
    """The address is REMOTE_ADDR (as for axes and the audit trail), not a header the client
    writes: a new X-Forwarded-For on every request does not make a new client."""
    limit = int(ScopedRateThrottle.THROTTLE_RATES["token"].split("/")[0])
    answers = [
        APIClient()
        .post(
            TOKEN_URL,
            {"username": f"user{i}", "password": "guess"},
            REMOTE_ADDR="203.0.113.30",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{i}",
        )
        .status_code
        for i in range(limit + 1)
    ]
    assert answers[-1] == 429


def test_token_failures_count_toward_the_lockout(make_user):
    make_user("api-user", password="right-Password-1")
    for _ in range(5):
        _token("api-user", "guess", ip="203.0.113.20")
    with unchanged(Token, audit=False):  # the refused login itself goes in the audit log
        refused = _token("api-user", "right-Password-1", ip="203.0.113.20")
    assert refused.status_code in (403, 429) and "token" not in refused.content.decode()
    assert _login(Client(), "api-user", "right-Password-1", ip="203.0.113.20").status_code == 429
    # The same account from another address still gets its token.
    other = _token("api-user", "right-Password-1", ip="198.51.100.7")
    assert other.status_code == 200 and len(other.json()["token"]) == 40
