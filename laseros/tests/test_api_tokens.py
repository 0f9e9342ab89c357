"""Named API tokens (issue 14): several per user, the key shown once and only its hash kept, the
last use noted, revoked from the API or the admin; DRF's one token per user still works."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.contenttypes.models import ContentType
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from laseros.models import ActivityLog, ApiToken
from laseros.testing import unchanged

pytestmark = pytest.mark.django_db

URL = "/api/v1/tokens/"


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(api):
    operator = api("Operator")
    made = operator.post(URL, {"name": "cut-list export"}, format="json")
    assert made.status_code == 201, made.data
    key = made.data["token"]
    assert key.startswith("lsr_") and len(key) >= 40
    row = ApiToken.objects.get(pk=made.data["id"])
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    stored = [str(value) for value in ApiToken.objects.filter(pk=row.pk).values().first().values()]
    assert key not in stored
    assert "token" not in operator.get(f"{URL}{row.pk}/").data
    assert all("token" not in item for item in operator.get(URL).data["results"])
    assert ActivityLog.objects.filter(
        action=ActivityLog.Action.CREATE,
        content_type=ContentType.objects.get_for_model(ApiToken),
        object_id=str(row.pk),
        actor=operator.user,
    ).exists()


def test_a_token_signs_in_and_its_last_use_is_noted(api):
    viewer = api("Viewer")
    first = viewer.post(URL, {"name": "dashboard"}, format="json").data
    second = viewer.post(URL, {"name": "spreadsheet"}, format="json").data
    assert ApiToken.objects.get(pk=first["id"]).last_used_at is None
    for made in (first, second):
        me = with_key(made["token"]).get("/api/v1/me/")
        assert me.status_code == 200 and me.data["username"] == viewer.user.username
        assert ApiToken.objects.get(pk=made["id"]).last_used_at is not None


def test_a_revoked_token_no_longer_signs_in_and_its_row_stays(api):
    viewer = api("Viewer")
    made = viewer.post(URL, {"name": "dashboard"}, format="json").data
    assert viewer.delete(f"{URL}{made['id']}/").status_code == 204
    refused = with_key(made["token"]).get("/api/v1/me/")
    assert refused.status_code == 401
    row = ApiToken.objects.get(pk=made["id"])
    assert row.revoked_at is not None
    assert viewer.get(URL, {"active": "false"}).data["results"][0]["id"] == row.pk
    assert viewer.get(URL, {"active": "true"}).data["count"] == 0


@pytest.mark.parametrize("key", ["lsr_" + "A" * 40, "lsr_", "0" * 40, "lsr_\u00e9t\u00e9"], ids=str)
def test_a_key_no_token_has_is_401(key):
    assert with_key(key).get("/api/v1/me/").status_code == 401


def test_two_active_tokens_of_one_user_cannot_share_a_name(api):
    viewer = api("Viewer")
    viewer.post(URL, {"name": "dashboard"}, format="json")
    with unchanged(ApiToken):
        refused = viewer.post(URL, {"name": "dashboard"}, format="json")
    assert refused.status_code == 400
    assert "already have an active token" in str(refused.data)


def test_a_user_sees_and_revokes_only_their_own_tokens(api, make_user):
    operator = api("Operator")
    other = APIClient()
    other.force_authenticate(make_user("other-operator", role="Operator"))
    theirs = other.post(URL, {"name": "theirs"}, format="json").data
    assert operator.get(URL).data["count"] == 0
    assert operator.get(f"{URL}{theirs['id']}/").status_code == 404
    with unchanged(ApiToken):
        assert operator.delete(f"{URL}{theirs['id']}/").status_code == 404
    assert with_key(theirs["token"]).get("/api/v1/me/").status_code == 200


def test_a_manager_sees_everyones_tokens_and_may_revoke_them(api, make_user):
    manager = api("Manager")
    other = APIClient()
    other.force_authenticate(make_user("operator", role="Operator"))
    theirs = other.post(URL, {"name": "theirs"}, format="json").data
    listed = manager.get(URL, {"user": "operator"}).data["results"]
    assert [row["id"] for row in listed] == [theirs["id"]]
    assert manager.delete(f"{URL}{theirs['id']}/").status_code == 204
    assert with_key(theirs["token"]).get("/api/v1/me/").status_code == 401


def test_drf_tokens_made_before_still_sign_in(make_user):
    token = Token.objects.create(user=make_user("old-bot", role="Viewer"))
    assert with_key(token.key).get("/api/v1/me/").data["username"] == "old-bot"


def test_an_inactive_users_token_does_not_sign_in(api):
    viewer = api("Viewer")
    key = viewer.post(URL, {"name": "dashboard"}, format="json").data["token"]
    viewer.user.is_active = False
    viewer.user.save()
    assert with_key(key).get("/api/v1/me/").status_code == 401


def test_the_admin_makes_a_token_shows_its_key_once_and_revokes(admin_user_client, make_user):
    owner = make_user("bot", role="Viewer")
    response = admin_user_client.post(
        "/admin/laseros/apitoken/add/", {"user": owner.pk, "name": "sage export"}, follow=True
    )
    assert response.status_code == 200
    row = ApiToken.objects.get(user=owner, name="sage export")
    shown = [str(m) for m in response.context["messages"]]
    key = next(word for m in shown for word in m.split() if word.startswith("lsr_"))
    assert hashlib.sha256(key.encode()).hexdigest() == row.key_hash
    assert (
        key
        not in admin_user_client.get(f"/admin/laseros/apitoken/{row.pk}/change/").content.decode()
    )
    assert with_key(key).get("/api/v1/me/").status_code == 200
    admin_user_client.post(
        "/admin/laseros/apitoken/",
        {"action": "revoke", "_selected_action": [row.pk]},
        follow=True,
    )
    assert with_key(key).get("/api/v1/me/").status_code == 401


def test_a_manager_lists_tokens_in_the_admin_but_makes_none(client, make_user):
    client.force_login(make_user("manager", role="Manager"))
    assert client.get("/admin/laseros/apitoken/").status_code == 200
    assert client.get("/admin/laseros/apitoken/add/").status_code == 403
