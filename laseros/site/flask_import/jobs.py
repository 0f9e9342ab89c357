"""Jobs and the queue from the old system.

A job keeps its code (JB-2025-10-CL0002-001) and is put in the status it had, mapped into the new
workflow, with one recorded move "imported from the old system: <old status>" through
projects.services.imports (no gate, nothing sent, nothing queued). What the new job has no field
for (old dates, sheets, bins, notification flags) goes into its notes. Queue items the old
system finished are kept as past items; one still waiting goes into the queue through
production's `queue_add`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from inventory.management.cells import material_for
from laseros.importing import CREATED, UNCHANGED, UPDATED, RowSkipped
from production.models import QueuePriority, QueueStatus
from production.services import default_machine, queue_add
from production.services.history import queue_item_record_past
from projects.models import Project, ProjectStatus
from projects.services import project_create, project_update
from projects.services.imports import project_import_status

from .base import ImportRun, Row, old_date, old_decimal, old_time, text

S = ProjectStatus

# The old system's statuses (schema v12 and the older names its data still holds) -> the new.
OLD_STATUS: dict[str, str] = {
    "request": S.REQUEST,
    "quote & approval": S.QUOTING,
    "quote": S.QUOTING,
    "quoted": S.QUOTING,
    "approved": S.APPROVED,
    "approved (pop received)": S.PAID,
    "pop received": S.PAID,
    "queued (scheduled for cutting)": S.QUEUED,
    "queued": S.QUEUED,
    "scheduled": S.QUEUED,
    "in progress": S.CUTTING,
    "cutting": S.CUTTING,
    "quality check": S.QC,
    "ready": S.READY,
    "ready for collection": S.READY,
    "ready for pickup": S.READY,
    "completed": S.COMPLETED,
    "complete": S.COMPLETED,
    "delivered": S.COMPLETED,
    "collected": S.COMPLETED,
    "cancelled": S.CANCELLED,
    "canceled": S.CANCELLED,
    "on hold": S.ON_HOLD,
}
IMPORTED = "imported from the old system: {old}"


def new_status(old: str) -> str:
    try:
        return OLD_STATUS[text(old).lower()]
    except KeyError:
        raise ValueError(f"status {old!r} is not one the old system had") from None


def _yes(value: Any) -> bool:
    return bool(value) and str(value).lower() not in ("0", "false", "none")


def _job_notes(row: Row) -> str:
    """The old notes plus what the new job has no field for, in one stable text."""
    facts = [f"status {text(row['status'])!r}"]
    for column, label in (
        ("approval_date", "approved"),
        ("completion_date", "completed"),
        ("scheduled_cut_date", "scheduled to cut"),
        ("pop_received_date", "POP received"),
        ("pop_deadline", "POP deadline"),
        ("client_notified_date", "client notified"),
        ("delivery_confirmed_date", "delivery confirmed"),
        ("on_hold_date", "on hold since"),
    ):
        if row.get(column):
            facts.append(f"{label} {text(row[column])[:10]}")
    for column, label in (
        ("material_quantity_sheets", "sheets"),
        ("sheets_required", "sheets required"),
        ("sheet_size", "sheet size"),
        ("estimated_cut_time", "estimated cut min"),
        ("drawing_creation_time", "drawing min"),
        ("number_of_bins", "bins"),
        ("stage", "stage"),
    ):
        if row.get(column) not in (None, "", 0):
            facts.append(f"{label} {row[column]}")
    for column in ("on_hold_reason", "cancellation_reason"):
        if text(row.get(column)):
            facts.append(f"{column.replace('_', ' ')}: {text(row[column])}")
    notes = text(row["notes"])
    return (notes + "\n\n" if notes else "") + "From the old system: " + "; ".join(facts) + "."


def _material(run: ImportRun, row: Row):
    name = text(row.get("material_type"))
    if not name or name.lower() == "other":
        return None
    try:
        return material_for(name, by=run.by)
    except ValueError as exc:
        raise ValueError(f"material: {exc}") from None


def _thickness(row: Row) -> Decimal | None:
    for column in ("material_thickness", "thickness_mm"):
        try:
            value = old_decimal(row.get(column), "0.01")
        except ValueError:
            continue
        if value is not None and value > 0:
            return value
    return None


def import_projects(run: ImportRun) -> None:
    def handle(row: Row):
        client = run.new("clients", row["client_id"])
        if client is None:
            raise RowSkipped("its client was not imported")
        target = new_status(row["status"])
        before_hold = ""
        if _yes(row.get("on_hold")) and target not in (S.COMPLETED, S.CANCELLED):
            target, before_hold = S.ON_HOLD, target
        code = text(row["project_code"]).upper()
        fields: dict[str, Any] = {
            "name": text(row["name"]) or code,
            "description": text(row["description"]),
            "material": _material(run, row),
            "thickness_mm": _thickness(row),
            "quantity": int(row["parts_quantity"]) if row.get("parts_quantity") else 1,
            "promised_date": old_date(row["due_date"]),
            "quote_sent_on": old_date(row["quote_date"]),
            "quoted_price": old_decimal(row["quoted_price"], "0.01"),
            "notes": _job_notes(row),
        }
        final_price = old_decimal(row["final_price"], "0.01")
        existing = Project.objects.filter(code=code).select_related("client").first()
        if existing is not None:
            return _found(run, existing, client, fields, final_price)
        created_at = old_time(row["created_at"])
        project = project_create(
            client=client,
            by=run.by,
            code=code,
            month=created_at.date() if created_at else None,
            **fields,
        )
        if final_price is not None:
            project = project_update(project=project, by=run.by, final_price=final_price)
        old = text(row["status"]) + (" (on hold)" if target == S.ON_HOLD else "")
        project = project_import_status(
            project=project,
            to=target,
            by=run.by,
            reason=IMPORTED.format(old=old),
            before_hold=before_hold,
            opened_at=created_at,
            changed_at=old_time(row.get("stage_last_updated")) or old_time(row["updated_at"]),
            dates={
                "approved_at": old_time(row.get("approval_date")),
                "pop_received_at": old_time(row.get("pop_received_date")),
                "completed_at": old_time(row.get("completion_date"))
                or (old_time(row["updated_at"]) if target == S.COMPLETED else None),
            },
        )
        return (
            CREATED,
            project,
            f"{project.code} {text(row['status'])} → {project.get_status_display()}",
        )

    run.table("projects", handle)


def _found(run: ImportRun, project: Project, client, fields: dict, final_price):
    """A job Laser OS already has under the old code (from import_projects or the folder
    import): its details are filled where empty; its status is Laser OS's."""
    if project.client_id != client.pk:
        raise ValueError(
            f"{project.code} is in Laser OS for {project.client.code}, not {client.code}"
        )
    changes = {
        k: v
        for k, v in {**fields, "final_price": final_price}.items()
        if v not in (None, "") and getattr(project, k) in (None, "") and k != "notes"
    }
    if changes:
        project = project_update(project=project, by=run.by, **changes)
        return UPDATED, project, f"{project.code} ({', '.join(sorted(changes))}; status kept)"
    return UNCHANGED, project, f"{project.code} (already in Laser OS; status kept)"


