"""What every table of the old system's import shares: reading the old database, the run (who,
the files folder, dry run), the old → new map (LegacyRecord) and one table's rows through
laseros.importing.run_rows, each in its own savepoint.

A row already brought over is found again by its LegacyRecord and left as Laser OS has it
("unchanged"); if the old row changed since, it is "skipped" with that reason, and a record
deleted in Laser OS since is not made again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, models
from django.utils import timezone

from laseros.actors import Actor
from laseros.importing import SKIPPED, UNCHANGED, ImportReport, RowSkipped, run_rows

from .models import LegacyRecord

Row = dict[str, Any]
# A table's handler: the old row -> (outcome, the new record or None, a label for the report).
Handler = Callable[[Row], tuple[str, models.Model | None, str]]

# Tables that tell the old system's database from any other SQLite file.
REQUIRED_TABLES = ("clients", "projects")


class OldDatabaseError(ValueError):
    """The file is not the old system's database; str() says why (the command prints it)."""


class OldDatabase:
    """The old system's SQLite file, opened read-only (nothing is ever written to it)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        if not self.path.is_file():
            raise OldDatabaseError(f"{self.path}: no such file")
        with self.path.open("rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                raise OldDatabaseError(f"{self.path.name}: not an SQLite database")
        uri = self.path.resolve().as_uri() + "?mode=ro"
        try:
            self.connection = sqlite3.connect(uri, uri=True)
            self.connection.row_factory = sqlite3.Row
            names = {
                r[0]
                for r in self.connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            }
        except sqlite3.DatabaseError as exc:
            raise OldDatabaseError(f"{self.path.name}: not a readable database ({exc})") from None
        missing = [t for t in REQUIRED_TABLES if t not in names]
        if missing:
            raise OldDatabaseError(
                f"{self.path.name}: no {', '.join(missing)} table; not the old Laser OS database"
            )
        self.tables = names

    def rows(self, table: str, order: str = "rowid") -> list[Row]:
        """Every row of `table` as a dict, in `order`; [] when the table is not there."""
        if table not in self.tables:
            return []
        query = f'SELECT * FROM "{table}" ORDER BY {order}'  # table names are ours, not input
        return [dict(r) for r in self.connection.execute(query)]

    def close(self) -> None:
        self.connection.close()


class FileFinder:
    """The files under --files, found by name (the stored name first, then the original one);
    among several of one name, the one of the recorded size, then the first by path."""

    def __init__(self, root: Path | None):
        self.root = root
        self.by_name: dict[str, list[Path]] = {}
        if root is None:
            return
        for folder, _dirs, names in os.walk(root):
            for name in names:
                self.by_name.setdefault(name.lower(), []).append(Path(folder) / name)
        for paths in self.by_name.values():
            paths.sort()

    def find(self, *names: str, size: int | None = None) -> Path | None:
        for name in names:
            candidates = self.by_name.get((name or "").strip().lower(), [])
            if not candidates:
                continue
            sized = [p for p in candidates if size is not None and p.stat().st_size == size]
            return (sized or candidates)[0]
        return None

    def missing(self, *names: str) -> str:
        shown = " or ".join(repr(n) for n in dict.fromkeys(n for n in names if n))
        if self.root is None:
            return f"file {shown} not brought over: no --files folder given"
        return f"file {shown} not found under {self.root}"


def row_digest(row: Row) -> str:
    return hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()


def old_time(text: Any) -> dt.datetime | None:
    """The old system's times ('2025-10-15 16:12:18.724631', SQLite's CURRENT_TIMESTAMP: UTC)
    as aware datetimes; empty or unreadable -> None."""
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(str(text).strip())
    except ValueError:
        return None
    return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)


def old_date(text: Any) -> dt.date | None:
    moment = old_time(text)
    return moment.date() if moment else None


def old_decimal(value: Any, places: str | None = None) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a number")
    return number.quantize(Decimal(places)) if places else number


def text(value: Any) -> str:
    return "" if value is None else str(value).strip()


@dataclass
class ImportRun:
    """One run of the import: the old database, the files, who it is recorded under, the old →
    new map and a report per table."""

    db: OldDatabase
    files: FileFinder
    by: Actor = None
    dry_run: bool = False
    reports: list[tuple[str, int, ImportReport]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    users_without_password: list[str] = field(default_factory=list)

    # --- the old -> new map ----------------------------------------------------------------------

    def link(self, table: str, old_id: Any) -> LegacyRecord | None:
        return LegacyRecord.objects.filter(table=table, old_id=str(old_id)).first()

    def new(self, table: str, old_id: Any) -> Any:
        """The record the old row became, or None (not imported, or deleted since)."""
        if old_id in (None, ""):
            return None
        link = self.link(table, old_id)
        return link.record if link is not None else None

    def remember(self, table: str, old_id: Any, record: models.Model, row: Row) -> None:
        LegacyRecord.objects.update_or_create(
            table=table,
            old_id=str(old_id),
            defaults={
                "content_type": ContentType.objects.get_for_model(record),
                "object_id": str(record.pk),
                "row_sha256": row_digest(row),
            },
        )

    # --- one table -------------------------------------------------------------------------------

    def table(
        self,
        table: str,
        handler: Handler,
        *,
        rows: Iterable[Row] | None = None,
        key: str = "id",
    ) -> ImportReport:
        """Run `handler` on every row of the old `table`, each in its own savepoint, and keep
        the report. A row mapped before is not handed to the handler again."""
        rows = list(self.db.rows(table) if rows is None else rows)

        def one(row: Row) -> tuple[str, str]:
            old_id = row[key]
            link = self.link(table, old_id)
            if link is not None:
                if link.record is None:
                    raise RowSkipped(
                        "imported before and deleted in Laser OS since; not made again"
                    )
                if link.row_sha256 != row_digest(row):
                    raise RowSkipped(
                        f"changed in the old system since it was imported as {link.record}; "
                        "Laser OS's copy is kept"
                    )
                return UNCHANGED, f"{link.record} (imported before)"
            try:
                outcome, record, label = handler(row)
            except DatabaseError as exc:
                raise ValueError(f"the database refused the row: {exc}") from None
            except (ArithmeticError, TypeError) as exc:  # a value of the wrong kind in a column
                raise ValueError(f"a value the import cannot read ({exc!r})") from None
            if record is not None and outcome != SKIPPED:
                self.remember(table, old_id, record, row)
            return outcome, label

        report = run_rows(((r[key], r) for r in rows), one, source=table)
        self.reports.append((table, len(rows), report))
        return report
