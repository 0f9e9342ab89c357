"""The tests every API endpoint gets from a declaration (NetBox's APIViewTestCases, the pytest way).

An app's tests declare each endpoint once, as a subclass named Test…:

    class TestClients(EndpointTests):
        prefix = "clients"
        model = Client
        writers = (ADMIN, MANAGER)
        filters = (Filter("code", lambda c: c.code), ...)

        def make(self, n): return ClientFactory()
        def create_data(self): return {"name": "Acme"}
        def update_data(self, obj): return {"name": "Acme Steel"}

and get, per role (each test's id names it), the tests below:

- anonymous: every request refused, nothing changed;
- a role that may read lists the object and gets it; one that may not (a user with no role
  too) gets 403 on both;
- a role that may write creates (201, the row holds what was sent, an audit entry names the
  user) and updates (200, the row changed to what was sent, audited); one that may not gets
  403 and nothing changes (rows and audit log, `laseros.testing.unchanged`);
- where the endpoint takes DELETE, the roles in `deleters` delete (204, then `gone(obj)`:
  the row is gone, or soft-deleted or cancelled where the declaration says so), every other
  role gets 403 and nothing changes;
- a GET of one object answers its ETag; a PATCH with it as If-Match goes through, a stale one
  is 412 and changes nothing (laseros.api.etags);
- each declared filter lists the object it matches and not another one the same list shows
  without it;
- every filter the list takes answers hostile values (HOSTILE) with a list or a 400 naming it.

Only what a declaration names is tested: an endpoint that does not create does not override
`create_data`, a read-only one leaves `writers` empty (a skipped test says so).
laseros/site/tests/test_api_endpoints.py checks that every registered endpoint is declared and
every filter it has is proven here, and that a wrong declaration fails.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, ClassVar

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import models
from rest_framework.test import APIClient

from laseros.roles import ADMIN, MANAGER, ROLES
from laseros.testing import unchanged

NO_ROLE = "no role"  # a signed-in user in no role group: a new account not yet given one
EVERY_ROLE = ROLES

# Which roles each generated test runs as (the test's `role`), by the test's name.
ROLE_KINDS = {
    "test_reader_lists_and_gets": "readers",
    "test_non_reader_is_refused": "non_readers",
    "test_writer_creates": "creators",
    "test_non_writer_cannot_create": "non_creators",
    "test_writer_updates": "updaters",
    "test_non_writer_cannot_update": "non_updaters",
    "test_deleter_deletes": "deleters",
    "test_non_deleter_cannot_delete": "non_deleters",
}

# Query values no filter can use, made here (never stored): each must give a list or a 400.
HOSTILE = [
    "²",  # a digit to str.isdigit(), not to int()
    "١٢",  # digits in another script
    "9" * 40,  # past any integer column
    "-1",
    "1e999",
    "NaN",
    "2026-02-30",
    "10000-01-01T00:00:00+16:01",
    "\x00",
    "' OR 1=1 --",
    "x" * 5000,
    "ok\udcff".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
]
HOSTILE_IDS = [
    "superscript",
    "arabic-digits",
    "huge",
    "negative",
    "inf",
    "nan",
    "no-such-day",
    "bad-offset",
    "nul",
    "sql",
    "long",
    "replacement",
]

# Every endpoint declared so far, by prefix (filled as the app's test modules are imported).
DECLARED: dict[str, type[EndpointTests]] = {}


@dataclass(frozen=True)
class Filter:
    """`?{param}={value(match)}` lists `match` and leaves out `other`, which the list shows
    without the filter. `arrange(match, other)` first makes the two rows differ in what the
    filter reads, when two rows made alike would agree (same day, both active)."""

    param: str
    value: Callable[[Any], object]
    arrange: Callable[[Any, Any], None] | None = None
    name: str = ""  # an id for a param tried twice ("status=waiting")
    # the params under which the list shows both rows unfiltered (deleted files: deleted=all)
    shown: dict[str, str] = dataclass_field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.name or self.param


def day(value: dt.datetime | dt.date | None) -> str:
    """The local calendar day of a stored time (or a date), as a filter takes it."""
    assert value is not None, "the row has no time to filter by"
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        value = timezone.localdate(value)
    return value.isoformat()


def set_fields(obj: models.Model, **values: object) -> None:
    """Test set-up: write `values` to the row directly (no service, no auto_now), and to `obj`."""
    type(obj)._default_manager.filter(pk=obj.pk).update(**values)
    for name, value in values.items():
        setattr(obj, name, value)


def someone(username: str):
    """A user (made once) for a filter by user to find."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get_or_create(username=username)[0]


