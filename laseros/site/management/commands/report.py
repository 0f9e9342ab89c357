"""manage.py report KIND --date YYYY-MM-DD [--format html,pdf,xlsx] [--email a@b]: make one report,
keep its files (ReportRun) and print where they are; e-mail them when --email is given."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from laseros.site.reports import REPORTS
from laseros.site.reports.services import FORMATS, check_request, report_make


class Command(BaseCommand):
    help = "Make a report for a day (the period that holds it) and print the files' paths."

    def add_arguments(self, parser):
        parser.add_argument("kind", help=f"One of: {', '.join(sorted(REPORTS))}.")
        parser.add_argument(
            "--date", help="YYYY-MM-DD, a day in the period (default: yesterday, shop's clock)."
        )
        parser.add_argument(
            "--format",
            default=",".join(FORMATS),
            help=f"Comma-separated, from {', '.join(FORMATS)} (default: all).",
        )
        parser.add_argument(
            "--email", action="append", default=[], help="Send it to this address (repeatable)."
        )

    def handle(self, *args, **options):
        day = self._day(options["date"])
        emails = [e for value in options["email"] for e in value.split(",")]
        try:
            kind, formats, emails = check_request(
                kind=options["kind"], formats=options["format"].split(","), emails=emails
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=2) from exc
        runs = report_make(kind=kind, day=day, formats=formats, by=None, send_to=emails)
        for run in runs:
            try:
                where = default_storage.path(run.file.name)
            except NotImplementedError:  # a store without paths (S3)
                where = run.file.name
            self.stdout.write(where)
        if emails:
            self.stderr.write(f"Queued to {', '.join(emails)}.")

    def _day(self, value: str | None) -> dt.date:
        if not value:
            return timezone.localdate() - dt.timedelta(days=1)
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            raise CommandError(
                f"--date {value!r} is not a date: write it YYYY-MM-DD, e.g. 2026-11-27.",
                returncode=2,
            ) from exc
