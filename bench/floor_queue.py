"""How the floor's queue page scales: server time and queries at 5, 50 and 500 queue items.

    .venv/bin/python bench/floor_queue.py [--sizes 5 50 500] [--repeats 21]

Makes a throwaway database with Django's test-database machinery (SQLite in a temporary folder;
`test_<name>` on PostgreSQL when DATABASE_URL points there), puts N jobs on machine X3's queue
(each with its client and material, a due date, a priority and an estimate; one in five
overdue), and fetches as an operator, through Django's test client in process:

  page      /floor/queue/X3/             the whole page, as a tablet opens it
  rows      /floor/queue/X3/rows/        the rows, as a poll gets them after a change
  unchanged /floor/queue/X3/rows/?since  the poll while nothing changed (204, nothing drawn)
  move      POST /floor/queue/X3/move/   one drag: the last item up one place, then back

Prints the median and the 90th percentile of --repeats requests after one warm-up, and the
number of queries (the same at every size: no query per row). Issue 12's goal: the page at 500
items in a median 150 ms on a machine twice as fast as the 2-CPU one it was written on. Asserts
nothing. The database and the folder are removed at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_MS = 150


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 50, 500])
    parser.add_argument("--repeats", type=int, default=21, help="requests per measure (21)")
    return parser.parse_args(argv)


def setup_django(data_dir: str) -> None:
    os.environ["DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laseros.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def fill_queue(size: int) -> None:
    """Top machine X3's queue up to `size` active items (rows written in bulk: the bench times
    the page, not the services that make jobs)."""
    from django.utils import timezone

    from clients.models import Client
    from inventory.models import Material
    from production.models import Machine, QueueItem
    from projects.models import Project

    machine, _ = Machine.objects.get_or_create(code="X3", defaults={"name": "Golden Laser X3"})
    have = QueueItem.objects.filter(machine=machine).count()
    if have >= size:
        return
    steel, _ = Material.objects.get_or_create(code="MS", defaults={"name": "Mild steel"})
    today = timezone.localdate()
    priorities = ["urgent", "high", "normal", "normal", "low"]
    clients = Client.objects.bulk_create(
        Client(code=f"CL-{8000 + n:04d}", name=f"Bench client {n}") for n in range(have, size)
    )
    projects = Project.objects.bulk_create(
        Project(
            code=f"JB-2026-12-CL{8000 + n:04d}-001",
            client=client,
            name=f"Bench job {n}",
            status="queued",
            material=steel,
            thickness_mm=Decimal("3"),
            quantity=5 + n % 40,
            due_date=today + dt.timedelta(days=(n % 10) - 2),
        )
        for n, client in zip(range(have, size), clients, strict=True)
    )
    items = [
        QueueItem(
            machine=machine,
            project=project,
            priority=priorities[n % len(priorities)],
            estimated_minutes=10 + n % 90,
        )
        for n, project in zip(range(have, size), projects, strict=True)
    ]
    QueueItem.objects.bulk_create(items)
    # positions in the queue's order (priority, then the order they came in), as the services keep
    rank = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
    active = sorted(
        QueueItem.objects.filter(machine=machine), key=lambda i: (rank[i.priority], i.pk)
    )
    QueueItem.objects.filter(machine=machine).update(position=None)
    for position, item in enumerate(active, start=1):
        item.position = position
    QueueItem.objects.bulk_update(active, ["position"], batch_size=500)


def measure(client, method: str, url: str, data: dict | None, repeats: int) -> tuple:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call = client.post if method == "POST" else client.get
    call(url, data or {})  # warm-up
    times = []
    queries = 0
    status = 0
    for _ in range(repeats):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = call(url, data or {})
            times.append((time.perf_counter() - start) * 1000)
        queries, status = len(captured.captured_queries), response.status_code
    times.sort()
    p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
    return statistics.median(times), p90, queries, status


def run(args: argparse.Namespace) -> list[tuple]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from laseros.roles import sync_roles
    from production.floor.selectors import queue_marker
    from production.models import Machine, QueueItem

    sync_roles()
    user = get_user_model().objects.create_user(username="thandi", password="bench-pw-2026")
    user.groups.add(Group.objects.get(name="Operator"))
    client = Client()
    client.force_login(user)
    rows = []
    for size in sorted(args.sizes):
        fill_queue(size)
        machine = Machine.objects.get(code="X3")
        marker = queue_marker(machine)
        normal = QueueItem.objects.filter(machine=machine, priority="normal")
        last = normal.order_by("-position").first()
        for name, method, url, data in (
            ("page", "GET", "/floor/queue/X3/", None),
            ("rows", "GET", "/floor/queue/X3/rows/", None),
            ("unchanged", "GET", f"/floor/queue/X3/rows/?since={marker}", None),
        ):
            rows.append((size, name, *measure(client, method, url, data, args.repeats)))
        if last is not None and normal.count() > 1:
            rows.append((size, "move", *move_times(client, machine, last, args.repeats)))
    return rows


def move_times(client, machine, item, repeats: int) -> tuple:
    """One drag up a place and one back, alternately (each a real move: renumbered, audited)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from production.floor.selectors import queue_marker

    home = item.position
    times = []
    queries = status = 0
    for n in range(repeats + 1):
        target = home - 1 if n % 2 == 0 else home
        data = {"item": item.pk, "position": target, "marker": queue_marker(machine)}
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.post("/floor/queue/X3/move/", data)
            elapsed = (time.perf_counter() - start) * 1000
        if n:  # the first is the warm-up
            times.append(elapsed)
            queries, status = len(captured.captured_queries), response.status_code
    times.sort()
    return (
        statistics.median(times),
        times[min(len(times) - 1, int(len(times) * 0.9))],
        queries,
        status,
    )


def print_table(rows: list[tuple], vendor: str) -> None:
    print(f"\nThe floor's queue ({vendor}; server time in process, Django's test client)\n")
    print(
        f"{'items':>6}  {'request':<10} {'median ms':>10} {'p90 ms':>8} {'queries':>8} {'status':>6}"
    )
    for size, name, median, p90, queries, status in rows:
        print(f"{size:>6}  {name:<10} {median:>10.1f} {p90:>8.1f} {queries:>8} {status:>6}")
    by_name: dict[str, set[int]] = {}
    for _, name, _, _, queries, _ in rows:
        by_name.setdefault(name, set()).add(queries)
    flat = ", ".join(
        f"{name} {'constant' if len(q) == 1 else 'GROWS ' + str(sorted(q))}"
        for name, q in by_name.items()
    )
    print(f"\nqueries per request across sizes: {flat}")
    page = [r for r in rows if r[1] == "page"]
    if page:
        size, _, median, *_ = page[-1]
        print(
            f"the page at {size} items: median {median:.0f} ms here; the goal is ≤ {GOAL_MS} ms on "
            f"a machine twice as fast, i.e. ≤ {2 * GOAL_MS} ms here"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    folder = tempfile.mkdtemp(prefix="laseros-bench-")
    try:
        setup_django(folder)
        from django.db import connection
        from django.test.utils import setup_test_environment, teardown_test_environment

        setup_test_environment()
        old_name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
        vendor = connection.vendor
        try:
            rows = run(args)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            teardown_test_environment()
        print_table(rows, vendor)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