def earlier(obj: models.Model, *fields: str, days: int = 30) -> None:
    """Move the row's times (or dates) `days` back, so a range filter can tell it apart; an
    empty one is set to now (today) first."""
    values: dict[str, object] = {}
    for name in fields:
        current = getattr(obj, name) or now_for(obj, name)
        values[name] = current - dt.timedelta(days=days)
    set_fields(obj, **values)


def now_for(obj: models.Model, field: str) -> dt.date:
    """Now, for a time field; today, for a date field."""
    from django.utils import timezone

    if isinstance(obj._meta.get_field(field), models.DateTimeField):
        return timezone.now()
    return timezone.localdate()


def dates(
    field: str, name: str = "", *, also: tuple[str, ...] = (), **shown: str
) -> tuple[Filter, Filter]:
    """`{name}_after` and `{name}_before` (a day, inclusive) on a time or date field, each
    proven: the other row (for _after) or the matching one (for _before) is a month earlier.
    `name` is the field's without `_at`, unless given; `also`: fields moved with it, where a
    check constraint keeps them in order (a run's start before its end); `shown` as Filter's."""
    name = name or field.removesuffix("_at")

    def apart(moved_is_match: bool) -> Callable[[Any, Any], None]:
        def arrange(match, other):
            for obj in (match, other):
                if getattr(obj, field) is None:
                    set_fields(obj, **{field: now_for(obj, field)})
            earlier(match if moved_is_match else other, field, *also)

        return arrange

    def value(obj):
        return day(getattr(obj, field))

    return (
        Filter(f"{name}_after", value, apart(moved_is_match=False), shown=shown),
        Filter(f"{name}_before", value, apart(moved_is_match=True), shown=shown),
    )


class RoleClient(APIClient):
    """DRF's test client, and the user it is signed in as (None: nobody)."""

    user: Any = None


