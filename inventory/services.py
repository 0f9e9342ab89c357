"""Every write to stock and offcuts. Sheet counts change only through `stock_move`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction

from laseros.actors import Actor, acting_user
from laseros.audit import (
    instance_values,
    record,
    record_created,
    save_audited,
    save_changes,
)
from laseros.models import ActivityLog
from laseros.moves import check_move, record_move
from laseros.outbox import record_event
from laseros.sequences import next_number

from .models import (
    MOVEMENT_SIGN,
    OFFCUT_TRANSITIONS,
    Material,
    MovementKind,
    Offcut,
    OffcutStatus,
    SheetStock,
    StockMovement,
)
from .selectors import find_stock, resolve_material, stock_matching

__all__ = [
    "find_stock",
    "lock_stock",
    "material_save",
    "offcut_create",
    "offcut_set_status",
    "offcut_update",
    "stock_adjust",
    "stock_create",
    "stock_matching",
    "stock_move",
    "stock_receive",
    "stock_update",
    "stock_use",
]

_KIND_WORDS = {
    MovementKind.PURCHASE: "A purchase adds sheets: give a positive quantity.",
    MovementKind.RETURN: "A return adds sheets: give a positive quantity.",
    MovementKind.USAGE: "A usage takes sheets out: give a negative quantity (e.g. -2).",
    MovementKind.WASTE: "Waste takes sheets out: give a negative quantity (e.g. -1).",
}


def lock_stock(stocks: list[SheetStock]) -> dict[int, SheetStock]:
    """Lock these stock rows (SELECT ... FOR UPDATE) in id order, inside the caller's transaction.

    Callers that move several stocks lock them all first, in one order, so two of them never wait
    on each other (and never hold the audit chain while waiting on a stock row).
    """
    ids = sorted({s.pk for s in stocks})
    return {
        s.pk: s for s in SheetStock.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }


@transaction.atomic
def stock_move(
    *,
    stock: SheetStock,
    kind: str,
    quantity: int,
    by: Actor = None,
    reason: str = "",
    caused_by: models.Model | None = None,
    reference: str = "",
) -> StockMovement:
    """Change a stock's count by `quantity` (signed) and write the movement with its balance.

    The stock row is locked for the rest of the transaction, so concurrent moves queue up and
    each sees the balance the one before it left; a move that would go below zero is refused
    with a ValidationError and changes nothing. Named steps, all in this one transaction: the
    kind and quantity checked, the row locked, the count changed, the movement and audit entry.
    """
    kind, quantity = _checked_move(kind, quantity)
    locked = (
        SheetStock.objects.select_for_update(of=("self",))
        .select_related("material")
        .get(pk=stock.pk)
    )
    before, after = _change_count(locked, quantity)
    stock.quantity_on_hand = after  # the caller's copy tells the truth too
    movement = _write_movement(
        locked, kind, quantity, by=by, reason=reason, caused_by=caused_by, reference=reference
    )
    record(
        action=ActivityLog.Action.UPDATE,
        obj=locked,
        changes={"quantity_on_hand": [before, after]},
        message=f"{kind.label}: {quantity:+d} sheets" + (f" — {reason}" if reason else ""),
        user=by,
    )
    if locked.is_active and after <= locked.reorder_level < before:
        _record_stock_low(locked)
    return movement


def _record_stock_low(locked: SheetStock) -> None:
    """The stock.low event, once, when a move takes a stock down to its reorder level."""
    record_event(
        type="stock.low",
        payload={
            "stock_id": locked.pk,
            "stock": str(locked),
            "material": locked.material.code,
            "thickness_mm": locked.thickness_mm,
            "quantity_on_hand": locked.quantity_on_hand,
            "reorder_level": locked.reorder_level,
            "to_order": locked.suggested_order,
        },
    )


def _checked_move(kind: str, quantity: Any) -> tuple[MovementKind, int]:
    """A known movement kind and a whole, non-zero number of sheets with the kind's sign."""
    if kind not in MovementKind.values:
        raise ValidationError({"kind": f"Unknown movement kind {kind!r}."})
    kind = MovementKind(kind)
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        try:
            quantity = int(Decimal(str(quantity)))
        except Exception as exc:
            raise ValidationError(
                {"quantity": "The quantity is a whole number of sheets."}
            ) from exc
    if quantity == 0:
        raise ValidationError({"quantity": "A movement of 0 sheets changes nothing."})
    sign = MOVEMENT_SIGN[kind]
    if sign and (quantity > 0) != (sign > 0):
        raise ValidationError({"quantity": _KIND_WORDS[kind]})
    return kind, quantity


