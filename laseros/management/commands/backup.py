"""manage.py backup [--output DIR]: the database and every stored file in one checked file."""

from django.core.management.base import BaseCommand, CommandError

from laseros.backup.services import BackupFailed, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database and the file stores, with a manifest of row counts and checksums "
        "(compressed; encrypted when BACKUP_ENCRYPTION_KEY is set), then rotate old backups."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            metavar="DIR",
            help="Folder to write to (default: BACKUP_STORAGE when set, else BACKUP_DIR).",
        )

    def handle(self, *args, **options):
        try:
            run = backup_create(output=options["output"])
        except BackupFailed as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written: {run.location} ({run.size_bytes} bytes; {run.rows} rows in "
                f"{run.tables} tables, {run.files} files"
                + ("; encrypted" if run.encrypted else "")
                + (f"; {run.pruned} old backups rotated away" if run.pruned else "")
                + ")."
            )
        )
