"""manage.py import_projects FILE [--dry-run] [--user MANAGER]: jobs from the shop's old system.

Columns: the 30 of ../shared/corpus/legacy/data/templates/projects_import_template.csv
(client_code, project_code, name, description, status, quote_date, approval_date, due_date,
completion_date, quoted_price, final_price, material_type, material_quantity_sheets,
parts_quantity, estimated_cut_time, drawing_creation_time, number_of_bins, scheduled_cut_date,
pop_received, pop_received_date, pop_deadline, client_notified, delivery_confirmed, notes,
dxf_files, quote_files, invoice_files, pop_files, delivery_note_files, image_files), as CSV or
XLSX.

- A row whose values do not fit its columns (a price in a date column, more values than
  columns: a comma too many or too few upstream) fails with the reason; nothing of it is saved.
- The old status ("Quote", "Approved", "In Progress", ...) is mapped to the new workflow and the
  job is walked there through `projects.services.project_transition`, one recorded move at a
  time, each with the reason "imported". The old system's files are not in the CSV, so the
  design-file gate (and payment, for jobs cut before payment) must be overridden: give
  `--user` a manager; without one such rows fail and say so. A paid job is left in Paid and
  production puts it in the queue once the import commits (the shop's rule).
- Dates the new workflow sets itself (approval, proof of payment, completion) and the old
  system's extra fields and file names are kept in the job's notes.
- A row matches an existing job by project_code, else by client and name (any case): importing
  the same file twice changes nothing. Empty cells leave what is there.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from django.db import DatabaseError, transaction

from clients.models import Client, normalise_client_code
from inventory.management.cells import (
    header_key,
    material_for,
    parse_bool,
    parse_date,
    parse_int,
    parse_money,
    split_material_type,
)
from laseros.actors import Actor
from laseros.importing import CREATED, UNCHANGED, UPDATED, ImportCommand, read_table
from projects.models import Project, ProjectStatus
from projects.services import TransitionError, project_create, project_transition, project_update

S = ProjectStatus

TEMPLATE_COLUMNS = (
    "client_code",
    "project_code",
    "name",
    "description",
    "status",
    "quote_date",
    "approval_date",
    "due_date",
    "completion_date",
    "quoted_price",
    "final_price",
    "material_type",
    "material_quantity_sheets",
    "parts_quantity",
    "estimated_cut_time",
    "drawing_creation_time",
    "number_of_bins",
    "scheduled_cut_date",
    "pop_received",
    "pop_received_date",
    "pop_deadline",
    "client_notified",
    "delivery_confirmed",
    "notes",
    "dxf_files",
    "quote_files",
    "invoice_files",
    "pop_files",
    "delivery_note_files",
    "image_files",
)
DATE_COLUMNS = (
    "quote_date",
    "approval_date",
    "due_date",
    "completion_date",
    "scheduled_cut_date",
    "pop_received_date",
    "pop_deadline",
)
MONEY_COLUMNS = ("quoted_price", "final_price")
COUNT_COLUMNS = (
    "material_quantity_sheets",
    "parts_quantity",
    "estimated_cut_time",
    "drawing_creation_time",
    "number_of_bins",
)
YES_NO_COLUMNS = ("pop_received", "client_notified", "delivery_confirmed")
FILE_COLUMNS = {
    "dxf_files": "DXF",
    "quote_files": "quotes",
    "invoice_files": "invoices",
    "pop_files": "proof of payment",
    "delivery_note_files": "delivery notes",
    "image_files": "images",
}

# The old system's statuses (and the new ones, by value or label) -> the new workflow.
LEGACY_STATUS = {
    "request": S.REQUEST,
    "new": S.REQUEST,
    "enquiry": S.REQUEST,
    "quote": S.QUOTING,
    "quoted": S.QUOTING,
    "quote_approval": S.QUOTING,
    "quote_and_approval": S.QUOTING,
    "quotesandapproval": S.QUOTING,
    "approved": S.APPROVED,
    "approved_pop_received": S.PAID,
    "pop_received": S.PAID,
    "queued_scheduled_for_cutting": S.QUEUED,
    "scheduled": S.QUEUED,
    "waitingonmaterial": S.QUEUED,
    "waiting_on_material": S.QUEUED,
    "in_progress": S.CUTTING,
    "quality_check": S.QC,
    "readyforpickup": S.READY,
    "ready_for_pickup": S.READY,
    "ready_for_collection": S.READY,
    "ready_for_delivery": S.READY,
    "complete": S.COMPLETED,
    "delivered": S.COMPLETED,
    "collected": S.COMPLETED,
    "done": S.COMPLETED,
    "hold": S.ON_HOLD,
    "canceled": S.CANCELLED,
    **{header_key(s.value): s for s in S},
    **{header_key(s.label): s for s in S},
}
MAIN_LINE = (S.REQUEST, S.QUOTING, S.APPROVED, S.PAID, S.QUEUED, S.CUTTING, S.QC, S.READY)
MAIN_LINE += (S.COMPLETED,)
PRODUCTION = (S.QUEUED, S.CUTTING, S.QC, S.READY, S.COMPLETED)


def walk(target: str, *, paid: bool | None) -> list[str]:
    """The moves from Request that bring a job to `target`, the way the workflow allows.

    A paid job stops in Paid when the file says Queued (production queues it on commit); a job
    the file says was produced without proof of payment goes Approved -> Queued (overriding the
    payment gate, as a manager would have)."""
    if target in (S.ON_HOLD, S.CANCELLED):
        return [target]
    steps = list(MAIN_LINE[1 : MAIN_LINE.index(target) + 1])
    if target in PRODUCTION and paid is False:
        steps.remove(S.PAID)
    elif target == S.QUEUED:
        steps.remove(S.QUEUED)
    return steps


def raw_extras(path: Path, width: int) -> dict[int, list[str]]:
    """{row number: the non-empty values beyond the header's columns}, read the same way as
    laseros.importing.read_table, which drops them silently."""
    extras: dict[int, list[str]] = {}
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            rows = workbook.worksheets[0].iter_rows(values_only=True)
            next(rows, None)
            for number, values in enumerate(rows, start=2):
                beyond = [str(v).strip() for v in values[width:] if v not in (None, "")]
                if any(beyond):
                    extras[number] = beyond
        finally:
            workbook.close()
        return extras
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover
        return extras
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    next(reader, None)
    for number, values in enumerate(reader, start=2):
        beyond = [v.strip() for v in values[width:] if v.strip()]
        if beyond:
            extras[number] = beyond
    return extras


def _names(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;|\n]", text or "") if part.strip()]


def _yes_no(value: bool | None) -> str:
    return "yes" if value else "no"


class ProjectRowHandler:
    """One row of the file -> a created, updated or unchanged job (raises to fail the row)."""

    def __init__(self, *, by: Actor = None, extras: dict[int, list[str]] | None = None):
        self.by = by
        self.extras = extras or {}
        self.width = len(TEMPLATE_COLUMNS)

    def __call__(self, numbered: tuple[int, dict[str, str]]) -> tuple[str, str]:
        number, row = numbered
        cells = {header_key(k): (v or "").strip() for k, v in row.items()}
        if number in self.extras:
            extra = self.extras[number]
            raise ValueError(
                f"{self.width + len(extra)} values for {self.width} columns (extra: "
                + ", ".join(repr(v) for v in extra)
                + "): a comma too many upstream shifts the values; fix the row and import again"
            )
        values = self._read(cells)
        try:
            with transaction.atomic():
                return self._save(values)
        except DatabaseError as exc:
            raise ValueError(f"the database refused the row: {exc}") from None

    # --- reading and checking -------------------------------------------------------------------

    def _read(self, cells: dict[str, str]) -> dict[str, Any]:
        errors: list[str] = []
        values: dict[str, Any] = {"cells": cells}

        def check(column: str, parse) -> None:
            try:
                values[column] = parse(cells.get(column, ""))
            except ValueError as exc:
                errors.append(f"{column}: {exc}")

        for column in DATE_COLUMNS:
            check(column, parse_date)
        for column in MONEY_COLUMNS:
            check(column, parse_money)
        for column in COUNT_COLUMNS:
            check(column, lambda text: parse_int(text, what="whole number"))
        for column in YES_NO_COLUMNS:
            check(column, parse_bool)
        check("material_type", split_material_type)
        raw_status = cells.get("status", "")
        status = LEGACY_STATUS.get(header_key(raw_status)) if raw_status else S.REQUEST
        if status is None:
            errors.append(f"status: {raw_status!r} is not a status the import knows")
        if status == S.APPROVED and values.get("pop_received"):
            status = S.PAID  # the old "Approved (POP Received)"
        values["status"], values["raw_status"] = status, raw_status or "Request"
        if not cells.get("name"):
            errors.append("name is required")
        code = cells.get("client_code", "")
        if not code:
            errors.append("client_code is required")
        else:
            try:
                values["client_code"] = normalise_client_code(code)
            except ValueError as exc:
                errors.append(f"client_code: {exc}")
        if errors:
            prefix = ""
            if len(errors) > 1:
                prefix = "the values do not fit their columns (one missing or extra upstream?): "
            raise ValueError(prefix + "; ".join(errors))
        return values

    def _notes(self, values: dict[str, Any]) -> str:
        """The row's notes plus what the new model has no field for, in one stable text."""
        cells = values["cells"]
        facts = [f"status {values['raw_status']!r}"]
        for column, label in (
            ("approval_date", "approved"),
            ("completion_date", "completed"),
            ("scheduled_cut_date", "scheduled to cut"),
            ("pop_received_date", "POP received"),
            ("pop_deadline", "POP deadline"),
        ):
            if values.get(column):
                facts.append(f"{label} {values[column]:%Y-%m-%d}")
        for column, label in (
            ("material_quantity_sheets", "sheets"),
            ("estimated_cut_time", "estimated cut min"),
            ("drawing_creation_time", "drawing min"),
            ("number_of_bins", "bins"),
        ):
            if values.get(column) is not None:
                facts.append(f"{label} {values[column]}")
        for column, label in (
            ("pop_received", "POP received"),
            ("client_notified", "client notified"),
            ("delivery_confirmed", "delivery confirmed"),
        ):
            if values.get(column) is not None:
                facts.append(f"{label}: {_yes_no(values[column])}")
        text = cells.get("notes", "")
        text = (text + "\n\n" if text else "") + "From the old system: " + "; ".join(facts) + "."
        files = [
            f"{label}: {', '.join(_names(cells[column]))}"
            for column, label in FILE_COLUMNS.items()
            if _names(cells.get(column, ""))
        ]
        if files:
            text += "\nFiles in the old system (not imported): " + "; ".join(files) + "."
        return text

    # --- saving ---------------------------------------------------------------------------------

    def _save(self, values: dict[str, Any]) -> tuple[str, str]:
        cells = values["cells"]
        client = Client.objects.filter(code=values["client_code"]).first()
        if client is None:
            raise ValueError(
                f"client_code: no client {values['client_code']} (import the clients first)"
            )
        material_code, thickness = values["material_type"] or (None, None)
        fields: dict[str, Any] = {
            "name": cells["name"],
            "description": cells.get("description", ""),
            "material": material_for(material_code, by=self.by) if material_code else None,
            "thickness_mm": thickness,
            "quantity": values["parts_quantity"] or None,
            "promised_date": values["due_date"],
            "quote_sent_on": values["quote_date"],
            "quoted_price": values["quoted_price"],
            "final_price": values["final_price"],
            "notes": self._notes(values),
        }
        fields = {k: v for k, v in fields.items() if v not in (None, "")}
        project = self._find(client, cells.get("project_code", ""), cells["name"])
        if project is None:
            first_date = next(
                (values[c] for c in ("quote_date", "approval_date", "due_date") if values[c]),
                None,
            )
            final_price = fields.pop("final_price", None)
            project = project_create(
                client=client,
                by=self.by,
                code=cells.get("project_code") or None,
                month=first_date,
                **fields,
            )
            if final_price is not None:
                project = project_update(project=project, by=self.by, final_price=final_price)
            status_note = self._walk(project, values)
            return CREATED, f"{project} → {project.get_status_display()}{status_note}"
        changes = {k: v for k, v in fields.items() if getattr(project, k) != v}
        if changes:
            project = project_update(project=project, by=self.by, **changes)
        before = project.status
        status_note = self._walk(project, values)
        moved = project.status != before
        label = f"{project}"
        if not (changes or moved):
            return UNCHANGED, label + status_note
        what = sorted(changes) + ([f"status → {project.get_status_display()}"] if moved else [])
        return UPDATED, f"{label} ({', '.join(what)}){status_note}"

    def _find(self, client: Client, code: str, name: str) -> Project | None:
        code = code.strip().upper()
        if code:
            found = Project.objects.filter(code=code).select_related("client").first()
            if found is not None:
                if found.client_id != client.pk:
                    raise ValueError(f"project_code: {code} belongs to {found.client.code}")
                return found
        same = list(Project.objects.filter(client=client, name__iexact=name).order_by("id")[:2])
        if len(same) > 1:
            raise ValueError(
                f"{client.code} has {len(same)} jobs called {name!r}: give the project_code"
            )
        if same and code:
            raise ValueError(
                f"{client.code} already has a job called {name!r} ({same[0].code}), "
                f"but the file says {code}"
            )
        return same[0] if same else None

    def _walk(self, project: Project, values: dict[str, Any]) -> str:
        """Move the job to the file's status, one recorded move at a time; returns a note."""
        target = values["status"]
        steps = walk(target, paid=values.get("pop_received"))
        current = project.status
        if current == target or (steps and current == steps[-1]):
            return self._after_walk_note(project, target)
        route = [S.REQUEST, *steps]
        if current not in route:
            ahead = (
                current in MAIN_LINE
                and target in MAIN_LINE
                and MAIN_LINE.index(current) > MAIN_LINE.index(target)
            )
            if ahead:
                return ""  # it moved on in Laser OS since
            return (
                f" (status left at {project.get_status_display()}; the file says {S(target).label})"
            )
        reason = f"imported (old status: {values['raw_status']})"
        for step in route[route.index(current) + 1 :]:
            try:
                project_transition(
                    project=project, to=step, by=self.by, reason=reason, override=True
                )
            except TransitionError as exc:
                if exc.gate == "override_not_permitted":
                    raise ValueError(
                        f"status {values['raw_status']!r}: moving {project.code} to "
                        f"{S(step).label} needs a manager's override ({exc.detail}); import with "
                        "--user <a manager> to record the old status"
                    ) from None
                raise ValueError(f"status: {exc.detail}") from None
        return self._after_walk_note(project, target)

    @staticmethod
    def _after_walk_note(project: Project, target: str) -> str:
        if target == S.QUEUED and project.status == S.PAID:
            return " (production queues it once the import is saved)"
        return ""


class Command(ImportCommand):
    help = (
        "Import jobs from the shop's old project CSV/XLSX (30 template columns), walking each to "
        "its old status through the workflow with the reason 'imported'."
    )

    user_help = (
        "Username the changes are recorded under; a manager, so the gates the old records cannot "
        "pass (no design files in a CSV) are overridden with a reason."
    )

    def prepare(self, path, *, by, options):
        headers, rows = read_table(path)
        extras = raw_extras(path, len(headers))
        keys = {header_key(h) for h in headers}
        missing = [c for c in ("client_code", "name") if c not in keys]
        if missing:
            raise ValueError(f"{path.name}: no {', '.join(missing)} column")
        unknown = sorted(keys - set(TEMPLATE_COLUMNS))
        if unknown:
            self.stdout.write(f"ignoring columns the import does not know: {', '.join(unknown)}")
        handler = ProjectRowHandler(by=by, extras=extras)
        handler.width = len(headers)
        return ((n, (n, row)) for n, row in rows), handler