class EndpointTests:
    """The generated tests of one endpoint; see the module's docstring. Not collected itself
    (its name does not start with Test); each subclass is."""

    prefix: ClassVar[str]
    model: ClassVar[type[models.Model]]
    readers: ClassVar[tuple[str, ...]] = EVERY_ROLE
    writers: ClassVar[tuple[str, ...]] = ()
    # roles that may DELETE (empty: the endpoint takes no DELETE, or nobody may)
    deleters: ClassVar[tuple[str, ...]] = ()
    filters: ClassVar[tuple[Filter, ...]] = ()
    # other models a refused write must leave alone (the stock a movement would change, ...)
    watched: ClassVar[tuple[type[models.Model], ...]] = ()
    create_format: ClassVar[str] = "json"
    create_status: ClassVar[int] = 201
    filter_role: ClassVar[str] = MANAGER
    # filters a list has that no Filter here proves yet: each one is work to do, with a reason
    unproven_filters: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "prefix" in cls.__dict__:
            DECLARED[cls.prefix] = cls

    # --- the declaration ----------------------------------------------------------------------

    def make(self, n: int) -> models.Model:
        """A new object the list shows; n = 0, 1, ... makes different ones."""
        raise NotImplementedError

    def create_data(self) -> dict[str, Any]:
        """A valid body for POST (objects it refers to are made here)."""
        raise NotImplementedError

    def update_data(self, obj: models.Model) -> dict[str, Any]:
        """A valid PATCH body that changes `obj`."""
        raise NotImplementedError

    @classmethod
    def creates(cls) -> bool:
        return cls.create_data is not EndpointTests.create_data

    @classmethod
    def updates(cls) -> bool:
        return cls.update_data is not EndpointTests.update_data

    @classmethod
    def deletes(cls) -> bool:
        """Whether the endpoint takes DELETE (then roles outside `deleters` are refused)."""
        return "delete" in cls.viewset_methods()

    @classmethod
    def viewset_methods(cls) -> set[str]:
        from django.urls import resolve

        view = resolve(f"{cls.url_of(cls.prefix)}1/").func
        allowed = getattr(view.cls, "http_method_names", ())  # type: ignore[attr-defined]
        return {method for method in getattr(view, "actions", {}) if method in allowed}

    # --- generation ---------------------------------------------------------------------------

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        cls = type(self)
        kind = ROLE_KINDS.get(metafunc.function.__name__)
        if kind is not None:
            roles, why_none = cls._roles_for(kind)
            params: list[Any] = list(roles)
            if not params:
                params = [pytest.param(None, marks=pytest.mark.skip(reason=why_none), id="none")]
            metafunc.parametrize("role", params)
        if "hostile" in metafunc.fixturenames:
            metafunc.parametrize("hostile", HOSTILE, ids=HOSTILE_IDS)
        if "case" in metafunc.fixturenames:
            cases = [pytest.param(f, id=f.id) for f in cls.filters] or [
                pytest.param(None, marks=pytest.mark.skip(reason="no filters declared"))
            ]
            metafunc.parametrize("case", cases)

    @classmethod
    def _roles_for(cls, kind: str) -> tuple[list[str], str]:
        everyone = [NO_ROLE, *EVERY_ROLE]
        where = f"/api/v1/{cls.prefix}/"
        if kind == "readers":
            return list(cls.readers), f"no role reads {where}"
        if kind == "non_readers":
            return [r for r in everyone if r not in cls.readers], ""
        if kind.endswith("deleters"):
            if not cls.deletes():
                return [], f"{where} takes no DELETE"
            if kind.startswith("non_"):
                return [r for r in everyone if r not in cls.deleters], f"every role deletes {where}"
            return list(cls.deleters), f"no role may DELETE on {where}"
        acts = {"creators": cls.creates(), "updaters": cls.updates()}.get(kind.removeprefix("non_"))
        if not acts:
            verb = "create" if "creators" in kind else "update"
            return [], f"{where} does not {verb} (none declared)"
        if kind.startswith("non_"):
            return [r for r in everyone if r not in cls.writers], f"every role writes {where}"
        return list(cls.writers), f"no role writes {where}"

    # --- helpers ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.url_of(self.prefix)

    def detail_url(self, obj: models.Model) -> str:
        return f"{self.url}{obj.pk}/"

    def client_as(self, make_user, role: str | None):
        """An APIClient signed in as a staff user in `role` (Admin is a superuser too; NO_ROLE
        is in no group); None: nobody signed in."""
        client = RoleClient()
        if role is not None:
            group = None if role == NO_ROLE else role
            user = make_user(
                f"api-{role.lower().replace(' ', '-')}", role=group, superuser=role == ADMIN
            )
            client.force_authenticate(user)
            client.user = user
        return client

    def watched_models(self) -> tuple[type[models.Model], ...]:
        return (self.model, *self.watched)

    # --- the tests ----------------------------------------------------------------------------

    def test_anonymous_is_refused(self, make_user):
        obj = self.make(0)
        nobody = self.client_as(make_user, None)
        create = self.create_data() if self.creates() else None
        update = self.update_data(obj) if self.updates() else None
        refused = (401, 403)
        with unchanged(*self.watched_models()):
            expect(nobody.get(self.url), *refused, doing=f"anonymous GET {self.url}")
            expect(nobody.get(self.detail_url(obj)), *refused, doing="anonymous GET one")
            if create is not None:
                answer = nobody.post(self.url, create, format=self.create_format)
                expect(answer, *refused, doing=f"anonymous POST {self.url}")
            if update is not None:
                answer = nobody.patch(self.detail_url(obj), update, format="json")
                expect(answer, *refused, doing="anonymous PATCH")
            if self.deletes():
                expect(nobody.delete(self.detail_url(obj)), *refused, doing="anonymous DELETE")

    def test_reader_lists_and_gets(self, make_user, role):
        obj = self.make(0)
        client = self.client_as(make_user, role)
        response = client.get(self.url)
        expect(response, 200, doing=f"{role}: GET {self.url}")
        assert obj.pk in listed_ids(response), f"{role}: the list leaves out {obj!r}"
        response = client.get(self.detail_url(obj))
        expect(response, 200, doing=f"{role}: GET {self.detail_url(obj)}")
        assert response.data["id"] == obj.pk, f"{role}: another row answered: {response.data}"
        assert response.has_header("ETag"), f"{role}: GET {self.detail_url(obj)} has no ETag"

    def test_non_reader_is_refused(self, make_user, role):
        obj = self.make(0)
        client = self.client_as(make_user, role)
        expect(client.get(self.url), 403, doing=f"{role}: GET {self.url}")
        expect(client.get(self.detail_url(obj)), 403, doing=f"{role}: GET one")

    def test_writer_creates(self, make_user, role):
        from laseros.models import ActivityLog

        client = self.client_as(make_user, role)
        body = self.create_data()
        before = set(self.model._default_manager.values_list("pk", flat=True))
        response = client.post(self.url, body, format=self.create_format)
        expect(response, self.create_status, doing=f"{role}: POST {self.url}")
        made = list(self.model._default_manager.exclude(pk__in=before))
        assert len(made) == 1, f"{role}: POST {self.url} made {len(made)} rows, not one"
        obj = made[0]
        differences = stored_differences(obj, body)
        assert not differences, f"{role}: the new row does not hold (sent, stored) {differences}"
        assert self.audited(obj, client.user, ActivityLog.Action.CREATE), (
            f"{role}: no audit entry names {client.user} creating {obj!r}"
        )

    def test_non_writer_cannot_create(self, make_user, role):
        client = self.client_as(make_user, role)
        body = self.create_data()
        with unchanged(*self.watched_models()):
            answer = client.post(self.url, body, format=self.create_format)
            expect(answer, 403, doing=f"{role}: POST {self.url}")

    def test_writer_updates(self, make_user, role):
        from laseros.models import ActivityLog

        obj = self.make(0)
        client = self.client_as(make_user, role)
        body = self.update_data(obj)
        assert stored_differences(obj, body), f"{body} would change nothing: it proves nothing"
        response = client.patch(self.detail_url(obj), body, format="json")
        expect(response, 200, doing=f"{role}: PATCH {self.detail_url(obj)}")
        obj.refresh_from_db()
        differences = stored_differences(obj, body)
        assert not differences, f"{role}: the row does not hold (sent, stored) {differences}"
        assert self.audited(obj, client.user, ActivityLog.Action.UPDATE), (
            f"{role}: no audit entry names {client.user} changing {obj!r}"
        )

    def test_if_match_guards_an_update(self, make_user):
        """The ETag a GET answers lets the PATCH through (If-Match); a stale one is 412 and
        changes nothing (laseros.api.etags)."""
        if not (self.updates() and self.writers):
            pytest.skip(f"{self.url} does not update (none declared)")
        obj = self.make(0)
        client = self.client_as(make_user, self.writers[0])
        body = self.update_data(obj)
        tag = client.get(self.detail_url(obj))["ETag"]
        with unchanged(*self.watched_models()):
            stale = client.patch(self.detail_url(obj), body, format="json", HTTP_IF_MATCH='"0"')
            expect(stale, 412, doing=f"PATCH {self.detail_url(obj)} with a stale If-Match")
        response = client.patch(self.detail_url(obj), body, format="json", HTTP_IF_MATCH=tag)
        expect(response, 200, doing=f"PATCH {self.detail_url(obj)}, If-Match the ETag of its GET")
        assert response["ETag"] == client.get(self.detail_url(obj))["ETag"], "a stale ETag answered"

    def test_non_writer_cannot_update(self, make_user, role):
        obj = self.make(0)
        client = self.client_as(make_user, role)
        body = self.update_data(obj)
        with unchanged(*self.watched_models()):
            answer = client.patch(self.detail_url(obj), body, format="json")
            expect(answer, 403, doing=f"{role}: PATCH {self.detail_url(obj)}")

    def test_deleter_deletes(self, make_user, role):
        obj = self.make(0)
        client = self.client_as(make_user, role)
        response = client.delete(self.detail_url(obj))
        expect(response, 204, doing=f"{role}: DELETE {self.detail_url(obj)}")
        assert self.gone(obj), f"{role}: DELETE answered 204 but {obj!r} is still there"

    def test_non_deleter_cannot_delete(self, make_user, role):
        obj = self.make(0)
        client = self.client_as(make_user, role)
        with unchanged(*self.watched_models()):
            expect(client.delete(self.detail_url(obj)), 403, doing=f"{role}: DELETE one")

    def test_filter(self, make_user, case: Filter):
        match, other = self.make(0), self.make(1)
        if case.arrange is not None:
            case.arrange(match, other)
        client = self.client_as(make_user, self.filter_role)
        everything = listed_ids(client.get(self.url, case.shown))
        assert {match.pk, other.pk} <= everything, "the list without the filter misses a row"
        value = case.value(match)
        response = client.get(self.url, {case.param: value})
        expect(response, 200, doing=f"GET {self.url}?{case.param}={value}")
        found = listed_ids(response)
        assert match.pk in found, f"?{case.param}={value} left out the row it matches"
        assert other.pk not in found, f"?{case.param}={value} listed a row it does not match"

    def test_filters_take_hostile_values(self, make_user, hostile):
        """Every filter the list takes (declared here or not) answers a value it cannot use
        with a list or a 400 that names it, never a 500."""
        self.make(0)
        client = self.client_as(make_user, self.filter_role)
        for name in sorted(self.filter_names()):
            response = client.get(self.url, {name: hostile})
            expect(response, 200, 400, doing=f"GET {self.url}?{name}={hostile!r}")
            if response.status_code == 400:
                assert name in response.data, f"?{name}={hostile!r}: a 400 naming {response.data}"

    @classmethod
    def filter_names(cls) -> set[str]:
        from django.urls import resolve

        view = resolve(cls.url_of(cls.prefix)).func
        filterset = getattr(view.cls, "filterset_class", None)  # type: ignore[attr-defined]
        return set(filterset.base_filters) if filterset is not None else set()

    @staticmethod
    def url_of(prefix: str) -> str:
        return f"/api/v1/{prefix}/"

    def gone(self, obj: models.Model) -> bool:
        """Whether a DELETE took the row away (a soft delete or a cancel overrides this)."""
        return not type(obj)._default_manager.filter(pk=obj.pk).exists()

    def audited(self, obj: models.Model, user, action: str) -> bool:
        """An audit entry of `action` by `user` names the row."""
        from laseros.models import ActivityLog

        return ActivityLog.objects.filter(
            actor=user,
            action=action,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
        ).exists()


