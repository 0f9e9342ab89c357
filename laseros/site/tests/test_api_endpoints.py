"""Every API endpoint has the generated tests of laseros.api_testing (a declaration in its app's
tests/test_api_endpoints.py), and every filter its list takes is proven there on two rows: a
filter added later without a Filter case fails here by name."""

from __future__ import annotations

import importlib

import pytest

from laseros.api.routers import router
from laseros.api_testing import DECLARED

APPS = ("clients", "inventory", "projects", "ingest", "production")


def declared() -> dict:
    for app in APPS:
        importlib.import_module(f"{app}.tests.test_api_endpoints")
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
