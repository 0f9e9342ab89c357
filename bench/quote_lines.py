"""Benchmark: a quote's lines (issue 11, part 11: a quote of 1,000 drawing lines priced and saved
in at most 1 s).

    .venv/bin/python bench/quote_lines.py [--drawings 1000] [--one-by-one 100]

A scratch SQLite database in a temporary folder (removed at the end): migrate, a machine at
R 1 200/h, 3 mm mild-steel sheets and a 3 mm air preset, a client and a job of `--drawings`
measured drawings (file rows with their measurements, each part its own size; written in bulk:
only the quote's reads and writes are timed). Then:
  1. `quote_lines_add`: every drawing priced by the engine and kept as one line (its pricing
     input and breakdown), written at once, the totals once, one audit entry;
  2. `quote_auto` of the whole job: the drawings read, the quantities decided, the quote made
     and its lines added as in 1;
  3. for comparison, `--one-by-one` free-text lines through `quote_line_add`, each its own
     transaction with its audit entries and the quote's totals.
Prints the times and the time a line; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _shop(count: int):
    """The pricing shop and a job of `count` measured drawings; returns the job."""
    from decimal import Decimal

    from django.utils import timezone

    from clients.services import client_create
    from finance.models import RATES_PK, ShopRates
    from ingest.models import FileIngest, FileMetadata
    from inventory.models import Material, SheetStock
    from production.models import CutPreset, Machine
    from projects.services import project_create

    ms, _ = Material.objects.get_or_create(code="MS", defaults={"name": "Mild steel"})
    Material.objects.filter(pk=ms.pk).update(density_g_cm3=Decimal("7.85"))
    machine = Machine.objects.create(code="X3", name="X3", hourly_rate=Decimal("1200"))
    SheetStock.objects.create(
        material=ms, thickness_mm=3, width_mm=1225, length_mm=2450, unit_cost=Decimal("1800")
    )
    CutPreset.objects.create(
        material=ms,
        thickness_mm=3,
        gas="AIR",
        nozzle="1.5SN",
        cut_speed_mm_min=Decimal("4000"),
        pierce_time_s=Decimal("0.5"),
    )
    ShopRates.objects.filter(pk=RATES_PK).update(machine=machine)
    client = client_create(name="Bench", by=None)
    job = project_create(
        client=client, name="Bench", by=None, material=ms, thickness_mm=Decimal("3"), quantity=5
    )
    now = timezone.now()
    files = FileIngest.objects.bulk_create(
        FileIngest(
            client=client,
            project=job,
            original_name=f"{n:04d}-Bracket {n}-MS-3mm-x2.dxf",
            file=f"bench/part-{n}.dxf",
            stored_name=f"Bracket{n}-v001.dxf",
            part=f"Bracket{n}",
            version=1,
            sha256=f"{n:064x}",
            size_bytes=1000 + n,
            kind="dxf",
            mime="image/vnd.dxf",
            extension="dxf",
            status="processed",
            received_at=now,
            source="api",
        )
        for n in range(count)
    )
    FileMetadata.objects.bulk_create(
        FileMetadata(
            file=file,
            material_code="MS",
            thickness_mm=Decimal("3"),
            quantity=2,
            cut_length_mm=400.0 + n,
            pierce_count=1 + n % 5,
            part_count=1,
            area_mm2=8000.0 + 10 * n,
            bbox_width_mm=80.0 + n % 300,
            bbox_height_mm=100.0,
            warnings=[{"code": "units", "message": "No units."}] if n % 7 == 0 else [],
            warning_count=1 if n % 7 == 0 else 0,
            has_warnings=n % 7 == 0,
            updated_at=now,
        )
        for n, file in enumerate(files)
    )
    return job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--drawings", type=int, default=1000)
    parser.add_argument("--one-by-one", type=int, default=100)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-quote-lines-"))
    try:
        os.environ.update(
            DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
            DATA_DIR=str(folder),
            MEDIA_ROOT=str(folder / "media"),
            DJANGO_SETTINGS_MODULE="laseros.settings",
            DEBUG="0",  # as in production: no SQL kept for the debug page
            SITE_HTTPS="0",
            SECRET_KEY="bench-" + "x" * 50,
        )
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        from finance import services
        from finance.services.quote_status import quotable_drawings
        from finance.services.quotes import NewLine, quote_lines_add

        call_command("migrate", verbosity=0)
        job = _shop(args.drawings)
        count = args.drawings

        drawings = quotable_drawings(job)
        quote = services.quote_create(project=job, by=None)
        start, cpu = time.perf_counter(), time.process_time()
        quote_lines_add(
            quote=quote,
            by=None,
            lines=[NewLine(file=f, quantity=10, distinct_parts=count) for f in drawings],
        )
        took, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(
            f"{count:>5} drawing lines at once (quote_lines_add): {took:6.2f} s wall, "
            f"{cpu:.2f} s CPU ({took / count * 1000:.2f} ms a line), total "
            f"R {quote.total_incl_vat} incl. VAT (goal for 1 000: 1 s on the target machine, "
            "about 2 s here)"
        )

        start, cpu = time.perf_counter(), time.process_time()
        auto = services.quote_auto(project=job, by=None)
        took, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(
            f"{count:>5} drawings auto-quoted (quote_auto, reading them too): {took:6.2f} s "
            f"wall, {cpu:.2f} s CPU ({took / count * 1000:.2f} ms a line), "
            f"{auto.lines.count()} lines, total R {auto.total_incl_vat} incl. VAT"
        )

        if args.one_by_one:
            quote = services.quote_create(project=job, by=None)
            start = time.perf_counter()
            for n in range(args.one_by_one):
                services.quote_line_add(
                    quote=quote, by=None, description=f"Part {n}", unit_price="12.34", quantity=3
                )
            took = time.perf_counter() - start
            print(
                f"{args.one_by_one:>5} free-text lines one by one (quote_line_add): {took:6.2f} s "
                f"({took / args.one_by_one * 1000:.1f} ms a line)"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
