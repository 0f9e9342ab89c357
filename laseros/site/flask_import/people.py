"""Users, operators and clients (with their contact person) from the old system.

Users come without a password (the old hashes are not carried over): each sets one. A user whose
username Laser OS already has is linked, never changed (their password stays). Clients keep their
CL codes; one Laser OS already has (by code, else by name) is brought up to date by
clients' import rules (clients.management.commands.import_clients).
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.text import slugify

from clients.management.commands.import_clients import ClientRowHandler
from clients.models import Client, normalise_client_code
from laseros.audit import record_created
from laseros.importing import CREATED, UNCHANGED
from laseros.roles import ADMIN, MANAGER, OPERATOR, VIEWER
from production.models import Operator
from production.services import operator_save

from .base import ImportRun, Row, old_time, text

ROLE_GROUPS = {"admin": ADMIN, "manager": MANAGER, "operator": OPERATOR, "viewer": VIEWER}


def _role_names(run: ImportRun) -> dict[int, list[str]]:
    """Old user id -> the Laser OS groups its roles (user_roles, else users.role) give."""
    roles = {r["id"]: text(r["name"]).lower() for r in run.db.rows("roles")}
    given: dict[int, list[str]] = {}
    for link in run.db.rows("user_roles"):
        group = ROLE_GROUPS.get(roles.get(link["role_id"], ""))
        if group:
            given.setdefault(link["user_id"], []).append(group)
    return given


def _new_user(*, username: str, email: str, full_name: str, is_active: bool, by, **flags):
    """A user with no usable password, recorded in the audit trail."""
    first, _, last = full_name.partition(" ")
    user = get_user_model()(
        username=username,
        email=email,
        first_name=first[:150],
        last_name=last[:150],
        is_active=is_active,
        **flags,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    record_created(user, by=by, message="from the old system, without a password")
    return user


def import_users(run: ImportRun) -> None:
    roles = _role_names(run)
    User = get_user_model()

    def handle(row: Row):
        username = text(row["username"])
        if not username:
            raise ValueError("no username")
        groups = roles.get(row["id"]) or [ROLE_GROUPS.get(text(row.get("role")).lower(), VIEWER)]
        existing = User.objects.filter(username__iexact=username).first()
        if existing is not None:
            return UNCHANGED, existing, f"{existing.username} (already in Laser OS; kept as it is)"
        user = _new_user(
            username=username,
            email=text(row["email"]),
            full_name=text(row["full_name"]) or text(row.get("display_name")),
            is_active=bool(row["is_active"]),
            by=run.by,
            is_staff=True,
            is_superuser=bool(row["is_superuser"]),
        )
        user.groups.add(*Group.objects.filter(name__in=groups))
        if old_time(row.get("last_login")):
            type(user).objects.filter(pk=user.pk).update(last_login=old_time(row["last_login"]))
        run.users_without_password.append(user.username)
        return CREATED, user, f"{user.username} ({', '.join(groups)}; no password yet)"

    run.table("users", handle)


def _operator_username(name: str) -> str:
    base = slugify(name).replace("-", ".")[:140] or "operator"
    User = get_user_model()
    candidate, number = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}{number}"
    return candidate


def import_operators(run: ImportRun) -> None:
    """An operator is a login in Laser OS: the old operator's user when it had one, else a new
    user in the Operator group, without a password."""

    def handle(row: Row):
        name = text(row["name"])
        if not name:
            raise ValueError("no name")
        found = Operator.objects.filter(display_name__iexact=name).first()
        if found is not None:
            return UNCHANGED, found, f"{found} (already an operator)"
        user = run.new("users", row.get("user_id"))
        if user is not None and Operator.objects.filter(user=user).exists():
            raise ValueError(f"user {user.username} is already another operator")
        if user is None:
            user = _new_user(
                username=_operator_username(name),
                email=text(row["email"]),
                full_name=name,
                is_active=bool(row["is_active"]),
                by=run.by,
            )
            user.groups.add(*Group.objects.filter(name=OPERATOR))
            run.users_without_password.append(user.username)
        operator = operator_save(
            operator=Operator(user=user, display_name=name[:100], is_active=bool(row["is_active"])),
            by=run.by,
        )
        return CREATED, operator, f"{operator} (login {user.username})"

    run.table("operators", handle)


class _ClientByCode(ClientRowHandler):
    """clients' import rules, matching by code only: the old system's codes are its clients'
    identity (two of its clients may share a name)."""

    def _find(self, code: str, name: str) -> Client | None:
        return Client.objects.filter(code=code).first()


def import_clients(run: ImportRun) -> None:
    """Clients by their CL code, with the contact person as the primary contact."""
    rows = _ClientByCode(by=run.by)

    def handle(row: Row):
        try:
            code = normalise_client_code(text(row["client_code"]))
        except ValueError as exc:
            raise ValueError(f"client_code: {exc}") from None
        cells = {
            "client_code": code,
            "name": text(row["name"]),
            "contact_person": text(row["contact_person"]),
            "email": text(row["email"]),
            "phone": text(row["phone"]),
            "address": text(row["address"]),
            "notes": text(row["notes"]),
        }
        with transaction.atomic():
            outcome, label = rows(cells)
        client = Client.objects.get(code=code)
        return outcome, client, label

    run.table("clients", handle)


_PHONE = re.compile(r"^[+\d][\d ()-]{5,}$")


def client_for_address(address: str) -> Client | None:
    """The client whose e-mail (or phone) an old message was from or to, if exactly one."""
    address = text(address)
    if not address:
        return None
    field = "phone" if _PHONE.match(address) else "email__iexact"
    found = list(Client.objects.filter(**{field: address})[:2])
    return found[0] if len(found) == 1 else None
