"""Exact query counts per list page, against a baseline kept in query_counts.json.

Every admin changelist a manager may open and every API list endpoint is fetched as a manager
in a fixed demo shop; the number of queries each one runs must be the one recorded. A new
query anywhere (a missing select_related, a permission check per row, a count added to a
template) fails here naming the page, and the refreshed baseline shows it in review.

Refresh on purpose, on both databases (the counts are the same on SQLite and PostgreSQL; a
page whose counts differ is keyed per vendor, {"sqlite": n, "postgresql": m}):

    UPDATE_QUERY_COUNTS=1 .venv/bin/pytest laseros/site/tests/test_query_counts.py
    UPDATE_QUERY_COUNTS=1 scripts/test-postgres.sh laseros/site/tests/test_query_counts.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from laseros.api.routers import router
from laseros.testing import count_queries, listed_rows

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

BASELINE = Path(__file__).with_name("query_counts.json")
UPDATE = "UPDATE_QUERY_COUNTS"
HERE = "laseros/site/tests/test_query_counts.py"
# Lists that must show rows in the shop below (the others list logins, tasks, heartbeats).
DOMAIN_PAGES = ("/api/",) + tuple(
    f"/admin/{app}/"
    for app in ("clients", "projects", "ingest", "production", "inventory", "finance", "comms")
)


def admin_changelists(user) -> list[str]:
    """The changelist URL of every model in the admin that `user` may view."""
    request = RequestFactory().get("/admin/")
    request.user = user
    urls = []
    for model, model_admin in admin.site._registry.items():
        if model_admin.has_view_or_change_permission(request):
            meta = model._meta
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    return sorted(urls)


def api_lists() -> list[str]:
    """The list URL of every endpoint on the API router that has one."""
    import laseros.site.api_urls  # noqa: F401  (it registers every app's viewsets)

    return sorted(
        reverse(f"{basename}-list")
        for _prefix, viewset, basename in router.registry
        if hasattr(viewset, "list")
    )


def measure(fetch, url: str, empty: list[str]) -> int:
    """The queries of one cold fetch: process-wide caches emptied, so the count does not
    depend on which pages (or tests) ran before in this process. A domain list that shows no
    row goes into `empty` (its count would miss a query per row)."""
    ContentType.objects.clear_cache()
    cache.clear()
    queries, response = count_queries(lambda: fetch(url))
    assert response.status_code == 200, f"{url} answered {response.status_code} to a manager"
    if url.startswith(DOMAIN_PAGES) and listed_rows(response) == 0:
        empty.append(url)
    return queries


def expected_for(entry: int | dict[str, int] | None) -> int | None:
    if isinstance(entry, dict):
        return entry.get(connection.vendor)
    return entry


def updated(baseline: dict, counts: dict[str, int]) -> dict:
    """The baseline with this database's counts: a page keyed per vendor keeps its other
    vendor's count; a plain count is replaced."""
    new = {}
    for page, count in counts.items():
        entry = baseline.get(page)
        new[page] = {**entry, connection.vendor: count} if isinstance(entry, dict) else count
    return dict(sorted(new.items()))


def differences(baseline: dict, counts: dict[str, int]) -> list[str]:
    lines = []
    for page, count in counts.items():
        expected = expected_for(baseline.get(page))
        if expected is None:
            lines.append(f"{page}: {count} queries, no baseline recorded")
        elif expected != count:
            lines.append(f"{page}: {count} queries, baseline {expected} ({count - expected:+d})")
    lines += [
        f"{page}: in the baseline, no longer a list page" for page in baseline.keys() - counts
    ]
    return lines


def test_list_pages_run_the_recorded_number_of_queries(shop, make_user, client):
    manager = make_user("qc-manager", role="Manager")
    client.force_login(manager)
    api = APIClient()
    api.force_authenticate(manager)

    empty: list[str] = []
    counts = {url: measure(client.get, url, empty) for url in admin_changelists(manager)}
    counts |= {url: measure(api.get, url, empty) for url in api_lists()}
    assert not empty, f"lists with no rows in the test shop (add some to `shop`): {empty}"

    baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    if os.environ.get(UPDATE):
        BASELINE.write_text(json.dumps(updated(baseline, counts), indent=2) + "\n")
        return
    problems = differences(baseline, counts)
    assert not problems, (
        f"query counts differ from {BASELINE.name} on {connection.vendor}:\n  "
        + "\n  ".join(problems)
        + f"\nIf the change is on purpose, refresh it: {UPDATE}=1 .venv/bin/pytest {HERE}"
        f" (and {UPDATE}=1 scripts/test-postgres.sh {HERE}), and commit {BASELINE.name}"
        " with the change."
    )


def test_the_baseline_names_real_pages_and_counts():
    """The file itself: one page per key, a whole number (or one per vendor) per page."""
    baseline = json.loads(BASELINE.read_text())
    assert baseline, "the baseline is empty"
    for page, entry in baseline.items():
        assert page.startswith(("/admin/", "/api/")), page
        counts = entry.values() if isinstance(entry, dict) else [entry]
        assert all(isinstance(n, int) and n > 0 for n in counts), (page, entry)
        if isinstance(entry, dict):
            assert set(entry) <= {"sqlite", "postgresql"}, (page, entry)
