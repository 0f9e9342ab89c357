"""Message templates and communications from the old system, and its activity log, as history.

Templates: Laser OS ships the shop's eight in the old wording already (comms' migration 0002);
an old template whose key Laser OS has is linked and left as Laser OS has it. Any other is added
with its {{variables}} written for the new sandbox ({{project_code}} -> {{ job.code }}).

Communications are history, never sent: each becomes a note on the client's (and job's) timeline
(comms.services.timeline.note_record), which no worker delivers; the outbox is not touched.
"""

from __future__ import annotations

import re

from comms.models import Channel, MessageTemplate, NoteKind
from comms.services.templates import template_save
from comms.services.timeline import note_record
from laseros.audit import record
from laseros.importing import CREATED, UNCHANGED, RowSkipped
from laseros.models import ActivityLog

from .base import ImportRun, Row, old_time, text
from .people import client_for_address

# The old template types -> Laser OS's template keys (comms' migration 0002).
TEMPLATE_KEYS = {
    "project_complete": "collection_ready",
    "order_confirmed": "order_confirmed",
    "quote_sent": "quote_sent",
    "invoice_sent": "invoice_sent",
    "payment_reminder": "payment_reminder",
    "delivery_notification": "delivery_notification",
}
TEMPLATE_NAMES = {"welcome new client": "welcome", "project status update": "status_update"}
VARIABLES = {
    "client_code": "client.code",
    "client_contact": "contact.name",
    "client_name": "client.name",
    "company_name": "company.name",
    "current_date": "dates.today",
    "collection_date": "dates.today",
    "invoice_code": "invoice.code",
    "invoice_due_date": "invoice.due_date",
    "invoice_total": "invoice.total",
    "project_code": "job.code",
    "project_material": "job.material",
    "project_name": "job.name",
    "project_quantity": "job.quantity",
    "project_status": "job.status",
    "project_thickness": "job.thickness_mm",
    "quote_code": "quote.code",
    "quote_total": "quote.total",
    "quote_valid_until": "quote.valid_until",
}
_VARIABLE = re.compile(r"{{\s*(\w+)\s*}}")


def new_wording(text_: str) -> str:
    """The old {{project_code}} as {{ job.code }}; an unknown variable is left for the sandbox's
    check to name."""
    return _VARIABLE.sub(
        lambda m: "{{ " + VARIABLES.get(m.group(1), m.group(1)) + " }}", text_ or ""
    )


def template_key(row: Row) -> str:
    key = TEMPLATE_KEYS.get(text(row["template_type"]).lower())
    key = key or TEMPLATE_NAMES.get(text(row["name"]).lower())
    return key or re.sub(r"[^a-z0-9]+", "_", text(row["name"]).lower()).strip("_")[:40]


def import_templates(run: ImportRun) -> None:
    def handle(row: Row):
        key = template_key(row)
        found = MessageTemplate.objects.filter(key=key, channel=Channel.EMAIL).first()
        if found is not None:
            return UNCHANGED, found, f"{found} (Laser OS has it as '{key}'; its wording kept)"
        template = template_save(
            template=MessageTemplate(
                key=key,
                name=text(row["name"])[:100],
                channel=Channel.EMAIL,
                subject=new_wording(text(row["subject_template"]))[:300],
                body=new_wording(row["body_template"]),
                description=text(row["description"])[:255] or "from the old system",
                is_active=bool(row["is_active"]),
            ),
            by=run.by,
        )
        return CREATED, template, f"{template} as '{key}'"

    run.table("message_templates", handle)


NOTE_KINDS = {"email": NoteKind.EMAIL, "whatsapp": NoteKind.WHATSAPP}


def import_communications(run: ImportRun) -> None:
    def handle(row: Row):
        job = run.new("projects", row["project_id"])
        client = run.new("clients", row["client_id"])
        inbound = text(row["direction"]).lower() == "inbound"
        if client is None:
            client = job.client if job is not None else None
        if client is None:
            address = row["from_address"] if inbound else row["to_address"]
            client = client_for_address(address)
        if client is None:
            raise RowSkipped(
                f"{text(row['comm_type'])} {'from' if inbound else 'to'} "
                f"{text(row['from_address'] if inbound else row['to_address'])}: no client or job "
                "to file it under"
            )
        moved = job is not None and job.client_id != client.pk
        words = [
            f"{text(row['comm_type'])} {text(row['direction']).lower()} "
            f"({text(row['status']).lower()} in the old system), "
            f"from {text(row['from_address'])} to {text(row['to_address'])}",
        ]
        if text(row["subject"]):
            words.append(f"Subject: {text(row['subject'])}")
        if text(row["body"]):
            words.append(text(row["body"]))
        if moved:
            words.append(f"(the old record named job {job.code}, which is another client's)")
        summary = "\n".join(words)[:4000]
        note = note_record(
            client=client,
            job=None if moved else job,
            summary=summary,
            by=run.by,
            kind=NOTE_KINDS.get(text(row["comm_type"]).lower(), NoteKind.OTHER),
            happened_at=old_time(row["sent_at"])
            or old_time(row["received_at"])
            or old_time(row["created_at"]),
        )
        return CREATED, note, f"{client.code}: {words[0]}"

    run.table("communications", handle)


# --- the activity log -----------------------------------------------------------------------------

# The old log's entity types -> the old table its entity_id is a row of.
ENTITY_TABLES = {
    "client": "clients",
    "project": "projects",
    "product": "products",
    "inventory": "inventory_items",
    "file": "design_files",
    "project_document": "project_documents",
    "queue": "queue_items",
    "preset": "machine_settings_presets",
    "laser_run": "laser_runs",
}


def import_activity_log(run: ImportRun) -> None:
    """Each old entry as one entry of Laser OS's audit trail ('Imported'), on the record its
    entity became when there is one; its time, user and words are in the message."""

    def handle(row: Row):
        entity = text(row["entity_type"]).lower()
        table = ENTITY_TABLES.get(entity)
        target = run.new(table, row["entity_id"]) if table else None
        words = (
            f"old system, {text(row['created_at'])[:19]}, {text(row['user']) or 'someone'}: "
            f"{entity} #{row['entity_id']} {text(row['action']).lower()}"
            + (f": {text(row['details'])}" if text(row["details"]) else "")
        )
        entry = record(
            action=ActivityLog.Action.IMPORT,
            obj=target,
            message=words,
            user=run.by,
            object_repr=None if target is not None else f"old {entity} #{row['entity_id']}",
        )
        return CREATED, entry, words[:120]

    run.table("activity_log", handle)