# --- the queue ------------------------------------------------------------------------------------

QUEUE_STATUS = {
    "queued": QueueStatus.QUEUED,
    "in progress": QueueStatus.CUTTING,
    "completed": QueueStatus.DONE,
    "cancelled": QueueStatus.CANCELLED,
}
PRIORITIES = {p.label.lower(): p.value for p in QueuePriority}


def import_queue(run: ImportRun) -> None:
    def handle(row: Row):
        project = run.new("projects", row["project_id"])
        if project is None:
            raise RowSkipped("its job was not imported")
        status = QUEUE_STATUS.get(text(row["status"]).lower())
        if status is None:
            raise ValueError(f"queue status {row['status']!r} is not one the old system had")
        machine = default_machine()
        if machine is None:
            raise RowSkipped(
                "Laser OS has no machine yet: add the shop's laser (admin → Machines) and run "
                "the import again"
            )
        notes = "; ".join(
            p
            for p in (
                text(row["notes"]),
                f"added by {text(row['added_by'])}" if row["added_by"] else "",
            )
            if p
        )
        common: dict[str, Any] = {
            "priority": PRIORITIES.get(text(row["priority"]).lower(), QueuePriority.NORMAL),
            "scheduled_date": old_date(row["scheduled_date"]),
            "estimated_minutes": int(row["estimated_cut_time"])
            if row["estimated_cut_time"]
            else None,
            "notes": notes,
        }
        if status in (QueueStatus.DONE, QueueStatus.CANCELLED):
            item = queue_item_record_past(
                project=project,
                machine=machine,
                status=status,
                by=run.by,
                added_at=old_time(row["added_at"]),
                started_at=old_time(row["started_at"]),
                finished_at=old_time(row["completed_at"]) or old_time(row["updated_at"]),
                **common,
            )
            return CREATED, item, f"{project.code} on {machine.code}: {item.get_status_display()}"
        try:
            item = queue_add(project=project, machine=machine, by=run.by, **common)
        except ValidationError as exc:
            raise ValueError(f"{project.code} cannot be queued: {' '.join(exc.messages)}") from None
        return CREATED, item, f"{project.code} on {machine.code} at {item.position}"

    run.table("queue_items", handle)
