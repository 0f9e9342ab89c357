"""manage.py import_clients FILE [--dry-run] [--user NAME]: clients from the shop's CSV template.

Columns (../shared/corpus/legacy/data/templates/clients_import_template.csv): client_code, name,
contact_person, email, phone, address, notes; optional vat_number and payment_terms. An empty
client_code gets the next CL-0001 code; a given one (CL-0007 or CL0007) is kept and the code
sequence moves past it. A row matches an existing client by code, else by its exact name (any
case), so importing the same file twice changes nothing. Empty cells leave what is there.
The contact person also becomes the client's primary contact.
"""

from __future__ import annotations

import re

from django.db import DatabaseError, transaction

from clients.models import Client, Contact, normalise_client_code
from clients.services import client_create, client_update, contact_create
from laseros.actors import Actor
from laseros.importing import CREATED, UNCHANGED, UPDATED, ImportCommand, read_table

ALIASES = {
    "code": "client_code",
    "client": "name",
    "client_name": "name",
    "company": "name",
    "contact": "contact_person",
    "contact_name": "contact_person",
    "e_mail": "email",
    "email_address": "email",
    "telephone": "phone",
    "tel": "phone",
    "phone_number": "phone",
    "vat": "vat_number",
    "vat_no": "vat_number",
    "terms": "payment_terms",
}
DETAIL_FIELDS = ("contact_person", "email", "phone", "address", "vat_number", "notes")


def header_key(text: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", (text or "").strip().lower()).strip("_")
    return ALIASES.get(key, key)


def payment_terms(text: str) -> str | None:
    """ "prepaid", "COD", "30 days", "Net 30" -> a Client.PaymentTerms value; empty -> None."""
    text = (text or "").strip().lower()
    if not text:
        return None
    for value, label in Client.PaymentTerms.choices:
        if text in (value, label.lower()):
            return value
    digits = re.sub(r"\D", "", text)
    if digits in ("7", "30"):
        return f"net{digits}"
    if "cash" in text or "collection" in text:
        return Client.PaymentTerms.COD
    raise ValueError(
        f"payment_terms: {text!r} is not one of "
        + ", ".join(label for _, label in Client.PaymentTerms.choices)
    )


class ClientRowHandler:
    """One row of the file -> a created, updated or unchanged client (raises to fail the row)."""

    def __init__(self, *, by: Actor = None):
        self.by = by

    def __call__(self, row: dict[str, str]) -> tuple[str, str]:
        cells = {header_key(k): (v or "").strip() for k, v in row.items()}
        name = cells.get("name", "")
        if not name:
            raise ValueError("name is required")
        code = cells.get("client_code", "")
        if code:
            try:
                code = normalise_client_code(code)
            except ValueError as exc:
                raise ValueError(f"client_code: {exc}") from None
        details = {f: cells.get(f, "") for f in DETAIL_FIELDS}
        terms = payment_terms(cells.get("payment_terms", ""))
        if terms:
            details["payment_terms"] = terms
        details = {k: v for k, v in details.items() if v}  # an empty cell leaves what is there
        try:
            with transaction.atomic():
                return self._save(code, name, details)
        except DatabaseError as exc:
            raise ValueError(f"the database refused the row: {exc}") from None

    def _find(self, code: str, name: str) -> Client | None:
        if code:
            client = Client.objects.filter(code=code).first()
            if client is not None:
                return client
        same_name = list(Client.objects.filter(name__iexact=name).order_by("code")[:2])
        if len(same_name) > 1:
            raise ValueError(
                f"{len(same_name)} clients are called {name!r} "
                f"({', '.join(c.code for c in same_name)}): give the client_code"
            )
        if same_name and code:
            raise ValueError(
                f"a client called {name!r} already exists as {same_name[0].code}, "
                f"but the file says {code}"
            )
        return same_name[0] if same_name else None

    def _save(self, code: str, name: str, details: dict[str, str]) -> tuple[str, str]:
        client = self._find(code, name)
        if client is None:
            client = client_create(
                name=name, by=self.by, code=code or None, imported=True, **details
            )
            self._primary_contact(client, details)
            return CREATED, str(client)
        changes = {k: v for k, v in details.items() if getattr(client, k) != v}
        if client.name != name:
            changes["name"] = name
        if changes:
            client = client_update(client=client, by=self.by, **changes)
        contact_added = self._primary_contact(client, details)
        if changes or contact_added:
            what = sorted(changes) + (["contact"] if contact_added else [])
            return UPDATED, f"{client} ({', '.join(what)})"
        return UNCHANGED, str(client)

    def _primary_contact(self, client: Client, details: dict[str, str]) -> bool:
        """The contact person as a contact of the client, once (primary if there is none)."""
        person = details.get("contact_person", "")
        if not person or Contact.objects.filter(client=client, name__iexact=person).exists():
            return False
        contact_create(
            client=client,
            name=person,
            by=self.by,
            email=details.get("email", ""),
            phone=details.get("phone", ""),
            is_primary=not Contact.objects.filter(client=client, is_primary=True).exists(),
        )
        return True


class Command(ImportCommand):
    help = (
        "Import clients from a CSV or XLSX file with the shop's template columns "
        "(client_code, name, contact_person, email, phone, address, notes)."
    )

    def prepare(self, path, *, by, options):
        _headers, rows = read_table(path)
        return rows, ClientRowHandler(by=by)
