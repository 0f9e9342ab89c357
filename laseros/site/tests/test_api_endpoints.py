"""Every API endpoint has the generated tests of laseros.api_testing (a declaration in its app's
tests/test_api_endpoints.py), and every filter its list takes is proven there on two rows: a
filter added later without a Filter case fails here by name."""

from __future__ import annotations

import importlib

import pytest

from laseros.api.routers import router
from laseros.api_testing import DECLARED, NO_ROLE, Filter

APPS = ("laseros", "clients", "inventory", "projects", "ingest", "production", "finance", "comms")
RECORD_APPS = ("laseros", "projects", "ingest", "comms", "production", "finance", "laseros.site")


def declared() -> dict:
    for app in APPS:
        importlib.import_module(f"{app}.tests.test_api_endpoints")
    for app in RECORD_APPS:  # the read-only records' endpoints (laseros.api.records)
        importlib.import_module(f"{app}.tests.test_api_records")
    return DECLARED


def registered() -> dict[str, type]:
    import laseros.site.api_urls  # noqa: F401  (it registers every app's viewsets)

    return {prefix: viewset for prefix, viewset, _basename in router.registry}


def test_every_endpoint_is_declared():
    assert sorted(set(registered()) - set(declared())) == []
    assert sorted(set(declared()) - set(registered())) == []


@pytest.mark.parametrize("prefix", sorted(registered()))
def test_every_filter_is_proven(prefix):
    viewset = registered()[prefix]
    declaration = declared()[prefix]
    names = set(viewset.filterset_class.base_filters) if viewset.filterset_class else set()
    proven = {case.param for case in declaration.filters}
    unproven = set(declaration.unproven_filters)
    assert sorted(names - proven - unproven) == [], f"/api/v1/{prefix}/: no Filter case"
    assert sorted(proven - names) == [], f"/api/v1/{prefix}/: a Filter case for no filter"
    assert sorted(unproven & proven) == [], f"/api/v1/{prefix}/: proven now, drop it from unproven"
    assert all(declaration.unproven_filters.values()), "each unproven filter needs its reason"


@pytest.mark.parametrize("prefix", sorted(registered()))
def test_every_write_the_endpoint_takes_is_declared(prefix):
    """An endpoint that takes POST declares a body to create with, one that takes PATCH a body
    to update with: else its refusals for the roles that may not write go untested."""
    from django.urls import resolve

    declaration = declared()[prefix]
    view = resolve(f"/api/v1/{prefix}/").func
    creates = "post" in view.actions and "post" in view.cls.http_method_names
    assert creates == declaration.creates(), f"/api/v1/{prefix}/ takes POST: {creates}"
    updates = "patch" in declaration.viewset_methods()
    assert updates == declaration.updates(), f"/api/v1/{prefix}/{{id}}/ takes PATCH: {updates}"


# The generated tests can fail: each wrong declaration below is caught.


@pytest.fixture
def clients_declaration():
    from clients.tests.test_api_endpoints import TestClients

    return TestClients


@pytest.mark.django_db
def test_a_role_declared_a_writer_that_may_not_write_fails(make_user, clients_declaration):
    with pytest.raises(AssertionError, match="403"):
        clients_declaration().test_writer_creates(make_user, "Operator")


@pytest.mark.django_db
def test_a_role_declared_a_reader_that_may_not_read_fails(make_user, clients_declaration):
    with pytest.raises(AssertionError, match="permission"):
        clients_declaration().test_reader_lists_and_gets(make_user, NO_ROLE)


@pytest.mark.django_db
def test_a_filter_that_lists_both_rows_fails(make_user, clients_declaration):
    loose = Filter("name", lambda client: "Client")
    with pytest.raises(AssertionError, match="listed a row it does not match"):
        clients_declaration().test_filter(make_user, loose)


@pytest.mark.django_db
def test_a_filter_the_list_does_not_take_fails(make_user, clients_declaration):
    typo = Filter("nmae", lambda client: client.name)
    with pytest.raises(AssertionError, match="listed a row it does not match"):
        clients_declaration().test_filter(make_user, typo)


@pytest.mark.django_db
def test_a_create_the_row_does_not_hold_fails(make_user, clients_declaration):
    class CodeGiven(clients_declaration):  # the code is generated: the one sent is not kept
        def create_data(self):
            return {"name": "Acme", "code": "CL-9999"}

    with pytest.raises(AssertionError, match="CL-9999"):
        CodeGiven().test_writer_creates(make_user, "Manager")


@pytest.mark.django_db
def test_an_update_that_changes_nothing_fails(make_user, clients_declaration):
    class Same(clients_declaration):
        def update_data(self, obj):
            return {"name": obj.name}

    with pytest.raises(AssertionError, match="would change nothing"):
        Same().test_writer_updates(make_user, "Manager")


def test_a_subclass_without_its_own_prefix_declares_nothing_new(clients_declaration):
    class Variant(clients_declaration):
        writers = ()

    assert declared()["clients"] is clients_declaration
