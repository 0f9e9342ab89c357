"""Benchmark: lines added to a quote one by one through `finance.services.quote_line_add` (issue
11, part 11 asks a quote of 1,000 lines priced and saved in at most 1 s).

    .venv/bin/python bench/quote_lines.py [--lines 100 1000]

A scratch SQLite database in a temporary folder (removed at the end): migrate, a client, a job,
then for each size a new quote and that many free-text lines, each its own transaction with its
audit entries and the quote's totals. Prints the time, the time a line and the total; asserts
nothing.
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, nargs="+", default=[100, 1000])
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-quote-lines-"))
    try:
        os.environ.update(
            DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
            DATA_DIR=str(folder),
            MEDIA_ROOT=str(folder / "media"),
            DJANGO_SETTINGS_MODULE="laseros.settings",
        )
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        from clients.services import client_create
        from finance import services
        from projects.services import project_create

        call_command("migrate", verbosity=0)
        job = project_create(client=client_create(name="Bench", by=None), name="Bench", by=None)
        for count in args.lines:
            quote = services.quote_create(project=job, by=None)
            start = time.perf_counter()
            for n in range(count):
                services.quote_line_add(
                    quote=quote, by=None, description=f"Part {n}", unit_price="12.34", quantity=3
                )
            took = time.perf_counter() - start
            quote.refresh_from_db()
            print(
                f"{count:>5} lines one by one: {took:6.2f} s ({took / count * 1000:.1f} ms a "
                f"line), total R {quote.total_incl_vat} incl. VAT (goal for 1 000: 1 s)"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
