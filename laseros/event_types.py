"""The events Laser OS records in its outbox and sends to webhooks: each type, its payload
version and the fields its payload always carries.

What a webhook receives (the body, JSON):

    {
      "id": "0b6f6c1e-…",          the event's stable id, also the `webhook-id` header; the same
                                   on every attempt and every replay: deduplicate on it
      "type": "project.status_changed",
      "version": 1,                the payload shape's version for this type (below)
      "timestamp": "2026-12-05T15:31:02.123456+00:00",   when it happened (UTC)
      "data": {…}                  the payload: the fields listed below
    }

Rules for the payloads: fields are JSON (str, int, bool, null, lists and objects of them); money
is a string with two decimals ("1150.00", ZAR incl. VAT where the field says total); lengths are
millimetres; dates are "YYYY-MM-DD" and times ISO 8601 in UTC. A version only grows: new fields may
be added to a version, none is renamed, removed or changes meaning without a new version, and a
type's new version is listed beside the old one here.

`laseros.outbox.record_event()` refuses a type not listed here and a payload missing a listed
field, so this list is what a receiver can rely on (README.md shows it as a table).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EventType:
    """One kind of event: its name, the payload version written now, and the payload's fields
    (name -> what it holds)."""

    name: str
    description: str
    fields: dict[str, str] = field(default_factory=dict)
    version: int = 1


# The fields of every file.* payload (ingest.signals lists their values in detail).
_FILE_FIELDS = {
    "file_id": "int: the file's id",
    "client_code": "the client's code (CL-0001) or null",
    "project_code": "the job's code (JB-2025-10-CL0001-001) or null",
    "original_name": "the name it arrived with",
    "stored_name": "the shop's conventional name for it",
    "part": "the part name",
    "version": "int: the file's version (1 for v001)",
    "sha256": "hex checksum of the bytes",
    "kind": "dxf | lightburn | pdf | excel | image",
    "size_bytes": "int",
    "status": "queued | processing | processed | failed",
    "source": "admin | api | cli | email | operator | legacy_import",
    "deleted": "bool: soft-deleted",
}
_JOB_FIELDS = {
    "project_id": "int: the job's id",
    "project_code": "the job's code (JB-2025-10-CL0001-001)",
    "client_code": "the client's code (CL-0001)",
}

_TYPES = [
    EventType(
        "file.ingested",
        "A file arrived and was stored; it waits to be read.",
        {**_FILE_FIELDS, "uploaded_by": "username or null", "warnings": "[{code, message}]"},
    ),
    EventType(
        "file.processed",
        "A file was read: its measurements are known.",
        {**_FILE_FIELDS, "extraction_id": "int", "parser": "str", "metadata": "object"},
    ),
    EventType(
        "file.failed",
        "A file could not be read.",
        {**_FILE_FIELDS, "reason": "one sentence a person can act on", "attempts": "int"},
    ),
    EventType(
        "file.deleted",
        "A file was deleted (soft, or hard: the bytes are gone).",
        {**_FILE_FIELDS, "hard": "bool", "by": "username or null"},
    ),
    EventType(
        "file.restored",
        "A soft-deleted file was restored.",
        {**_FILE_FIELDS, "by": "username or null"},
    ),
    EventType(
        "project.created",
        "A new job (in Request).",
        {
            **_JOB_FIELDS,
            "name": "the job's name",
            "status": "its status code (request)",
            "created_by": "username or null",
        },
    ),
    EventType(
        "project.status_changed",
        "A job moved from one status to another.",
        {
            **_JOB_FIELDS,
            "from_status": "the status code it left (quoting, approved, …)",
            "to_status": "the status code it is in now",
            "reason": "the reason given, or ''",
            "by": "username or null",
            "changed_at": "ISO 8601 time",
        },
    ),
    EventType(
        "quote.sent",
        "A quote was sent to the client.",
        {
            **_JOB_FIELDS,
            "quote_id": "int",
            "quote_code": "the quote's number",
            "total": "money: the total incl. VAT",
            "valid_until": "date or null",
        },
    ),
    EventType(
        "quote.accepted",
        "The client accepted a quote.",
        {
            **_JOB_FIELDS,
            "quote_id": "int",
            "quote_code": "the quote's number",
            "total": "money: the total incl. VAT",
        },
    ),
    EventType(
        "invoice.issued",
        "An invoice was issued (it has its number and is final).",
        {
            **_JOB_FIELDS,
            "invoice_id": "int",
            "invoice_code": "the invoice's number",
            "total": "money: the total incl. VAT",
            "balance": "money: what is still owed",
            "due_date": "date or null",
        },
    ),
    EventType(
        "payment.received",
        "Money was received from a client (a payment, or a job's proof of payment).",
        {
            "payment_id": "int",
            "client_code": "the client's code (CL-0001)",
            "project_id": "int, or null: a payment for no job in particular",
            "project_code": "the job's code, or null",
            "amount": "money",
            "method": "eft | cash | card",
            "received_on": "date",
            "reference": "the payment's reference, or ''",
        },
    ),
    EventType(
        "run.finished",
        "A laser run was recorded (the sheets are taken from stock).",
        {
            "run_id": "int",
            "machine": "the machine's name",
            "operator": "the operator's name",
            "started_at": "ISO 8601 time",
            "ended_at": "ISO 8601 time",
            "parts_cut": "int",
            "scrap_parts": "int",
            "project_codes": "[job code] the run served",
        },
    ),
    EventType(
        "stock.low",
        "A sheet stock fell to its reorder level or below.",
        {
            "stock_id": "int",
            "stock": "what the shop calls it (material, thickness, size)",
            "material": "the material's code",
            "thickness_mm": "decimal string",
            "quantity_on_hand": "int",
            "reorder_level": "int",
            "to_order": "int: the sheets to order now",
        },
    ),
]

EVENT_TYPES: dict[str, EventType] = {event.name: event for event in _TYPES}


class UnknownEventType(ValueError):
    """A type not listed in EVENT_TYPES."""


def event_type(name: str) -> EventType:
    """The listed type `name`; UnknownEventType names the listed ones when it is not."""
    try:
        return EVENT_TYPES[name]
    except KeyError:
        raise UnknownEventType(
            f"Unknown event type {name!r}; the types are: {', '.join(EVENT_TYPES)}."
        ) from None


def event_choices() -> list[tuple[str, str]]:
    """(name, description) of every type, for forms and the API."""
    return [(event.name, f"{event.name}: {event.description}") for event in _TYPES]


def types_markdown() -> str:
    """The table README.md shows: each type, its version and its payload's fields."""
    rows = ["| event | version | payload fields (`data`) |", "| --- | --- | --- |"]
    for event in _TYPES:
        fields = ", ".join(f"`{name}`" for name in event.fields)
        rows.append(f"| `{event.name}` | {event.version} | {fields} |")
    return "\n".join(rows)
