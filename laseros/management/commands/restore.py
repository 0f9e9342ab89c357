"""manage.py restore BACKUP [--force]: put a backup back, checked first; then verify_audit."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from laseros.backup.archive import DamagedBackup
from laseros.backup.database import DatabaseBackupError
from laseros.backup.services import RestoreRefused, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup into an empty database and file store (--force: replace what is "
        "there). Every checksum is checked before anything changes; the audit chain after."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", help="The backup file (or its name in BACKUP_STORAGE).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database and store that already hold data.",
        )

    def handle(self, *args, **options):
        from laseros.health import check_worker

        if check_worker()["ok"]:
            self.stderr.write(
                self.style.WARNING(
                    "A worker is running: stop it and the web server while a backup is restored, "
                    "or they may write into the database as it is replaced."
                )
            )
        try:
            result = backup_restore(path=options["backup"], force=options["force"])
        except DamagedBackup as exc:
            raise CommandError(f"Backup refused, nothing was changed: {exc}") from exc
        except RestoreRefused as exc:
            raise CommandError(f"Restore refused, nothing was changed: {exc}") from exc
        except DatabaseBackupError as exc:
            raise CommandError(f"The restore failed: {exc}") from exc
        self.stdout.write(
            f"Restored {result.name} (taken {result.taken_at}): {result.rows} rows in "
            f"{result.tables} tables, {result.files} files."
        )
        if result.kept_files:
            self.stdout.write(
                self.style.WARNING(f"{result.kept_files} files not in the backup were left.")
            )
        if result.count_mismatches:
            shown = ", ".join(f"{t}: {a} expected, {b} found" for t, (a, b) in
                              sorted(result.count_mismatches.items()))  # fmt: skip
            raise CommandError(f"Row counts differ from the backup's manifest: {shown}")
        call_command("verify_audit", stdout=self.stdout, stderr=self.stderr)
