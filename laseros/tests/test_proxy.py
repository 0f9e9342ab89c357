"""Behind a trusted proxy the client's own address is the one Laser OS sees (login lock-outs,
throttles and the audit trail read REMOTE_ADDR); anyone else's X-Real-IP changes nothing."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.urls import path

pytestmark = [pytest.mark.django_db, pytest.mark.urls("laseros.tests.test_proxy")]


def address_view(request):
    return HttpResponse(request.META.get("REMOTE_ADDR", ""))


urlpatterns = [path("address/", address_view)]


def _seen(client, peer: str, header: str | None) -> str:
    extra = {"REMOTE_ADDR": peer}
    if header is not None:
        extra["HTTP_X_REAL_IP"] = header
    return client.get("/address/", **extra).content.decode()


def test_without_trusted_proxies_the_header_is_ignored(client, settings):
    settings.TRUSTED_PROXIES = []
    assert _seen(client, "198.51.100.7", "203.0.113.9") == "198.51.100.7"


def test_a_trusted_proxy_vouches_for_the_clients_address(client, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "unix"]
    assert _seen(client, "127.0.0.1", "203.0.113.9") == "203.0.113.9"
    assert _seen(client, "", "2001:db8::1") == "2001:db8::1"  # nginx on gunicorn's unix socket
    assert _seen(client, "127.0.0.1", None) == "127.0.0.1"


def test_an_untrusted_peer_or_a_malformed_address_changes_nothing(client, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert _seen(client, "198.51.100.7", "203.0.113.9") == "198.51.100.7"
    assert _seen(client, "", "203.0.113.9") == ""  # a unix socket, not trusted here
    for hostile in ("203.0.113.9, 10.0.0.1", "evil", "999.1.1.1", "", "1.2.3.4\nX: y"):
        assert _seen(client, "127.0.0.1", hostile) == "127.0.0.1", hostile


@pytest.mark.urls("laseros.site.urls")
def test_a_failed_login_is_audited_with_the_clients_address(client, settings, make_user):
    from laseros.models import ActivityLog

    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    make_user("manager", role="Manager")
    client.post(
        "/admin/login/?next=/admin/",
        {"username": "manager", "password": "wrong"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_REAL_IP="203.0.113.9",
    )
    entry = ActivityLog.objects.filter(action=ActivityLog.Action.LOGIN_FAILED).latest("pk")
    assert entry.ip_address == "203.0.113.9"
