"""manage.py import_legacy_tree PATH [--sync]: import the shop's folder tree
(`CL-000N/1.Projects/NNNN-<project name>-MM.DD.YYYY/<files>`) as clients, projects and files.

PATH is the folder holding the client folders, or one client folder. Running it again changes
nothing (see ingest.legacy_import for the rules). The report lists what was created, what was
already there, duplicates, refusals and files that were not in a project folder.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from tqdm import tqdm

from ingest.legacy_import import import_tree, plan_tree


class Command(BaseCommand):
    help = "Import the shop's CL-000N/1.Projects/NNNN-name-MM.DD.YYYY folder tree."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The folder holding the CL-000N folders (or one of them).")
        parser.add_argument(
            "--sync", action="store_true", help="Read each file now instead of in the worker."
        )

    def handle(self, *args, **options):
        root = Path(options["path"])
        if not root.is_dir():
            raise CommandError(f"{root}: not a folder")
        try:
            total = plan_tree(root).file_count
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        inline = (
            override_settings(TASKS_RUN_INLINE=True)
            if options["sync"]
            else contextlib.nullcontext()
        )
        bar = tqdm(total=total, unit="file", disable=None, file=getattr(self.stderr, "_out", None))
        with inline:
            report = import_tree(root, progress=lambda path: bar.update(1))
        bar.close()
        self.stdout.write(report.summary())
        if report.clients_created:
            self.stdout.write("  new clients: " + ", ".join(report.clients_created))
        if report.projects_created:
            self.stdout.write("  new projects: " + ", ".join(report.projects_created))
        for line in report.lines:
            self.stdout.write(f"  {line}")
        if not report.changed:
            self.stdout.write("nothing changed (already imported)")
