"""manage.py ingest_mail [PATH…] [--sync]: read e-mails saved as .eml files (files, or folders of
them) and file each one as the mail task does: the sender's client, a new job or the job a
reply names, the attachments through ingest. Prints what was done with each message. The files
are left where they are; a message read before (same Message-ID) is not read again.

Without PATH, the configured mailboxes (INGEST_MAIL_IMAP_HOST, INGEST_MAIL_FOLDER) are read once.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from ingest.mail.mailbox import FolderMailbox, Mailbox, MailboxError, configured_mailboxes
from ingest.mail.services import read_mailbox


class Command(BaseCommand):
    help = "Read e-mails (.eml files or folders of them; the configured mailbox without PATH)."

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="*", metavar="PATH", help=".eml files, or folders of them."
        )
        parser.add_argument(
            "--sync",
            action="store_true",
            help="Read the attachments now instead of in the worker.",
        )

    def handle(self, *args, **options):
        mailboxes = self._mailboxes(options["paths"])
        inline = (
            override_settings(TASKS_RUN_INLINE=True)
            if options["sync"]
            else contextlib.nullcontext()
        )
        stored = failed = 0
        with inline:
            for mailbox in mailboxes:
                try:
                    results = read_mailbox(mailbox=mailbox)
                except MailboxError as exc:
                    raise CommandError(str(exc)) from None
                for reference, outcome in results:
                    self.stdout.write(f"{reference}: {outcome.text}")
                    stored += outcome.stored
                    failed += outcome.message is None
        self.stdout.write(f"{stored} message(s) read, {failed} not read")
        if failed and not stored:
            raise CommandError(f"no message was read: {failed} could not be")

    def _mailboxes(self, paths: list[str]) -> list[Mailbox]:
        if not paths:
            boxes = configured_mailboxes()
            if not boxes:
                raise CommandError(
                    "no PATH given and no mailbox configured (INGEST_MAIL_IMAP_HOST, "
                    "INGEST_MAIL_FOLDER)"
                )
            return boxes
        missing = [p for p in paths if not Path(p).exists()]
        if missing:
            raise CommandError("not found: " + ", ".join(missing))
        box = FolderMailbox([Path(p) for p in paths])
        if not box.files():
            raise CommandError("no .eml files in " + ", ".join(paths))
        return [box]
