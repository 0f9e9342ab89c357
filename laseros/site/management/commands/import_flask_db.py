"""manage.py import_flask_db PATH [--files DIR] [--dry-run] [--user NAME]: the shop's old Flask
system's database (its SQLite file, read-only) into Laser OS.

Brings users (without passwords), operators, clients and contacts, sheet stock, cut presets,
products and their files, jobs (in their old status, mapped, recorded as imported), their design
files and documents (found under --files), the queue, message templates, communications and
the activity log as history. Nothing is sent to anyone. Each row is imported in its own
savepoint: a row that fails is reported and the others are kept (exit status 1). Running it again
changes nothing (laseros.site.flask_import.models.LegacyRecord remembers each row). See
laseros/site/flask_import/ for each table's rules.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from laseros.importing import CREATED, FAILED, SKIPPED, UNCHANGED, UPDATED, user_named
from laseros.site.flask_import.base import OldDatabaseError
from laseros.site.flask_import.run import import_flask_db

COLUMNS = ("read", CREATED, UPDATED, UNCHANGED, SKIPPED, FAILED)


class Command(BaseCommand):
    help = (
        "Import the old Flask system's database (clients, jobs, files, stock, presets, queue, "
        "messages, history). Running it again changes nothing; --dry-run saves nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The old system's SQLite file (laser_os.db).")
        parser.add_argument(
            "--files",
            help="The folder holding the old system's files (searched by stored and original "
            "name, in any subfolder).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report, but save nothing."
        )
        parser.add_argument(
            "--user", help="Username the changes are recorded under (default: the system)."
        )

    def handle(self, *args, path, files, dry_run, user, verbosity=1, **options):
        try:
            by = user_named(user)
            run = import_flask_db(path, files_dir=files, dry_run=dry_run, by=by)
        except (OldDatabaseError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        failed = self._report(run, verbosity=verbosity)
        if failed:
            raise CommandError(
                f"{failed} row(s) failed; the other rows were "
                + ("checked" if dry_run else "imported"),
                returncode=1,
            )

    def _report(self, run, *, verbosity: int) -> int:
        """The per-table table, then the rows that were not simply created (all rows with -v 2),
        then the notes; returns the number of failed rows."""
        out = self.stdout.write
        if run.dry_run:
            out("DRY RUN: nothing was saved.")
        width = max(len(table) for table, _, _ in run.reports)
        out(f"{'table'.ljust(width)}  " + "  ".join(f"{c:>9}" for c in COLUMNS))
        total_failed = 0
        for table, read, report in run.reports:
            counts = report.counts
            total_failed += counts[FAILED]
            cells = [read] + [counts[c] for c in COLUMNS[1:]]
            out(f"{table.ljust(width)}  " + "  ".join(f"{n:>9}" for n in cells))
        for table, _read, report in run.reports:
            for row in report.rows:
                if verbosity < 2 and row.outcome in (CREATED, UNCHANGED):
                    continue
                line = f"{table} #{row.row}: {row.outcome}"
                line += f" {row.label}" if row.label else ""
                line += f" ({row.reason})" if row.reason else ""
                out(line)
        for note in run.notes:
            out(note)
        if run.users_without_password:
            names = ", ".join(run.users_without_password)
            out(
                f"{len(run.users_without_password)} user(s) have no password yet ({names}): "
                "nobody can log in as them until one is set, with "
                "`manage.py changepassword USERNAME`, or by an admin under Users → the user → "
                "'Set password'."
            )
        return total_failed
