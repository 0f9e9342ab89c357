"""An API safe to retry and to share (issue 14, part 3): a POST sent again with its
Idempotency-Key gets the first answer and makes nothing twice, even while the first is still
running; a PUT, PATCH or DELETE with a stale If-Match is refused (412) and changes nothing.

The clients endpoints stand for every routed viewset here (the router gives each the same
mixin, laseros.api.safety); laseros.api_testing checks the ETag of every declared endpoint."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from clients.api import ClientViewSet
from clients.models import Client, Contact
from clients.tests.factories import ClientFactory, ContactFactory
from laseros.models import IdempotencyKey
from laseros.testing import unchanged

pytestmark = pytest.mark.django_db

URL = "/api/v1/clients/"


def post(client, body, key=None, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(URL, body, format="json", **headers, **extra)


# --- Idempotency-Key ----------------------------------------------------------------------------


def test_a_retry_with_the_same_key_gets_the_first_answer_and_makes_nothing_twice(api):
    manager = api("Manager")
    key = str(uuid.uuid4())
    first = post(manager, {"name": "Acme Steel"}, key)
    assert first.status_code == 201, first.data
    again = post(manager, {"name": "Acme Steel"}, key)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Client.objects.filter(name="Acme Steel").count() == 1


def test_without_a_key_each_post_makes_its_own_record(api):
    manager = api("Manager")
    post(manager, {"name": "Acme Steel"})
    post(manager, {"name": "Acme Steel"})
    assert Client.objects.filter(name="Acme Steel").count() == 2


def test_the_same_key_with_another_body_is_refused_and_makes_nothing(api):
    manager = api("Manager")
    post(manager, {"name": "Acme Steel"}, "key-1")
    with unchanged(Client):
        refused = post(manager, {"name": "Bolt Works"}, "key-1")
    assert refused.status_code == 422
    assert "different request" in refused.data["detail"]


def test_the_same_key_at_another_address_is_refused(api):
    manager = api("Manager")
    client = ClientFactory()
    post(manager, {"name": "Acme Steel"}, "key-1")
    with unchanged(Contact):
        refused = manager.post(
            "/api/v1/contacts/",
            {"name": "Acme Steel", "client": client.pk},
            format="json",
            HTTP_IDEMPOTENCY_KEY="key-1",
        )
    assert refused.status_code == 422


def test_keys_belong_to_their_user(api, make_user):
    manager = api("Manager")
    other = APIClient()
    other.force_authenticate(make_user("other-manager", role="Manager"))
    post(manager, {"name": "Acme Steel"}, "shared-key")
    theirs = post(other, {"name": "Acme Steel"}, "shared-key")
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs
    assert Client.objects.filter(name="Acme Steel").count() == 2


def test_a_key_older_than_its_hours_is_forgotten(api, settings):
    settings.IDEMPOTENCY_KEY_HOURS = 24
    manager = api("Manager")
    post(manager, {"name": "Acme Steel"}, "old-key")
    IdempotencyKey.objects.update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    again = post(manager, {"name": "Acme Steel"}, "old-key")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Client.objects.filter(name="Acme Steel").count() == 2


def test_every_users_expired_keys_are_forgotten_daily(api, make_user, settings):
    from django_q.models import Schedule

    from laseros.api.idempotency import forget_expired

    settings.IDEMPOTENCY_KEY_HOURS = 24
    post(api("Manager"), {"name": "Acme Steel"}, "old-key")
    post(api("Admin"), {"name": "Bell Steel"}, "fresh-key")
    IdempotencyKey.objects.filter(key="old-key").update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )
    assert forget_expired() == "1 expired idempotency keys forgotten"
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh-key"]
    schedule = Schedule.objects.get(name="laseros.forget_idempotency_keys")
    assert schedule.func == "laseros.api.idempotency.forget_expired"


@pytest.mark.parametrize(
    "key", ["", "   ", "k" * 256, "tab\there"], ids=["empty", "blank", "too-long", "control"]
)
def test_a_key_no_client_would_send_is_a_400_and_makes_nothing(api, key):
    manager = api("Manager")
    with unchanged(Client, IdempotencyKey):
        refused = post(manager, {"name": "Acme Steel"}, key)
    assert refused.status_code == 400
    assert "Idempotency-Key is 1 to 255 printable characters" in refused.data["detail"][0]


def test_a_refusal_is_answered_again_too(api):
    """A 400 is the answer to that request: the retry of the same body gets it again."""
    manager = api("Manager")
    first = post(manager, {"name": ""}, "bad-body")
    assert first.status_code == 400
    again = post(manager, {"name": ""}, "bad-body")
    assert again.status_code == 400 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"


def test_a_server_error_gives_the_key_back_so_the_retry_runs(api, monkeypatch):
    manager = api("Manager")
    manager.raise_request_exception = False
    original = ClientViewSet.perform_create
    calls = []

    def fails_once(self, serializer):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return original(self, serializer)

    monkeypatch.setattr(ClientViewSet, "perform_create", fails_once)
    assert post(manager, {"name": "Acme Steel"}, "k").status_code == 500
    retry = post(manager, {"name": "Acme Steel"}, "k")
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry
    assert Client.objects.filter(name="Acme Steel").count() == 1


def test_a_multipart_upload_is_told_apart_by_its_file_bytes(api):
    """A form's body is compared by its files' bytes too: another file under the same name and
    key is another request."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from laseros.api import idempotency

    class Request:
        method = "POST"

        def __init__(self, content):
            from django.http import QueryDict

            self.data = QueryDict(mutable=True)
            self.data["project"] = "1"
            self.data["file"] = SimpleUploadedFile("part.dxf", content)

        def get_full_path(self):
            return "/api/v1/files/"

    same = idempotency.fingerprint(Request(b"0\nSECTION")) == idempotency.fingerprint(
        Request(b"0\nSECTION")
    )
    other = idempotency.fingerprint(Request(b"0\nSECTION")) != idempotency.fingerprint(
        Request(b"0\nSECTIOM")
    )
    assert same and other


