"""A job's design files and documents from the old system, found under --files by their stored
name (files/projects/<job id>/20251016_204054_b8e4719a.dxf) or their original name (the shop's
folders), and received through ingest like any other file: checked, stored once under the job,
read in the background. A file that is not there is reported and skipped, never fatal."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from ingest.models import FileSource
from ingest.services import ingest
from laseros.importing import CREATED, UNCHANGED, RowSkipped

from .base import ImportRun, Row, text


def _receive(run: ImportRun, row: Row, *, kind: str):
    project = run.new("projects", row["project_id"])
    if project is None:
        raise RowSkipped("its job was not imported")
    stored, original = text(row["stored_filename"]), text(row["original_filename"])
    path = run.files.find(stored, original, size=row.get("file_size"))
    if path is None:
        raise RowSkipped(f"{project.code}: {run.files.missing(stored, original)}")
    if run.dry_run:  # a stored file would outlive the rolled-back run
        return CREATED, None, f"{project.code}: {original} (found as {path.name}; not stored)"
    note = f"old system {kind}" + (f": {text(row['notes'])}" if text(row.get("notes")) else "")
    try:
        outcome = ingest(
            source_file=path,
            original_name=original or path.name,
            client=project.client,
            project=project,
            uploaded_by=run.by,
            source=FileSource.LEGACY_IMPORT,
            source_path=str(path.relative_to(run.files.root)) if run.files.root else "",
        )
    except ValidationError as exc:
        raise ValueError(f"{project.code}: {original} refused: {'; '.join(exc.messages)}") from None
    if outcome.created:
        return CREATED, outcome.file, f"{project.code}: {original} as {outcome.file} ({note})"
    same = outcome.duplicate_of or outcome.file
    return UNCHANGED, same, f"{project.code}: {original} is the same file as {same}"


def import_design_files(run: ImportRun) -> None:
    run.table("design_files", lambda row: _receive(run, row, kind="design file"))


def import_project_documents(run: ImportRun) -> None:
    run.table(
        "project_documents",
        lambda row: _receive(run, row, kind=text(row.get("document_type")).lower() or "document"),
    )
