"""The frame every import command uses: read CSV or XLSX rows, handle each in its own savepoint,
report created / updated / skipped (and why) per row, `--dry-run` rolls everything back.
`ImportCommand` is the management command around it (the file, `--dry-run`, `--user`).

A bad row never stops the good ones and never leaves a half-written record.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

CREATED, UPDATED, SKIPPED, FAILED, UNCHANGED = (
    "created",
    "updated",
    "skipped",
    "failed",
    "unchanged",
)


class RowSkipped(Exception):
    """Raise from a row handler to skip the row with a reason (nothing it wrote is kept)."""


@dataclass
class RowResult:
    row: int  # 1-based line/row number in the source, header = 1
    outcome: str
    label: str = ""
    reason: str = ""


@dataclass
class ImportReport:
    source: str
    dry_run: bool = False
    rows: list[RowResult] = field(default_factory=list)

    def add(self, result: RowResult) -> None:
        self.rows.append(result)

    @property
    def counts(self) -> Counter:
        return Counter(r.outcome for r in self.rows)

    def summary(self) -> str:
        c = self.counts
        parts = [f"{c[k]} {k}" for k in (CREATED, UPDATED, UNCHANGED, SKIPPED, FAILED)]
        prefix = "DRY RUN (nothing saved): " if self.dry_run else ""
        return f"{prefix}{self.source}: " + ", ".join(parts)

    def write_to(self, command) -> None:
        """Print the per-row report and the summary on a management command's output; exit 1
        when any row failed (the good rows are kept), so scripts notice."""
        for line in self.lines():
            command.stdout.write(line)
        command.stdout.write(self.summary())
        if self.counts[FAILED]:
            from django.core.management.base import CommandError

            raise CommandError(
                f"{self.counts[FAILED]} row(s) failed; the other rows were "
                + ("checked" if self.dry_run else "imported"),
                returncode=1,
            )

    def lines(self) -> Iterator[str]:
        for r in self.rows:
            text = f"row {r.row}: {r.outcome}"
            if r.label:
                text += f" {r.label}"
            if r.reason:
                text += f" ({r.reason})"
            yield text


class DryRunRollback(Exception):
    pass


def read_table(path: Path | str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Headers and (row number, {header: value}) rows of a CSV or XLSX file.

    Headers are stripped; values are strings (stripped; empty for blanks); fully empty rows are
    dropped. Raises ValueError with a clear message for files it cannot read.
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix in (".csv", ".txt"):
        return _read_csv(path)
    raise ValueError(f"{path.name}: expected a .csv or .xlsx file")


def _normalise(headers: list[Any], raw_rows: Iterable[tuple[int, list[Any]]]):
    names = [str(h).strip() if h is not None else "" for h in headers]
    rows = []
    for number, values in raw_rows:
        cells = {}
        for name, value in zip(names, values, strict=False):
            if not name:
                continue
            if value is None:
                text = ""
            elif hasattr(value, "isoformat"):
                text = (
                    value.isoformat()[:10]
                    if not hasattr(value, "hour") or (value.hour == value.minute == 0)
                    else value.isoformat()
                )
            elif isinstance(value, float) and value.is_integer():
                text = str(int(value))
            else:
                text = str(value).strip()
            cells[name] = text
        if any(cells.values()):
            rows.append((number, cells))
    return [n for n in names if n], rows


def _read_csv(path: Path):
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise ValueError(f"{path.name}: not a text file")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        headers = next(reader)
    except StopIteration:
        raise ValueError(f"{path.name}: the file is empty") from None
    return _normalise(headers, ((i, row) for i, row in enumerate(reader, start=2)))


def _read_xlsx(path: Path):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise ValueError(f"{path.name}: not a readable Excel workbook ({exc})") from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        try:
            headers = list(next(rows))
        except StopIteration:
            raise ValueError(f"{path.name}: the first sheet is empty") from None
        body = [(i, list(row)) for i, row in enumerate(rows, start=2)]
    finally:
        workbook.close()
    return _normalise(headers, body)


def run_rows(
    rows: Iterable[tuple[int, dict[str, str]]],
    handler: Callable[[dict[str, str]], tuple[str, str]],
    *,
    source: str,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Run `handler(row) -> (outcome, label)` on every row, each in its own savepoint.

    A ValidationError, ValueError or RowSkipped from the handler rolls back that row only and
    is reported with its reason. With dry_run everything is rolled back at the end.
    """
    report = ImportReport(source=source, dry_run=dry_run)
    try:
        with transaction.atomic():
            for number, row in rows:
                try:
                    with transaction.atomic():
                        outcome, label = handler(row)
                    report.add(RowResult(number, outcome, label))
                except RowSkipped as exc:
                    report.add(RowResult(number, SKIPPED, reason=str(exc)))
                except ValidationError as exc:
                    report.add(RowResult(number, FAILED, reason=_validation_text(exc)))
                except (ValueError, LookupError) as exc:
                    report.add(RowResult(number, FAILED, reason=str(exc)))
                if progress:
                    progress(number)
            if dry_run:
                raise DryRunRollback
    except DryRunRollback:
        pass
    return report


def _validation_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


def user_named(username: str | None):
    """The user an import acts as (recorded in the audit trail), or None for the system."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValueError(f"no user called {username!r}")
    return user


RowHandler = Callable[[Any], tuple[str, str]]


class ImportCommand(BaseCommand):
    """A command that imports one file (or folder) row by row through `run_rows`.

    Subclasses give `prepare(path, by=..., options=...) -> (rows, handler)`; a ValueError from it
    (a missing file, a missing column, an unknown user) stops the command with its message.
    """

    source_help = "The .csv or .xlsx file."
    user_help = "Username the changes are recorded under (default: the system)."

    def add_arguments(self, parser):
        parser.add_argument("path", help=self.source_help)
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report, but save nothing."
        )
        parser.add_argument("--user", help=self.user_help)

    def handle(self, *args, path, dry_run, user, **options):
        source = Path(path)
        try:
            by = user_named(user)
            rows, handler = self.prepare(source, by=by, options=options)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        run_rows(rows, handler, source=source.name, dry_run=dry_run).write_to(self)

    def prepare(
        self, path: Path, *, by, options: dict[str, Any]
    ) -> tuple[Iterable[tuple[int, Any]], RowHandler]:
        raise NotImplementedError
