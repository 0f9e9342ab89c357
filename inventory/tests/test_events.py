"""Inventory's event in the outbox (laseros.outbox): stock.low, once, when a move takes a stock
down to its reorder level; a refused move records nothing."""

import pytest
from django.core.exceptions import ValidationError

from inventory import services
from inventory.tests.factories import SheetStockFactory
from laseros.models import OutboxEvent

pytestmark = pytest.mark.django_db


def _low_events():
    return list(OutboxEvent.objects.filter(type="stock.low").order_by("id"))


def test_falling_to_the_reorder_level_records_stock_low_once():
    stock = SheetStockFactory(quantity_on_hand=5, reorder_level=2, reorder_quantity=10)
    services.stock_move(stock=stock, kind="usage", quantity=-2)  # 3: above the level
    assert _low_events() == []
    services.stock_move(stock=stock, kind="usage", quantity=-1)  # 2: at the level
    services.stock_move(stock=stock, kind="usage", quantity=-1)  # 1: still low, said once
    (event,) = _low_events()
    assert event.payload["stock_id"] == stock.pk
    assert (event.payload["quantity_on_hand"], event.payload["reorder_level"]) == (2, 2)
    assert event.payload["to_order"] == 10 and event.payload["thickness_mm"] == "3.00"
    services.stock_move(stock=stock, kind="purchase", quantity=10)
    services.stock_move(stock=stock, kind="usage", quantity=-10)  # low again: a new event
    assert len(_low_events()) == 2


def test_a_refused_move_records_nothing():
    stock = SheetStockFactory(quantity_on_hand=3, reorder_level=2)
    with pytest.raises(ValidationError, match="below zero"):
        services.stock_move(stock=stock, kind="usage", quantity=-4)
    assert _low_events() == []