def _change_count(locked: SheetStock, quantity: int) -> tuple[int, int]:
    """The locked row's count moved by `quantity`: (before, after); refused below zero."""
    before = locked.quantity_on_hand
    after = before + quantity
    if after < 0:
        raise ValidationError(
            {
                "quantity": f"Not enough stock of {locked}: {before} on hand, "
                f"{-quantity} asked for. Stock cannot go below zero."
            }
        )
    SheetStock.objects.filter(pk=locked.pk).update(quantity_on_hand=after)
    locked.quantity_on_hand = after
    return before, after


def _write_movement(
    locked: SheetStock,
    kind: MovementKind,
    quantity: int,
    *,
    by: Actor,
    reason: str,
    caused_by: models.Model | None,
    reference: str,
) -> StockMovement:
    """The ledger line: the movement with the balance it left and what caused it."""
    movement = StockMovement(
        stock=locked,
        kind=kind,
        quantity=quantity,
        balance_after=locked.quantity_on_hand,
        reason=reason[:255],
        by=acting_user(by),
        reference=(reference or (str(caused_by) if caused_by is not None else ""))[:120],
    )
    if caused_by is not None:
        movement.caused_by_type = ContentType.objects.get_for_model(caused_by)
        movement.caused_by_id = caused_by.pk
    movement.full_clean()
    movement.save()
    return movement


def stock_receive(
    *,
    stock: SheetStock,
    quantity: int,
    by: Actor = None,
    reason: str = "",
    unit_cost: Decimal | None = None,
    reference: str = "",
    caused_by: models.Model | None = None,
) -> StockMovement:
    """Sheets delivered: a purchase movement, and the new unit cost if the price changed."""
    with transaction.atomic():
        movement = stock_move(
            stock=stock,
            kind=MovementKind.PURCHASE,
            quantity=quantity,
            by=by,
            reason=reason or "received",
            reference=reference,
            caused_by=caused_by,
        )
        if unit_cost is not None and Decimal(unit_cost) != movement.stock.unit_cost:
            stock_update(stock=movement.stock, by=by, unit_cost=Decimal(unit_cost))
            stock.unit_cost = Decimal(unit_cost)
        return movement


def stock_use(
    *,
    stock: SheetStock,
    quantity: int,
    by: Actor = None,
    reason: str = "",
    caused_by: models.Model | None = None,
    reference: str = "",
) -> StockMovement:
    """Sheets cut: `quantity` (positive) sheets taken out of stock as usage."""
    if quantity <= 0:
        raise ValidationError({"quantity": "Give the number of sheets used (1 or more)."})
    return stock_move(
        stock=stock,
        kind=MovementKind.USAGE,
        quantity=-quantity,
        by=by,
        reason=reason,
        caused_by=caused_by,
        reference=reference,
    )


@transaction.atomic
def stock_adjust(
    *, stock: SheetStock, counted: int, by: Actor = None, reason: str = "stock take"
) -> StockMovement | None:
    """A stock take: set the count to what was counted with one adjustment (None if it agrees)."""
    if counted < 0:
        raise ValidationError({"counted": "A count cannot be negative."})
    locked = lock_stock([stock])[stock.pk]
    difference = counted - locked.quantity_on_hand
    if difference == 0:
        return None
    return stock_move(
        stock=stock, kind=MovementKind.ADJUSTMENT, quantity=difference, by=by, reason=reason
    )


