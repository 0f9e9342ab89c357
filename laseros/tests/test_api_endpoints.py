"""The core's endpoints' generated tests (laseros.api_testing): /api/v1/tokens/.

A token list is a user's own: every signed-in user makes and revokes their own tokens, and
managers (laseros.view_apitoken / change_apitoken) see and revoke everyone's. So a role that may
not read someone else's token is answered as if it did not exist (404, and a list without it),
not 403: the endpoint is theirs too."""

from __future__ import annotations

from django.utils import timezone

from laseros.api_testing import (
    NO_ROLE,
    EndpointTests,
    Filter,
    dates,
    expect,
    listed_ids,
    set_fields,
    someone,
)
from laseros.models import ApiToken
from laseros.roles import ADMIN, MANAGER, OPERATOR, VIEWER
from laseros.testing import unchanged
from laseros.tokens import token_create


class TestApiTokens(EndpointTests):
    prefix = "tokens"
    model = ApiToken
    readers = (ADMIN, MANAGER)
    writers = (NO_ROLE, ADMIN, MANAGER, OPERATOR, VIEWER)
    deleters = (ADMIN, MANAGER)
    filters = (
        Filter("name", lambda token: token.name),
        Filter("user", lambda token: token.user.username),
        Filter(
            "active",
            lambda token: "true",
            arrange=lambda match, other: set_fields(other, revoked_at=timezone.now()),
        ),
        *dates("created_at"),
        *dates("last_used_at", "last_used"),
    )

    def make(self, n):
        return token_create(user=someone(f"token-owner-{n}"), name=f"export {n}")[0]

    def create_data(self):
        return {"name": "cut-list export"}

    def gone(self, obj):
        return ApiToken.objects.get(pk=obj.pk).revoked_at is not None  # revoked, kept

    def test_non_reader_is_refused(self, make_user, role):
        obj = self.make(0)
        client = self.client_as(make_user, role)
        response = client.get(self.url)
        expect(response, 200, doing=f"{role}: GET {self.url} (their own tokens)")
        assert obj.pk not in listed_ids(response), f"{role} sees another user's token"
        expect(client.get(self.detail_url(obj)), 404, doing=f"{role}: GET another's token")

    def test_non_deleter_cannot_delete(self, make_user, role):
        obj = self.make(0)
        client = self.client_as(make_user, role)
        with unchanged(*self.watched_models()):
            expect(client.delete(self.detail_url(obj)), 404, doing=f"{role}: DELETE another's")
