"""manage.py ingest PATH... [--client CODE] [--project CODE] [--part NAME] [--material CODE]
[--thickness MM] [--quantity N] [--sync]: send files and folders (recursively) through
ingest.services.ingest, with a progress bar and a summary. Material, thickness and quantity,
when given, win over what the files say (a disagreement is a warning on the file).

Files are read by the worker afterwards; with --sync each is read here, at once, and the summary
says which were processed and which failed (and why). Hidden files (.DS_Store, …) are skipped.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from tqdm import tqdm

from clients.models import Client, normalise_client_code
from ingest import services
from ingest.models import FileIngest, FileSource, FileStatus
from projects.models import Project

SYSTEM_FILES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})


class Command(BaseCommand):
    help = "Ingest files and folders: check, store under the conventional name, read."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Files or folders.")
        parser.add_argument("--client", help="The client's code (CL-0001 or CL0001).")
        parser.add_argument("--project", help="The project's code (JB-2025-10-CL0001-001).")
        parser.add_argument("--part", help="The part name (one file only).")
        parser.add_argument("--material", help="The material, when known (MS, SS, galv, ...).")
        parser.add_argument("--thickness", help="The thickness in mm, when known.")
        parser.add_argument("--quantity", help="The quantity, when known.")
        parser.add_argument(
            "--sync", action="store_true", help="Read each file now instead of in the worker."
        )

    def handle(self, *args, **options):
        client, project, given = _what_was_given(options)
        files = self._collect(options["paths"])
        if not files:
            raise CommandError("no files found in " + ", ".join(options["paths"]))
        if options.get("part") and len(files) > 1:
            raise CommandError("--part names one file; more than one was given")
        inline = (
            override_settings(TASKS_RUN_INLINE=True)
            if options["sync"]
            else contextlib.nullcontext()
        )
        with inline:
            sent = self._send(
                files, client=client, project=project, part=options.get("part"), given=given
            )
        self._summarise(len(files), sent, sync=options["sync"])
        if not sent.created and not sent.duplicates:
            raise CommandError(f"nothing was ingested: {len(sent.refused)} file(s) refused")

    def _send(
        self,
        files: list[tuple[Path, str]],
        *,
        client: Client | None,
        project: Project | None,
        part: str | None,
        given: dict[str, Any],
    ) -> Sent:
        """Each file through services.ingest, under a progress bar."""
        sent = Sent()
        bar = tqdm(files, unit="file", disable=None, file=getattr(self.stderr, "_out", None))
        for path, source_path in bar:
            bar.set_postfix_str(path.name[-40:], refresh=False)
            try:
                outcome = services.ingest(
                    source_file=path,
                    original_name=path.name,
                    client=client,
                    project=project,
                    source=FileSource.CLI,
                    part=part,
                    source_path=source_path,
                    given=given,
                )
            except ValidationError as exc:
                sent.refused.append(f"{source_path}: {'; '.join(exc.messages)}")
                continue
            if outcome.created:
                sent.created.append(outcome.file)
            else:
                sent.duplicates.append(f"{source_path}: {outcome.message}")
        bar.close()
        return sent

    def _summarise(self, count: int, sent: Sent, *, sync: bool) -> None:
        """The counts, each duplicate and refusal, then how the reading went (with --sync)."""
        self.stdout.write(
            f"{count} file(s): {len(sent.created)} ingested, {len(sent.duplicates)} duplicates, "
            f"{len(sent.refused)} refused"
        )
        for line in sent.duplicates:
            self.stdout.write(f"  duplicate  {line}")
        for line in sent.refused:
            self.stdout.write(f"  refused    {line}")
        if sync and sent.created:
            done = FileIngest.objects.filter(pk__in=[f.pk for f in sent.created])
            failed = list(done.filter(status=FileStatus.FAILED))
            processed = done.filter(status=FileStatus.PROCESSED).count()
            self.stdout.write(f"read: {processed} processed, {len(failed)} failed")
            for file in failed:
                self.stdout.write(f"  failed     {file.original_name}: {file.failure_reason}")
        elif sent.created:
            self.stdout.write("the worker reads them next (or run with --sync)")

    def _collect(self, paths: list[str]) -> list[tuple[Path, str]]:
        found: list[tuple[Path, str]] = []
        for name in paths:
            path = Path(name)
            if not path.exists():
                raise CommandError(f"{name}: no such file or folder")
            if path.is_file():
                found.append((path, path.name))
                continue
            base = path.resolve().parent
            for item in sorted(path.rglob("*")):
                if not item.is_file() or item.is_symlink():
                    continue
                relative = item.resolve().relative_to(base)
                if any(part.startswith(".") for part in relative.parts):
                    continue
                if item.name.lower() in SYSTEM_FILES:
                    continue
                found.append((item, relative.as_posix()))
        return found


@dataclass
class Sent:
    """What became of the files sent: new files, and a line for each duplicate and refusal."""

    created: list[FileIngest] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _what_was_given(
    options: dict[str, Any],
) -> tuple[Client | None, Project | None, dict[str, Any]]:
    """The client, project and values given on the command line, checked."""
    client = _client(options.get("client"))
    project = _project(options.get("project"))
    if client and project and project.client_id != client.pk:
        raise CommandError(f"Project {project.code} belongs to {project.client.code}.")
    try:
        given = services.clean_given(
            {
                "material": options.get("material"),
                "thickness_mm": options.get("thickness"),
                "quantity": options.get("quantity"),
            }
        )
    except ValidationError as exc:
        raise CommandError("; ".join(exc.messages)) from None
    return client, project, given


def _client(code: str | None) -> Client | None:
    if not code:
        return None
    try:
        normalised = normalise_client_code(code)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    client = Client.objects.filter(code=normalised).first()
    if client is None:
        raise CommandError(f"no client {normalised}")
    return client


def _project(code: str | None) -> Project | None:
    if not code:
        return None
    project = (
        Project.objects.select_related("client", "material")
        .filter(code__iexact=code.strip())
        .first()
    )
    if project is None:
        raise CommandError(f"no project {code}")
    return project