@transaction.atomic
def stock_create(
    *,
    material: Material | str,
    thickness_mm: Decimal,
    width_mm: int,
    length_mm: int,
    by: Actor = None,
    opening_quantity: int = 0,
    reason: str = "opening balance",
    **fields: Any,
) -> SheetStock:
    """A new kind of sheet in stock; an opening quantity is booked as a movement, not set."""
    found = resolve_material(material)
    if found is None:
        raise ValidationError({"material": f"Unknown material {material!r}."})
    if fields.pop("quantity_on_hand", None):
        raise ValidationError({"quantity_on_hand": "Give the opening quantity instead."})
    stock = SheetStock(
        material=found, thickness_mm=thickness_mm, width_mm=width_mm, length_mm=length_mm, **fields
    )
    stock.full_clean()
    stock.save()
    record_created(stock, by=by)
    if opening_quantity:
        stock_move(
            stock=stock,
            kind=MovementKind.ADJUSTMENT,
            quantity=opening_quantity,
            by=by,
            reason=reason,
        )
    return stock


@transaction.atomic
def stock_update(*, stock: SheetStock, by: Actor = None, **changes: Any) -> SheetStock:
    """Change a stock's description, levels or price; the count is not changed here."""
    if "quantity_on_hand" in changes:
        raise ValidationError(
            {"quantity_on_hand": "Sheets on hand change only through stock movements."}
        )
    locked = lock_stock([stock])[stock.pk]
    before = instance_values(locked)
    for name, value in changes.items():
        setattr(locked, name, value)
    save_changes(locked, before, by=by)
    for name in changes:
        setattr(stock, name, getattr(locked, name))
    return locked


@transaction.atomic
def material_save(*, material: Material, by: Actor = None) -> Material:
    """Create or change a material, with its audit entry."""
    material.code = (material.code or "").strip().upper()
    return save_audited(material, by=by)


@transaction.atomic
def offcut_create(
    *,
    material: Material | str,
    thickness_mm: Decimal,
    width_mm: int,
    length_mm: int,
    by: Actor = None,
    location: str = "",
    source_stock: SheetStock | None = None,
    source_reference: str = "",
    notes: str = "",
) -> Offcut:
    """Keep a remnant under a new tag (OC-0001) — only if it is big enough to be worth it."""
    found = resolve_material(material)
    if found is None:
        raise ValidationError({"material": f"Unknown material {material!r}."})
    offcut = Offcut(
        material=found,
        thickness_mm=thickness_mm,
        width_mm=width_mm,
        length_mm=length_mm,
        location=location,
        source_stock=source_stock,
        source_reference=source_reference,
        notes=notes,
    )
    offcut.full_clean(exclude=["tag"])  # runs clean(): shorter side first, minimum size
    offcut.tag = f"OC-{next_number('offcut'):04d}"
    offcut.save()
    record_created(offcut, by=by)
    return offcut


@transaction.atomic
def offcut_update(*, offcut: Offcut, by: Actor = None, **changes: Any) -> Offcut:
    """Change where a remnant is, its size or notes (its tag and status are not changed here)."""
    refused = {"tag", "status"} & set(changes)
    if refused:
        raise ValidationError(dict.fromkeys(sorted(refused), "Not changed here."))
    locked = Offcut.objects.select_for_update().get(pk=offcut.pk)
    before = instance_values(locked)
    for name, value in changes.items():
        setattr(locked, name, value)
    save_changes(locked, before, by=by)
    return locked


@transaction.atomic
def offcut_set_status(*, offcut: Offcut, to: str, by: Actor = None, reason: str = "") -> Offcut:
    """Mark a remnant used or scrapped; the allowed moves are OFFCUT_TRANSITIONS."""
    locked = Offcut.objects.select_for_update().get(pk=offcut.pk)
    current = OffcutStatus(locked.status)
    check_move(
        allowed=OFFCUT_TRANSITIONS,
        statuses=OffcutStatus,
        current=current,
        to=to,
        refused=f"Offcut {locked.tag} is {current.label.lower()}; it cannot become {to}.",
    )
    locked.status = to
    locked.save(update_fields=["status", "updated_at"])
    offcut.status = to
    record_move(locked, source=current.value, to=to, by=by, reason=reason)
    return locked
