"""Writes on clients and contacts: every one validated, in a transaction, and audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from laseros.actors import Actor, acting_user
from laseros.audit import diff_instances, instance_values, record, record_created, save_changes
from laseros.events import send_after_commit
from laseros.models import ActivityLog
from laseros.sequences import bump_to, next_number

from .models import Client, Contact, normalise_client_code
from .signals import client_created

CLIENT_SEQUENCE = "client"

# Fields a caller may set through client_update (the code and timestamps are not among them).
CLIENT_EDITABLE_FIELDS = frozenset(
    {
        "name",
        "contact_person",
        "email",
        "phone",
        "address",
        "vat_number",
        "payment_terms",
        "notes",
        "is_active",
    }
)
CONTACT_EDITABLE_FIELDS = frozenset({"name", "role", "email", "phone", "is_primary", "notes"})


@transaction.atomic
def client_create(
    *,
    name: str,
    by: Actor,
    code: str | None = None,
    contact_person: str = "",
    email: str = "",
    phone: str = "",
    address: str = "",
    vat_number: str = "",
    payment_terms: str = Client.PaymentTerms.PREPAID,
    notes: str = "",
    is_active: bool = True,
    imported: bool = False,
) -> Client:
    """A new client with the next CL-0001 code; codes are never handed out twice.

    `code` is for imports of clients that already have one ("CL0007" or "CL-0007"): it is stored
    in the one form and the sequence moves past it so a later client never gets it again.
    Once committed, `client_created` tells the apps above: comms welcomes a client new to the
    shop, not one `imported` from the shop's own records (a client given its code is imported).
    """
    imported = imported or bool(code)
    if code:
        try:
            code = normalise_client_code(code)
        except ValueError as exc:
            raise ValidationError({"code": str(exc)}) from exc
        if Client.objects.filter(code=code).exists():
            raise ValidationError({"code": f"Client {code} already exists."})
        bump_to(CLIENT_SEQUENCE, int(code.split("-")[1]))
    else:
        code = f"CL-{next_number(CLIENT_SEQUENCE):04d}"
    client = Client(
        code=code,
        name=(name or "").strip(),
        contact_person=contact_person.strip(),
        email=email.strip(),
        phone=phone.strip(),
        address=address.strip(),
        vat_number=vat_number.strip(),
        payment_terms=payment_terms,
        notes=notes,
        is_active=is_active,
        created_by=acting_user(by),
    )
    client.full_clean()
    client.save()
    record_created(client, by=by)
    send_after_commit(
        client_created,
        Client,
        label=f"client_created of {client.code}",
        client=client,
        imported=imported,
        by=acting_user(by),
    )
    return client


@transaction.atomic
def client_update(*, client: Client, by: Actor, **fields: Any) -> Client:
    """Change a client's details (not its code); records what changed, nothing if nothing did."""
    unknown = set(fields) - CLIENT_EDITABLE_FIELDS
    if unknown:
        raise ValidationError(
            f"These client fields cannot be changed: {', '.join(sorted(unknown))}."
        )
    current = Client.objects.select_for_update().get(pk=client.pk)
    before = instance_values(current)
    for name, value in fields.items():
        setattr(
            current, name, value.strip() if isinstance(value, str) and name != "notes" else value
        )
    save_changes(current, before, by=by)
    return current


@transaction.atomic
def contact_create(
    *,
    client: Client,
    name: str,
    by: Actor,
    role: str = "",
    email: str = "",
    phone: str = "",
    is_primary: bool = False,
    notes: str = "",
) -> Contact:
    """A person at the client; making them primary demotes the previous primary contact."""
    if is_primary:
        Contact.objects.filter(client=client, is_primary=True).update(is_primary=False)
    contact = Contact(
        client=client,
        name=name.strip(),
        role=role.strip(),
        email=email.strip(),
        phone=phone.strip(),
        is_primary=is_primary,
        notes=notes,
    )
    contact.full_clean()
    contact.save()
    record_created(contact, by=by)
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, by: Actor, **fields: Any) -> Contact:
    """Change a contact's details; making them primary demotes the previous primary contact."""
    unknown = set(fields) - CONTACT_EDITABLE_FIELDS
    if unknown:
        raise ValidationError(
            f"These contact fields cannot be changed: {', '.join(sorted(unknown))}."
        )
    current = Contact.objects.select_for_update().get(pk=contact.pk)
    before = instance_values(current)
    for name, value in fields.items():
        setattr(current, name, value)
    if current.is_primary and not before["is_primary"]:
        Contact.objects.filter(client_id=current.client_id, is_primary=True).exclude(
            pk=current.pk
        ).update(is_primary=False)
    save_changes(current, before, by=by)
    return current


@transaction.atomic
def contact_delete(*, contact: Contact, by: Actor) -> None:
    """Remove a contact, keeping what it was in the audit trail."""
    record(
        action=ActivityLog.Action.DELETE,
        obj=contact,
        changes=diff_instances(instance_values(contact), None),
        user=by,
    )
    contact.delete()
