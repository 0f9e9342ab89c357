"""How the admin changelists and API lists scale: queries and server time, small shop vs large.

    .venv/bin/python bench/admin_lists.py [--small 50] [--large 2000] [--repeats 5] [--seed 2025]

Makes a throwaway database with Django's test-database machinery (a file in a temporary folder
on SQLite; `test_<name>` on PostgreSQL when DATABASE_URL points there), seeds it with
`seed_demo --size SMALL`, and fetches every changelist of the shop's apps and every list route of
the API as a superuser (Django's test client, in process): the number of queries and the median
time over --repeats requests, after one warm-up request. Then it tops the shop up to
`--size LARGE` and measures again. Prints a table; asserts nothing. The database and the folder
are removed at the end.

A list whose query count grows with the shop runs a query per row (STYLE.md rule 8); the times
are server time in this process, without a network or a web server in front.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The shop's apps, in the admin's order; the framework's own (users, tokens, tasks) are left out.
ADMIN_APPS = ("clients", "projects", "ingest", "production", "inventory", "finance", "comms")
ADMIN_APPS += ("laseros",)


@dataclass
class Measure:
    url: str
    queries: dict[str, int] = field(default_factory=dict)
    ms: dict[str, float] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=50, help="jobs in the small shop (50)")
    parser.add_argument("--large", type=int, default=2000, help="jobs in the large shop (2000)")
    parser.add_argument("--repeats", type=int, default=5, help="requests per list (5)")
    parser.add_argument("--seed", type=int, default=2025, help="seed_demo's random seed")
    return parser.parse_args(argv)


def setup_django(data_dir: str) -> None:
    os.environ["DATA_DIR"] = data_dir  # media, demo password and the SQLite test database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laseros.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def list_urls() -> list[str]:
    """Every changelist of the shop's apps (admin order) and every API list route."""
    from django.contrib import admin
    from django.urls import NoReverseMatch, reverse

    import laseros.site.api_urls  # noqa: F401  (registers every app's viewsets on the router)
    from laseros.admin_site import MODEL_ORDER
    from laseros.api.routers import router

    def model_key(model) -> tuple[int, int, str]:
        label = model._meta.app_label
        order = MODEL_ORDER.get(label, [])
        name = model._meta.model_name
        return (
            ADMIN_APPS.index(label),
            order.index(name) if name in order else len(order),
            name,
        )

    urls = []
    models = [m for m in admin.site._registry if m._meta.app_label in ADMIN_APPS]
    for model in sorted(models, key=model_key):
        try:
            urls.append(
                reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            )
        except NoReverseMatch:
            continue
    for prefix, viewset, _basename in router.registry:
        if hasattr(viewset, "list"):
            urls.append(f"/api/v1/{prefix}/")
    return urls


def seed(size: int, seed_value: int) -> float:
    from django.core.management import call_command

    out = io.StringIO()
    started = time.perf_counter()
    call_command("seed_demo", "--size", str(size), "--seed", str(seed_value), stdout=out)
    seconds = time.perf_counter() - started
    for line in out.getvalue().splitlines():
        if line.startswith("  "):
            print(f"   {line.strip()}")
    return seconds


def measure(client, url: str, repeats: int) -> tuple[int, int, float]:
    """(status, queries, median ms) of `repeats` GETs after one warm-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, secure=True)
    counts, times, status = [], [], 0
    for _ in range(repeats):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, secure=True)
            times.append((time.perf_counter() - started) * 1000)
        counts.append(len(queries))
        status = response.status_code
    return status, int(statistics.median(counts)), statistics.median(times)


def run(args: argparse.Namespace) -> list[Measure]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    results: dict[str, Measure] = {}
    for label, size in (("small", args.small), ("large", args.large)):
        print(f"== seeding the {label} shop: seed_demo --size {size}")
        seconds = seed(size, args.seed)
        print(f"   ({seconds:.1f} s)")
        client = Client()
        client.force_login(get_user_model().objects.get(username="admin"))
        urls = list_urls()
        print(
            f"== measuring {len(urls)} lists ({args.repeats} requests each) on {connection.vendor}"
        )
        for url in urls:
            entry = results.setdefault(url, Measure(url))
            try:
                status, queries, ms = measure(client, url, args.repeats)
            except Exception as exc:  # a list that breaks is reported, the rest still measured
                print(f"   {url}: {type(exc).__name__}: {exc}")
                status, queries, ms = 500, -1, float("nan")
            entry.status[label], entry.queries[label], entry.ms[label] = status, queries, ms
    return list(results.values())


def print_table(rows: list[Measure], args: argparse.Namespace) -> None:
    width = max(len(r.url) for r in rows)
    head = (
        f"{'url':<{width}}  {'q ' + str(args.small):>8} {'q ' + str(args.large):>8}"
        f"  {'ms ' + str(args.small):>9} {'ms ' + str(args.large):>9}  note"
    )
    print()
    print(head)
    print("-" * len(head))
    for row in rows:
        notes = []
        q_small, q_large = row.queries.get("small", -1), row.queries.get("large", -1)
        if q_small >= 0 and q_large >= 0 and q_large != q_small:
            notes.append("queries grow with rows")
        bad = {k: v for k, v in row.status.items() if v != 200}
        if bad:
            notes.append("status " + ", ".join(f"{k} {v}" for k, v in bad.items()))
        print(
            f"{row.url:<{width}}  {q_small:>8} {q_large:>8}"
            f"  {row.ms.get('small', float('nan')):>9.1f} {row.ms.get('large', float('nan')):>9.1f}"
            f"  {'; '.join(notes)}"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.small < 0 or args.large < args.small:
        print("--large must be at least --small, and both 0 or more", file=sys.stderr)
        return 2
    folder = tempfile.mkdtemp(prefix="laseros-bench-")
    try:
        setup_django(folder)
        from django.db import connection
        from django.test.utils import setup_test_environment, teardown_test_environment

        setup_test_environment()
        old_name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
        print(f"== throwaway database: {connection.settings_dict['NAME']} ({connection.vendor})")
        try:
            rows = run(args)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            teardown_test_environment()
        print_table(rows, args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
