"""Importing the shop's folder tree: `CL-000N/1.Projects/NNNN-<project name>-MM.DD.YYYY/<files>`.

`plan_tree()` walks the folders (nothing is written) and says what each one is; `import_tree()`
makes the clients (keeping their CL numbers), the projects (the code's month from the folder's
date, the folder's number as the code's number when it is free, the folder's name as the job's
name) and ingests every file into its project. Importing the same tree again changes nothing:
clients and projects are found again, and files are the same bytes (sha256).

- Files directly in `1.Projects/` (or in a folder that is not a project folder) go to the client,
  unfiled, with a report line.
- A `...-DUPLICATE` project folder is the same job as the folder without the mark when there is
  one (its files join that project; identical files are duplicates); otherwise it is imported
  as its own job, and the report says so.
- Hidden and system files (`.DS_Store`, `Thumbs.db`, `desktop.ini`) are skipped; files of a
  type Laser OS does not read are refused with their reason.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clients.models import Client, normalise_client_code
from laseros.audit import record
from laseros.models import ActivityLog
from projects.models import Project

from . import services
from .content.naming import parse_name
from .models import FileIngest, FileSource

PROJECTS_FOLDER = re.compile(r"^\d+\s*\.\s*projects?$", re.IGNORECASE)
SYSTEM_FILES = frozenset({".ds_store", "thumbs.db", "desktop.ini", "icon\r"})
DUPLICATE_MARK = re.compile(r"duplicate", re.IGNORECASE)
MARKER = "Imported from the shop's folder"


@dataclass
class ProjectFolder:
    """A `NNNN-name-MM.DD.YYYY` folder (or a folder that only looks like one)."""

    path: Path
    number: str | None
    name: str
    date: dt.date | None
    marked_duplicate: bool = False
    files: list[Path] = field(default_factory=list)

    @property
    def canonical(self) -> str:
        """The folder's name without a DUPLICATE mark: two folders with one canonical name are
        one job."""
        date = f"-{self.date:%m.%d.%Y}" if self.date else ""
        return f"{self.number}-{self.name}{date}"


@dataclass
class ClientFolder:
    path: Path
    code: str
    projects: list[ProjectFolder] = field(default_factory=list)
    unfiled: list[Path] = field(default_factory=list)  # files with no project folder


@dataclass
class TreePlan:
    root: Path
    base: Path  # source paths are relative to this (the folder holding the client folders)
    clients: list[ClientFolder] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def file_count(self) -> int:
        return sum(len(c.unfiled) + sum(len(p.files) for p in c.projects) for c in self.clients)


@dataclass
class ImportReport:
    clients_created: list[str] = field(default_factory=list)
    clients_found: list[str] = field(default_factory=list)
    projects_created: list[str] = field(default_factory=list)
    projects_found: list[str] = field(default_factory=list)
    ingested: int = 0
    already_imported: int = 0
    duplicates: int = 0
    refused: int = 0
    skipped: int = 0
    lines: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"clients: {len(self.clients_created)} created, {len(self.clients_found)} already "
            f"there; projects: {len(self.projects_created)} created, "
            f"{len(self.projects_found)} already there; files: {self.ingested} ingested, "
            f"{self.already_imported} already imported, {self.duplicates} duplicates, "
            f"{self.refused} refused, {self.skipped} skipped"
        )

    @property
    def changed(self) -> bool:
        return bool(self.clients_created or self.projects_created or self.ingested)


# --- reading the folders -------------------------------------------------------------------------


def plan_tree(root: Path) -> TreePlan:
    """What the tree holds, read from folder names only (nothing is written).

    `root` is the folder holding the client folders (`profiles_import/`) or one client folder."""
    root = Path(root)
    if not root.is_dir():
        raise ValidationError(f"{root} is not a folder.")
    single = _client_code(root.name)
    base = root.parent if single else root
    plan = TreePlan(root=root, base=base)
    client_dirs = [root] if single else sorted(_entries(root), key=lambda p: p.name)
    for entry in client_dirs:
        if entry.is_file():
            plan.skipped.append((entry, "not inside a client folder (CL-0001)"))
            continue
        code = _client_code(entry.name)
        if code is None:
            plan.skipped.append((entry, "not a client folder (CL-0001)"))
            continue
        plan.clients.append(_plan_client(entry, code, plan))
    return plan


def _plan_client(folder: Path, code: str, plan: TreePlan) -> ClientFolder:
    client = ClientFolder(path=folder, code=code)
    for entry in sorted(_entries(folder), key=lambda p: p.name):
        if entry.is_dir() and PROJECTS_FOLDER.match(entry.name.strip()):
            _plan_projects(entry, client, plan)
        else:
            plan.skipped.append((entry, "outside 1.Projects"))
    return client


def _plan_projects(folder: Path, client: ClientFolder, plan: TreePlan) -> None:
    for entry in sorted(_entries(folder), key=lambda p: p.name):
        if entry.is_file():
            if _is_system(entry):
                plan.skipped.append((entry, "hidden or system file"))
            else:
                client.unfiled.append(entry)
            continue
        project = _project_folder(entry)
        files = sorted(_files_under(entry, plan), key=lambda p: str(p))
        if project is None:
            client.unfiled.extend(files)
            plan.notes.append(
                f"{_rel(entry, plan.base)}: not a project folder (NNNN-name-MM.DD.YYYY); its "
                f"{len(files)} file(s) were filed under {client.code}, unfiled"
            )
            continue
        project.files = files
        client.projects.append(project)


def _project_folder(folder: Path) -> ProjectFolder | None:
    info = parse_name(folder.name + "/")
    number = info.value("project_number")
    name = info.value("project_name")
    if not number or not name:
        return None
    date = info.value("project_date")
    marked = any(DUPLICATE_MARK.search(piece) for piece in info.unparsed) or bool(
        DUPLICATE_MARK.search(str(name))
    )
    name = re.sub(r"[\s-]*duplicate\s*$", "", str(name), flags=re.IGNORECASE).strip() or name
    return ProjectFolder(
        path=folder,
        number=str(number),
        name=str(name),
        date=date if isinstance(date, dt.date) else None,
        marked_duplicate=marked,
    )


def _entries(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if not p.is_symlink()]


def _files_under(folder: Path, plan: TreePlan) -> list[Path]:
    found = []
    for path in folder.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        if _is_system(path):
            plan.skipped.append((path, "hidden or system file"))
            continue
        found.append(path)
    return found


def _is_system(path: Path) -> bool:
    return path.name.startswith(".") or path.name.lower() in SYSTEM_FILES


def _client_code(name: str) -> str | None:
    try:
        return normalise_client_code(name.strip())
    except ValueError:
        return None


def _rel(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


# --- importing -----------------------------------------------------------------------------------


def import_tree(
    root: Path, *, by=None, progress: Callable[[Path], Any] | None = None
) -> ImportReport:
    """Import the tree at `root`; run it again and nothing changes. `progress(path)` is called
    after each file."""
    plan = plan_tree(root)
    report = ImportReport()
    report.lines.extend(plan.notes)
    for path, why in plan.skipped:
        if path.is_file():
            report.skipped += 1
        if not _is_system(path):
            report.lines.append(f"{_rel(path, plan.base)}: skipped ({why})")
    for client_folder in plan.clients:
        client = _client(client_folder, report, by)
        projects: dict[str, Project] = {}
        for folder in client_folder.projects:
            project = projects.get(folder.canonical)
            if project is None:
                project = _project(client, folder, plan, report, by)
                projects[folder.canonical] = project
            elif folder.marked_duplicate:
                report.lines.append(
                    f"{_rel(folder.path, plan.base)}: marked DUPLICATE; its files joined "
                    f"{project.code}"
                )
            for path in folder.files:
                _file(path, plan, report, by, client=client, project=project)
                if progress:
                    progress(path)
        for path in client_folder.unfiled:
            report.lines.append(
                f"{_rel(path, plan.base)}: not in a project folder; filed under {client.code}, "
                "unfiled"
            )
            _file(path, plan, report, by, client=client, project=None)
            if progress:
                progress(path)
    return report


def _client(folder: ClientFolder, report: ImportReport, by) -> Client:
    from clients.services import client_create

    client = Client.objects.filter(code=folder.code).first()
    if client is not None:
        report.clients_found.append(client.code)
        return client
    client = client_create(
        name=folder.code,
        code=folder.code,
        by=by,
        notes=f"{MARKER} {folder.path.name}; the folders do not give the client's name: "
        "set it here.",
    )
    report.clients_created.append(client.code)
    return client


def _marker(client: Client, folder: ProjectFolder) -> str:
    return f"{MARKER} {client.code}/1.Projects/{folder.canonical}"


@transaction.atomic
def _project(
    client: Client, folder: ProjectFolder, plan: TreePlan, report: ImportReport, by
) -> Project:
    from projects.services import project_create

    marker = _marker(client, folder)
    month = folder.date or timezone.localdate()
    wanted_code = f"JB-{month:%Y-%m}-{client.compact_code}-{int(folder.number):03d}"
    found = Project.objects.filter(client=client, description__contains=marker).first()
    if found is None:
        found = Project.objects.filter(
            client=client, code=wanted_code, name__iexact=folder.name[:200]
        ).first()
    if found is not None:
        report.projects_found.append(found.code)
        return found

    description = marker
    if folder.date is None:
        description += "\nThe folder name has no date (MM.DD.YYYY): the job is dated today."
    if folder.marked_duplicate:
        description += "\nThe folder was marked DUPLICATE."
    code = wanted_code if not Project.objects.filter(code=wanted_code).exists() else None
    project = project_create(
        client=client,
        name=folder.name[:200],
        description=description,
        by=by,
        code=code,
        month=month,
    )
    if code is None:
        report.lines.append(
            f"{_rel(folder.path, plan.base)}: {wanted_code} is another job's code; imported as "
            f"{project.code}"
        )
    if folder.marked_duplicate:
        report.lines.append(
            f"{_rel(folder.path, plan.base)}: marked DUPLICATE but no folder without the mark; "
            f"imported as its own job {project.code}"
        )
    if folder.date is None:
        report.lines.append(f"{_rel(folder.path, plan.base)}: no date in the name; dated today")
    else:
        # The job was opened on the folder's date, not on the day of the import.
        opened = timezone.make_aware(dt.datetime.combine(folder.date, dt.time(12, 0)))
        before = project.created_at
        Project.objects.filter(pk=project.pk).update(created_at=opened)
        project.created_at = opened
        record(
            action=ActivityLog.Action.IMPORT,
            obj=project,
            changes={"created_at": [before.isoformat(), opened.isoformat()]},
            message=f"dated from the folder {folder.path.name}",
            user=by,
        )
    report.projects_created.append(project.code)
    return project


def _file(path: Path, plan: TreePlan, report: ImportReport, by, *, client, project) -> None:
    rel = _rel(path, plan.base)
    try:
        outcome = services.ingest(
            source_file=path,
            original_name=path.name,
            client=client,
            project=project,
            uploaded_by=by,
            source=FileSource.LEGACY_IMPORT,
            source_path=rel,
        )
    except ValidationError as exc:
        report.refused += 1
        report.lines.append(f"{rel}: refused: {'; '.join(exc.messages)}")
        return
    if outcome.created:
        report.ingested += 1
        return
    existing: FileIngest = outcome.duplicate_of
    if existing.source_path == services.clean_original_name(rel):
        report.already_imported += 1
        return
    report.duplicates += 1
    where = existing.source_path or existing.original_name
    report.lines.append(f"{rel}: duplicate of {existing.stored_name} ({where})")
