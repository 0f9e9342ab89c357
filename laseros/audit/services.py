"""Writing the audit trail."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from laseros.actors import Actor, acting_user

from .chain import compute_hash
from .context import current_ip, current_user

_SKIP_FIELDS = {"password", "last_login"}


M = TypeVar("M", bound=models.Model)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if hasattr(value, "name"):  # FieldFile
        return value.name or None
    return str(value)


def instance_values(instance: models.Model) -> dict[str, Any]:
    """The concrete field values of a record, JSON-ready (foreign keys as their ids)."""
    values = {}
    for field in instance._meta.concrete_fields:
        if field.name in _SKIP_FIELDS:
            continue
        values[field.name] = _jsonable(field.value_from_object(instance))
    return values


def diff_instances(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict:
    """{field: [before, after]} for every field that differs (all fields for create/delete)."""
    before = before or {}
    after = after or {}
    changes = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            changes[key] = [old, new]
    return changes


def record_created(
    instance: models.Model, *, by: Actor, message: str = "", extra: dict | None = None
):
    """The CREATE entry for a record a service just saved, with all its fields (and `extra`
    changes the fields do not show, such as the rows made with it: {"sheets": [None, {...}]})."""
    from laseros.models import ActivityLog

    return record(
        action=ActivityLog.Action.CREATE,
        obj=instance,
        changes={**diff_instances(None, instance_values(instance)), **(extra or {})},
        message=message,
        user=by,
    )


def save_audited(instance: M, *, by: Actor, message: str = "") -> M:
    """Create or change a plain record: validated, saved, and its CREATE or UPDATE recorded
    (an unchanged record is neither saved nor recorded). Call inside the service's transaction."""
    original = (
        type(instance)._default_manager.filter(pk=instance.pk).first() if instance.pk else None
    )
    if original is None:
        instance.full_clean()
        instance.save()
        record_created(instance, by=by, message=message)
    else:
        save_changes(instance, instance_values(original), by=by, message=message)
    return instance


def save_changes(
    instance: models.Model, before: dict[str, Any], *, by: Actor, message: str = ""
) -> dict:
    """The end of every plain update service: validate `instance`, and only when its values
    differ from `before` (its `instance_values` taken before the change; auto-updated
    timestamps do not count) save it and record the UPDATE. Returns the changes, {} for none."""
    from laseros.models import ActivityLog

    instance.full_clean()
    changes = diff_instances(before, instance_values(instance))
    for field in instance._meta.concrete_fields:
        if getattr(field, "auto_now", False):
            changes.pop(field.name, None)
    if changes:
        instance.save()
        record(
            action=ActivityLog.Action.UPDATE,
            obj=instance,
            changes=changes,
            message=message,
            user=by,
        )
    return changes


def _resolve_user(user: Any):
    if user is None:
        user = current_user()
    if hasattr(user, "resolve"):
        user = user.resolve()
    return acting_user(user)


@transaction.atomic
def record(
    *,
    action: str,
    obj: models.Model | None = None,
    changes: dict | None = None,
    message: str = "",
    user: Any = None,
    ip: str | None = None,
    object_repr: str | None = None,
):
    """Append one entry to the audit trail, inside the caller's transaction.

    The chain head row is locked while the entry is appended, so concurrent writers line up and
    the chain stays whole; if the caller's transaction rolls back, so does its entry.
    """
    from laseros.models import ActivityLog, AuditChainHead

    user = _resolve_user(user)
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head, _ = AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    entry = ActivityLog(
        created_at=timezone.now(),
        actor=user,
        actor_name=(user.get_username() if user is not None else "")[:150],
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False)
        if obj is not None
        else None,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr if object_repr is not None else str(obj) if obj else "")[:200],
        changes=_jsonable(changes or {}),
        message=message[:500],
        ip_address=ip if ip is not None else current_ip(),
        prev_hash=head.last_hash,
        entry_hash="pending-" + uuid.uuid4().hex,
    )
    entry.save()
    # The id is part of the hash, so the hash is computed once the row has one.
    entry.entry_hash = compute_hash(entry, head.last_hash)
    ActivityLog.objects.filter(pk=entry.pk).update(entry_hash=entry.entry_hash)
    head.last_hash = entry.entry_hash
    head.last_entry_id = entry.pk
    head.save(update_fields=["last_hash", "last_entry_id"])
    return entry
