"""How long the planner takes to place a machine's queue: the pure placing (no database).

    .venv/bin/python bench/planner.py [--sizes 50 500 2000] [--repeats 5] [--seed 2026]

Builds queues of random jobs (priorities, due dates, estimates from 1 to 2,000 minutes, a tenth
pinned to a start, a tenth to a day, some without an estimate) and times
production.planning.plan_machine on them from Monday 14 Dec 2026 07:00: the median of --repeats.
The board and the next-slot API add two queries to this (tested in production/tests). Prints a
table; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laseros.settings")

import django

django.setup()

from django.utils import timezone  # noqa: E402

from production.planning import PlanJob, ShopCalendar, plan_machine  # noqa: E402

NOW = timezone.make_aware(dt.datetime(2026, 12, 14, 7))


def queue(size: int, rng: random.Random) -> list[PlanJob]:
    jobs = []
    for n in range(1, size + 1):
        kind = rng.random()
        jobs.append(
            PlanJob(
                item_id=n,
                machine_id=1,
                project_code=f"JB-{n}",
                priority=rng.choice(["low", "normal", "normal", "high", "urgent"]),
                due_date=NOW.date() + dt.timedelta(days=rng.randrange(-3, 60)),
                position=n,
                estimated_minutes=rng.choice([None, 1, 20, 45, 90, 240, 600, 2000]),
                pin_start=NOW + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 90))
                if kind < 0.1
                else None,
                pin_day=NOW.date() + dt.timedelta(days=rng.randrange(0, 90))
                if 0.1 <= kind < 0.2
                else None,
            )
        )
    return jobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 500, 2000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"{'items':>6} {'median ms':>10} {'last finish':>18} {'late':>6}")
    for size in args.sizes:
        jobs = queue(size, rng)
        times = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            slots = plan_machine(jobs, now=NOW, calendar=ShopCalendar())
            times.append((time.perf_counter() - started) * 1000)
        last = max(s.finish for s in slots)
        late = sum(1 for s in slots if s.late)
        print(f"{size:>6} {statistics.median(times):>10.1f} {last:%Y-%m-%d %H:%M} {late:>6}")


if __name__ == "__main__":
    main()