def expect(response, *statuses: int, doing: str) -> None:
    """The response's status is one of `statuses`; else say what was done and what came back."""
    if response.status_code not in statuses:
        wanted = " or ".join(str(status) for status in statuses)
        body = getattr(response, "data", None)
        raise AssertionError(f"{doing} answered {response.status_code}, not {wanted}: {body}")


def listed_ids(response) -> set[int]:
    """The ids an API list answered (a page's results, or a whole list)."""
    assert response.status_code == 200, response.data
    rows = response.data["results"] if isinstance(response.data, dict) else response.data
    return {row["id"] for row in rows}


def stored_differences(obj: models.Model, body: dict[str, Any]) -> dict[str, tuple]:
    """{field: (sent, stored)} for each value of `body` the row does not hold. A key that is
    no column of the row (write-only input, a file) is not compared; a foreign key is compared
    by id; a value is read as the field reads it ("3" is 3.00 mm, an ISO string a time)."""
    differences = {}
    columns = {f.name: f for f in obj._meta.concrete_fields}
    for key, sent in body.items():
        field = columns.get(key)
        if field is None or isinstance(field, models.FileField):
            continue
        stored = getattr(obj, field.attname)
        wanted = field.to_python(sent) if sent is not None else None
        if isinstance(field, models.DateTimeField) and isinstance(wanted, dt.datetime):
            from django.utils import timezone

            if timezone.is_naive(wanted):
                wanted = timezone.make_aware(wanted)
        if wanted != stored:
            differences[key] = (sent, stored)
    return differences