@pytest.mark.django_db(transaction=True)
def test_a_retry_while_the_first_is_running_makes_nothing_twice(make_user, monkeypatch):
    """Two requests with one key at once (a client that timed out and retried): the first
    makes the client; the second, arriving while the first runs, is told 409 and makes
    nothing; once the first is done, a retry gets its answer."""
    user = make_user("manager", role="Manager")
    original = ClientViewSet.perform_create
    first_is_running, second_answered = threading.Event(), threading.Event()

    def slow(self, serializer):
        first_is_running.set()
        assert second_answered.wait(30), "the second request never answered"
        return original(self, serializer)

    monkeypatch.setattr(ClientViewSet, "perform_create", slow)
    answers = {}

    def send(name):
        from django.db import connection

        client = APIClient()
        client.force_authenticate(user)
        try:
            answers[name] = post(client, {"name": "Acme Steel"}, "one-key")
        finally:
            if name == "second":
                second_answered.set()
            connection.close()

    first = threading.Thread(target=send, args=("first",))
    first.start()
    assert first_is_running.wait(30)
    second = threading.Thread(target=send, args=("second",))
    second.start()
    second.join(60)
    first.join(60)
    assert answers["second"].status_code == 409, answers["second"].data
    assert "still being answered" in answers["second"].data["detail"]
    assert answers["first"].status_code == 201
    assert Client.objects.filter(name="Acme Steel").count() == 1
    client = APIClient()
    client.force_authenticate(user)
    retry = post(client, {"name": "Acme Steel"}, "one-key")
    assert retry.status_code == 201 and retry.json() == answers["first"].json()
    assert Client.objects.filter(name="Acme Steel").count() == 1


# --- ETag and If-Match --------------------------------------------------------------------------


def detail(obj) -> str:
    return f"{URL}{obj.pk}/"


