"""`import_flask_db`: every table of the old Flask system, in the order their links need, in one
transaction (rolled back for a dry run), each row in its own savepoint."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.db import transaction

from laseros.actors import Actor

from . import catalogue, comms, files, jobs, people, stock
from .base import FileFinder, ImportRun, OldDatabase

# (old table, what imports it), in the order the links need: users before operators, clients
# before jobs, jobs before their files, the queue and the messages; the log last.
STEPS: tuple[tuple[str, Callable[[ImportRun], None]], ...] = (
    ("users", people.import_users),
    ("operators", people.import_operators),
    ("clients", people.import_clients),
    ("materials", stock.import_materials),
    ("inventory_items", stock.import_inventory_items),
    ("inventory_transactions", stock.import_inventory_transactions),
    ("machine_settings_presets", stock.import_presets),
    ("products", catalogue.import_products),
    ("product_files", catalogue.import_product_files),
    ("projects", jobs.import_projects),
    ("design_files", files.import_design_files),
    ("project_documents", files.import_project_documents),
    ("queue_items", jobs.import_queue),
    ("message_templates", comms.import_templates),
    ("communications", comms.import_communications),
    ("activity_log", comms.import_activity_log),
)
# Old tables with rows that are not brought over, and why (the report names them).
NOT_BROUGHT_OVER = {
    "settings": "the shop's settings live in Laser OS's environment (.env)",
    "login_history": "logins are recorded afresh by Laser OS",
    "file_ingests": "the old system's test record of its own file reader",
}
# Old tables read along with another step.
ALSO_READ = ("roles", "user_roles", "schema_version")


class _Rollback(Exception):
    pass


def import_flask_db(
    path: Path | str,
    *,
    files_dir: Path | str | None = None,
    dry_run: bool = False,
    by: Actor = None,
    progress: Callable[[str], None] | None = None,
) -> ImportRun:
    """Import the old database at `path` (read-only); raises OldDatabaseError for a file that
    is not one, and ValueError for a --files folder that is not there, before anything is
    written."""
    if files_dir is not None and not Path(files_dir).is_dir():
        raise ValueError(f"{files_dir}: no such folder")
    db = OldDatabase(path)
    run = ImportRun(
        db=db,
        files=FileFinder(Path(files_dir) if files_dir is not None else None),
        by=by,
        dry_run=dry_run,
    )
    try:
        with transaction.atomic():
            for table, step in STEPS:
                if progress:
                    progress(table)
                step(run)
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    finally:
        _left_behind(run)
        db.close()
    return run


def _left_behind(run: ImportRun) -> None:
    """A note for every old table with rows that no step reads: the ones left on purpose, and
    any other (quotes, invoices, laser runs...: empty in the shop's copy, but not everywhere)."""
    read = {table for table, _ in STEPS} | set(ALSO_READ)
    for table in sorted(run.db.tables):
        if table in read or table.startswith("sqlite_"):
            continue
        count = len(run.db.rows(table))
        if count:
            why = NOT_BROUGHT_OVER.get(table, "no import for this table yet")
            run.notes.append(f"{table}: {count} rows not brought over ({why})")
