"""Writes on cut presets, with their change log."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from laseros.actors import Actor, acting_user
from laseros.audit import diff_instances, instance_values, record, record_created
from laseros.models import ActivityLog

from ..models import (
    PRESET_TUNED_FIELDS,
    CutPreset,
    CutPresetChange,
    QualityEffect,
)

logger = logging.getLogger(__name__)


# --- cut presets ----------------------------------------------------------------------------------


def _normalise_preset(preset: CutPreset) -> None:
    # Decimals as the database keeps them (4200 -> 4200.0), so "no change" compares equal.
    for field in preset._meta.concrete_fields:
        value = getattr(preset, field.attname)
        if isinstance(field, models.DecimalField) and value not in (None, ""):
            try:
                value = Decimal(str(value)).quantize(Decimal(1).scaleb(-field.decimal_places))
            except ArithmeticError:
                continue  # full_clean() names the bad value
            setattr(preset, field.attname, value)
    preset.nozzle = (preset.nozzle or "").strip().upper()
    preset.gas = (preset.gas or "").strip().upper()
    if preset.gas == "02":  # CypCut file names write O2 as "02"
        preset.gas = "O2"
    preset.note = (preset.note or "").strip()


@transaction.atomic
def preset_create(*, by: Actor = None, **fields: Any) -> CutPreset:
    """A new cut preset (from the admin, the API or an import), with its audit entry."""
    preset = CutPreset(**fields)
    _normalise_preset(preset)
    preset.full_clean()
    preset.save()
    record_created(preset, by=by)
    return preset


@transaction.atomic
def preset_update(
    *,
    preset: CutPreset,
    changes: dict[str, Any],
    by: Actor = None,
    reason: str,
    quality_effect: str = QualityEffect.UNKNOWN,
    quality_note: str = "",
) -> CutPresetChange | None:
    """Change a preset's parameters and log the change: who, when, why, the effect on the cut,
    and each field before and after. Returns the log entry (None if nothing changed)."""
    unknown = set(changes) - set(PRESET_TUNED_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Not a preset parameter."))
    locked = CutPreset.objects.select_for_update().get(pk=preset.pk)
    before = instance_values(locked)
    for name, value in changes.items():
        setattr(locked, name, value)
    _normalise_preset(locked)
    locked.full_clean()
    diff = {
        name: values
        for name, values in diff_instances(before, instance_values(locked)).items()
        if name in PRESET_TUNED_FIELDS
    }
    if not diff:
        return None
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the preset is changed (it goes in its log)."})
    if quality_effect not in QualityEffect.values:
        raise ValidationError({"quality_effect": f"Unknown quality effect {quality_effect!r}."})
    locked.save()
    entry = CutPresetChange.objects.create(
        preset=locked,
        by=acting_user(by),
        reason=reason.strip()[:255],
        quality_effect=quality_effect,
        quality_note=quality_note[:255],
        changes=diff,
    )
    record(action=ActivityLog.Action.UPDATE, obj=locked, changes=diff, user=by, message=reason)
    for name in changes:
        setattr(preset, name, getattr(locked, name))
    return entry