def test_one_record_answers_its_etag_and_a_change_answers_the_new_one(api):
    manager = api("Manager")
    client = ClientFactory(name="Acme")
    read = manager.get(detail(client))
    assert read["ETag"].startswith('"') and read["ETag"].endswith('"')
    assert manager.get(detail(client))["ETag"] == read["ETag"]  # the same record, the same tag
    changed = manager.patch(
        detail(client), {"name": "Acme Steel"}, format="json", HTTP_IF_MATCH=read["ETag"]
    )
    assert changed.status_code == 200, changed.data
    assert changed["ETag"] != read["ETag"]
    assert changed["ETag"] == manager.get(detail(client))["ETag"]


def test_a_stale_if_match_is_412_and_changes_nothing(api):
    """Two editors read the client; the first saves; the second's save is refused."""
    first, second = api("Manager"), api("Admin")
    client = ClientFactory(name="Acme")
    tag = first.get(detail(client))["ETag"]
    assert second.get(detail(client))["ETag"] == tag
    saved = first.patch(detail(client), {"name": "Acme Steel"}, format="json", HTTP_IF_MATCH=tag)
    assert saved.status_code == 200
    with unchanged(Client):
        refused = second.put(
            detail(client), {"name": "Acme Metals"}, format="json", HTTP_IF_MATCH=tag
        )
    assert refused.status_code == 412
    assert "changed since you read it" in refused.data["detail"]
    client.refresh_from_db()
    assert client.name == "Acme Steel"


@pytest.mark.parametrize("if_match", ['W/"abc"', "abc", '"0"', ""], ids=str)
def test_an_if_match_that_names_no_current_etag_is_412(api, if_match):
    manager = api("Manager")
    client = ClientFactory(name="Acme")
    with unchanged(Client):
        refused = manager.patch(
            detail(client), {"name": "Acme Steel"}, format="json", HTTP_IF_MATCH=if_match
        )
    assert refused.status_code == 412


def test_if_match_star_and_a_list_naming_the_current_tag_pass(api):
    manager = api("Manager")
    client = ClientFactory(name="Acme")
    tag = manager.get(detail(client))["ETag"]
    listed = manager.patch(
        detail(client), {"name": "B"}, format="json", HTTP_IF_MATCH=f'"old", {tag}'
    )
    assert listed.status_code == 200
    star = manager.patch(detail(client), {"name": "C"}, format="json", HTTP_IF_MATCH="*")
    assert star.status_code == 200


def test_a_stale_if_match_on_delete_is_412_and_deletes_nothing(api):
    manager = api("Manager")
    contact = ContactFactory(name="Thandi")
    tag = manager.get(f"/api/v1/contacts/{contact.pk}/")["ETag"]
    manager.patch(f"/api/v1/contacts/{contact.pk}/", {"name": "Thandi M"}, format="json")
    with unchanged(Contact):
        refused = manager.delete(f"/api/v1/contacts/{contact.pk}/", HTTP_IF_MATCH=tag)
    assert refused.status_code == 412
    fresh = manager.get(f"/api/v1/contacts/{contact.pk}/")["ETag"]
    gone = manager.delete(f"/api/v1/contacts/{contact.pk}/", HTTP_IF_MATCH=fresh)
    assert gone.status_code == 204


def test_if_match_is_optional_unless_the_setting_requires_it(api, settings):
    manager = api("Manager")
    client = ClientFactory(name="Acme")
    assert manager.patch(detail(client), {"name": "B"}, format="json").status_code == 200
    settings.API_REQUIRE_IF_MATCH = True
    with unchanged(Client):
        refused = manager.patch(detail(client), {"name": "C"}, format="json")
    assert refused.status_code == 428
    assert "If-Match" in refused.data["detail"]
    tag = manager.get(detail(client))["ETag"]
    assert (
        manager.patch(detail(client), {"name": "C"}, format="json", HTTP_IF_MATCH=tag).status_code
        == 200
    )


def test_a_download_of_one_record_still_answers_its_file(api):
    """A GET action answering a file (no data to tag) is left alone: no ETag, no error."""
    from projects.tests.factories import ProjectFactory, design_document

    document = design_document(ProjectFactory())
    response = api("Manager").get(f"/api/v1/project-documents/{document.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) if response.streaming else response.content
    assert not response.has_header("ETag")
