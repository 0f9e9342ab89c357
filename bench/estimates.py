"""Benchmark: estimate against actual (issue 11, part 8): the admin page's comparison and the
calibration's proposal over a shop's quotes and runs.

    .venv/bin/python bench/estimates.py [--jobs 1000]

A scratch SQLite database in a temporary folder (removed at the end): migrate, a machine, 3 mm
mild steel with its sheet and preset, `--jobs` jobs each with a sent quote of two drawing lines
(priced by the engine, kept as a quote keeps them) and one run (every fourth run cuts two jobs);
quotes and runs are written in bulk, only the reads are timed. Prints the times and the queries;
asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _shop(count: int) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from clients.services import client_create
    from finance.models import RATES_PK, Quote, QuoteLine, ShopRates
    from finance.pricing import PartGeometry, price_part
    from finance.selectors import pricing_setup
    from inventory.models import Material, SheetStock
    from production.models import CutPreset, LaserRun, LaserRunProject, Machine, Operator
    from projects.services import project_create

    ms, _ = Material.objects.get_or_create(code="MS", defaults={"name": "Mild steel"})
    Material.objects.filter(pk=ms.pk).update(density_g_cm3=Decimal("7.85"))
    machine = Machine.objects.create(code="X3", name="X3", hourly_rate=Decimal("1200"))
    SheetStock.objects.create(
        material=ms, thickness_mm=3, width_mm=1225, length_mm=2450, unit_cost=Decimal("1800")
    )
    preset = CutPreset.objects.create(
        material=ms,
        thickness_mm=3,
        gas="AIR",
        nozzle="1.5SN",
        cut_speed_mm_min=Decimal("4000"),
        pierce_time_s=Decimal("0.5"),
    )
    ShopRates.objects.filter(pk=RATES_PK).update(machine=machine)
    user = get_user_model().objects.create_user(username="op")
    operator = Operator.objects.create(user=user, display_name="Op")
    client = client_create(name="Bench", by=None)
    setup = pricing_setup(material="MS", thickness_mm=Decimal("3"))
    jobs = [
        project_create(
            client=client, name=f"Job {n}", by=None, material=ms, thickness_mm=Decimal(3)
        )
        for n in range(count)
    ]
    today = timezone.localdate()
    quotes = Quote.objects.bulk_create(
        Quote(
            number=f"QT-2026-{n + 1:04d}",
            project=job,
            client=client,
            status="sent",
            sent_on=today,
        )
        for n, job in enumerate(jobs)
    )
    lines = []
    for n, quote in enumerate(quotes):
        for position in (1, 2):
            geometry = PartGeometry(
                cut_length_mm=Decimal(800 + n % 400 + position * 50),
                pierce_count=1 + n % 6,
                area_mm2=Decimal(20_000 + 15 * n),
                width_mm=Decimal(150),
                height_mm=Decimal(140),
            )
            pricing = setup.for_part(geometry, quantity=10 + n % 30, rush=False)
            price = price_part(pricing)
            lines.append(
                QuoteLine(
                    quote=quote,
                    position=position,
                    kind="drawing",
                    description=f"Part {n}.{position}",
                    material_code="MS",
                    thickness_mm=Decimal(3),
                    quantity=pricing.quantity,
                    unit_price=price.unit_price,
                    line_total=price.line_total,
                    pricing_input=pricing.to_dict(),
                )
            )
    QuoteLine.objects.bulk_create(lines)
    start = timezone.now() - dt.timedelta(days=60)
    runs = LaserRun.objects.bulk_create(
        LaserRun(
            machine=machine,
            operator=operator,
            preset=preset,
            started_at=start + dt.timedelta(hours=n),
            ended_at=start + dt.timedelta(hours=n, minutes=5 + n % 20),
            parts_cut=10,
        )
        for n in range(count)
    )
    shares = []
    for n, (run, job) in enumerate(zip(runs, jobs, strict=True)):
        if n % 4 == 3:
            shares.append(LaserRunProject(run=run, project=job, cut_length_mm=600, share="0.6"))
            shares.append(
                LaserRunProject(run=run, project=jobs[n - 1], cut_length_mm=400, share="0.4")
            )
        else:
            shares.append(LaserRunProject(run=run, project=job, cut_length_mm=1000, share="1"))
    LaserRunProject.objects.bulk_create(shares)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=1000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-estimates-"))
    try:
        os.environ.update(
            DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
            DATA_DIR=str(folder),
            MEDIA_ROOT=str(folder / "media"),
            DJANGO_SETTINGS_MODULE="laseros.settings",
            DEBUG="0",
            SITE_HTTPS="0",
            SECRET_KEY="bench-" + "x" * 50,
        )
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from finance.estimates import compare_estimates
        from finance.services.calibration import calibration_propose

        call_command("migrate", verbosity=0)
        _shop(args.jobs)

        for name, read in (
            ("compare_estimates (the admin page's figures)", compare_estimates),
            ("calibration_propose (calibrate_rates' proposal)", calibration_propose),
        ):
            with CaptureQueriesContext(connection) as queries:
                start, cpu = time.perf_counter(), time.process_time()
                result = read()
                took, cpu = time.perf_counter() - start, time.process_time() - cpu
            size = (
                f"{len(result.jobs)} jobs, {len(result.stocks)} material × thickness"
                if hasattr(result, "jobs")
                else f"{result.runs_compared} runs, {len(result.proposals)} proposal(s)"
            )
            print(
                f"{args.jobs:>5} jobs, {name}: {took:6.2f} s wall, {cpu:.2f} s CPU, "
                f"{len(queries)} queries ({size})"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
