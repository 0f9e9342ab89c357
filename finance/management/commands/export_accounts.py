"""manage.py export_accounts --layout xero|sage --what invoices|credit-notes|payments
--from YYYY-MM-DD --to YYYY-MM-DD [--status issued|credited|all] [--output FILE]

Writes the issued invoices, credit notes or payments of the dates (both days included) as a CSV
file that Xero or Sage Business Cloud Accounting imports (the layouts and where they come from:
finance.exports). Drafts are never exported. To standard output unless --output is given; a file
is written whole or not at all (a failure leaves no half file). Bad options are refused before
anything is read or written.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from finance.exports import (
    INVOICE_STATUSES,
    Documents,
    Layout,
    documents_for_export,
    export_lines,
)

ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _day(option: str, value: str) -> dt.date:
    try:
        if not ISO_DAY.match(value or ""):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--{option} {value!r} is not a day: give it as YYYY-MM-DD (2026-11-02)."
        ) from None


class Command(BaseCommand):
    help = (
        "Export issued invoices, credit notes or payments of a date range as a CSV that Xero or "
        "Sage Accounting imports (drafts are never exported)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--layout", required=True, choices=[v.value for v in Layout])
        parser.add_argument("--what", required=True, choices=[v.value for v in Documents])
        parser.add_argument(
            "--from", dest="date_from", required=True, help="First day, YYYY-MM-DD."
        )
        parser.add_argument("--to", dest="date_to", required=True, help="Last day, YYYY-MM-DD.")
        parser.add_argument(
            "--status",
            default="all",
            choices=list(INVOICE_STATUSES),
            help="Invoices only: issued (not credited in full), credited, or all (default).",
        )
        parser.add_argument("--output", help="Write to this file (default: standard output).")

    def handle(self, *args: Any, **options: Any) -> None:
        layout, what = Layout(options["layout"]), Documents(options["what"])
        date_from = _day("from", options["date_from"])
        date_to = _day("to", options["date_to"])
        if date_from > date_to:
            raise CommandError(
                f"--from {date_from} is after --to {date_to}: the range would be empty."
            )
        if options["status"] != "all" and what != Documents.INVOICES:
            raise CommandError(
                f"--status chooses invoices; {what.value} have no status: leave it out."
            )
        output = Path(options["output"]) if options["output"] else None
        if output is not None and not output.parent.is_dir():
            raise CommandError(f"--output: there is no folder {str(output.parent)!r}.")
        if output is not None and output.is_dir():
            raise CommandError(f"--output {str(output)!r} is a folder: name a file.")
        documents = documents_for_export(
            what, date_from=date_from, date_to=date_to, status=options["status"]
        )
        lines = export_lines(layout, what, documents)
        if output is None:
            for line in lines:
                self.stdout.write(line, ending="")
            return
        rows = _write_whole(output, lines) - 1
        self.stdout.write(
            f"Wrote {rows} row(s) of {what.value} ({date_from} to {date_to}) for "
            f"{layout.value} to {output}."
        )


def _write_whole(path: Path, lines: Any) -> int:
    """Write `lines` to a temporary file beside `path`, then put it in its place."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    count = 0
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            for line in lines:
                out.write(line)
                count += 1
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count
