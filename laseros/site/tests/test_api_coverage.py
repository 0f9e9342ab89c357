"""Every record a manager sees in the admin is reachable in the API (issue 14), with filters,
ordering and pagination: a model registered in the admin that the Manager role may view and
that no endpoint lists fails here by name, unless it is in EXCLUDED with its reason."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from rest_framework.filters import OrderingFilter

from laseros.api.routers import router
from laseros.roles import MANAGER, allowed_actions

# Seen by managers in the admin, and not on the API, on purpose.
EXCLUDED = {
    # login protection: failed logins by username and address. A program with a token has no
    # use for them, and a leaked token must not list which accounts to try next.
    "axes.accessattempt": "login protection (who failed to log in, from where): admin only",
    "axes.accesslog": "login protection (who failed to log in, from where): admin only",
    "axes.accessfailurelog": "login protection (who failed to log in, from where): admin only",
    # the task queue's own tables: pickled arguments and results, not the shop's records; the
    # work they do shows on the records it changes, and /healthz reports the queue
    "django_q.schedule": "the task queue's internals (/healthz reports the queue)",
    "django_q.success": "the task queue's internals (/healthz reports the queue)",
    "django_q.failure": "the task queue's internals (/healthz reports the queue)",
    "django_q.ormq": "the task queue's internals (/healthz reports the queue)",
    "laseros.workerheartbeat": "a worker process's sign of life, read by /healthz",
}
# Added to the admin by work running beside issue 14's API part, whose endpoints are owed: each
# one is work to do, not a decision (drop it here when its endpoint lands).
PENDING: dict[str, str] = {}
# Lists of one or a handful of settings rows: ordered and paged, with nothing worth filtering by.
UNFILTERED = {"finance.shoprates", "finance.quantitybreak", "finance.vatrate"}


def label(model) -> str:
    return model._meta.label_lower


def managers_admin_models() -> set[str]:
    """Every model in the admin that the role matrix lets a manager view."""
    admin.autodiscover()
    return {
        label(model)
        for model in admin.site._registry
        if "v" in allowed_actions(MANAGER, model._meta.app_label, str(model._meta.model_name))
    }


def routed() -> dict[str, type]:
    """{model label: viewset} of every endpoint on the router."""
    import laseros.site.api_urls  # noqa: F401  (it registers every app's viewsets)

    endpoints: dict[str, type] = {}
    for _prefix, viewset, _basename in router.registry:
        serializer: Any = getattr(viewset, "serializer_class", None)
        queryset = getattr(viewset, "queryset", None)
        model = queryset.model if queryset is not None else serializer.Meta.model
        endpoints.setdefault(label(model), viewset)
    return endpoints


def uncovered(models: set[str], endpoints: dict[str, type]) -> list[str]:
    return sorted(models - set(endpoints) - set(EXCLUDED) - set(PENDING))


def test_every_record_a_manager_sees_in_the_admin_has_an_endpoint():
    assert uncovered(managers_admin_models(), routed()) == []


def test_the_exclusions_are_still_in_the_admin_and_not_on_the_api():
    models, endpoints = managers_admin_models(), routed()
    assert sorted(set(EXCLUDED) - models) == [], "excluded, but no longer in a manager's admin"
    assert sorted(set(EXCLUDED) & set(endpoints)) == [], "excluded, but on the API: drop it"
    assert all(EXCLUDED.values())
    assert sorted(set(PENDING) & set(endpoints)) == [], "its endpoint landed: drop it from PENDING"


@pytest.mark.parametrize("model", sorted(managers_admin_models() - set(EXCLUDED) - set(PENDING)))
def test_each_endpoint_filters_orders_and_pages(model):
    viewset = routed()[model]
    assert viewset.pagination_class is not None, f"{model}: not paged"
    backends = viewset.filter_backends
    assert any(issubclass(b, OrderingFilter) for b in backends), f"{model}: no ordering"
    assert getattr(viewset, "ordering_fields", None), f"{model}: no ordering_fields named"
    if model not in UNFILTERED:
        assert getattr(viewset, "filterset_class", None), f"{model}: no filters"


def test_a_model_in_the_admin_without_an_endpoint_is_named():
    """The check can fail: a manager's admin model no endpoint lists is reported."""
    endpoints = routed()
    endpoints.pop("projects.projectstatuschange")
    assert uncovered(managers_admin_models(), endpoints) == ["projects.projectstatuschange"]
