"""Writes on the shop's rates: each one validated, audited, and (for the rates row) logged with the
reason, so a manager can see who changed a price and why."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from laseros.actors import Actor, acting_user
from laseros.audit import diff_instances, instance_values, record, save_audited
from laseros.models import ActivityLog

from ..models import (
    RATES_LOGGED_FIELDS,
    RATES_PK,
    DeliveryOption,
    QuantityBreak,
    ShopRates,
    ShopRatesChange,
)


def _normalise_decimals(instance: models.Model) -> None:
    # Decimals as the database keeps them (30 -> 30.00), so the log compares like with like.
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(field, models.DecimalField) and value not in (None, ""):
            try:
                value = Decimal(str(value)).quantize(Decimal(1).scaleb(-field.decimal_places))
            except ArithmeticError:
                continue  # full_clean() names the bad value
            setattr(instance, field.attname, value)


@transaction.atomic
def rates_update(
    *, changes: dict[str, Any], by: Actor = None, reason: str
) -> ShopRatesChange | None:
    """Change the shop's rates and log it: who, when, why, each value before and after.
    Returns the log entry (None when nothing changed). A bad value changes nothing."""
    unknown = set(changes) - set(RATES_LOGGED_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Not one of the shop's rates."))
    ShopRates.objects.get_or_create(pk=RATES_PK)
    rates = ShopRates.objects.select_for_update().get(pk=RATES_PK)
    before = instance_values(rates)
    for name, value in changes.items():
        setattr(rates, name, value)
    _normalise_decimals(rates)
    rates.full_clean()
    diff = {
        name: values
        for name, values in diff_instances(before, instance_values(rates)).items()
        if name in RATES_LOGGED_FIELDS
    }
    if not diff:
        return None
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the rates are changed (it goes in their log)."})
    rates.save()
    entry = ShopRatesChange.objects.create(
        rates=rates, by=acting_user(by), reason=reason.strip()[:255], changes=diff
    )
    record(action=ActivityLog.Action.UPDATE, obj=rates, changes=diff, user=by, message=reason)
    return entry


@transaction.atomic
def quantity_break_save(*, quantity_break: QuantityBreak, by: Actor = None) -> QuantityBreak:
    """Add or change a quantity break, with its audit entry."""
    return save_audited(quantity_break, by=by)


@transaction.atomic
def quantity_break_delete(*, quantity_break: QuantityBreak, by: Actor = None) -> None:
    """Remove a quantity break, with its audit entry (the values it had)."""
    record(
        action=ActivityLog.Action.DELETE,
        obj=quantity_break,
        changes=diff_instances(instance_values(quantity_break), None),
        user=by,
    )
    quantity_break.delete()


@transaction.atomic
def delivery_option_save(*, option: DeliveryOption, by: Actor = None) -> DeliveryOption:
    """Add or change a delivery option, with its audit entry (one no longer offered is made
    inactive, not deleted: old quotes name it)."""
    return save_audited(option, by=by)
