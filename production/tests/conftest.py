"""Fixtures for production's tests."""

from __future__ import annotations

from decimal import Decimal

import pytest


@pytest.fixture
def make_run_shop():
    """What a run needs: machine X3, an operator, a 3 mm MS preset, and 3 mm MS sheets in stock
    (`on_hand` of them, plus one spare sheet on another stock row)."""
    from inventory.tests.factories import MaterialFactory, SheetStockFactory
    from production.tests.factories import CutPresetFactory, MachineFactory, OperatorFactory

    def make(on_hand: int) -> dict:
        ms = MaterialFactory(code="MS")
        three = Decimal("3")
        return {
            "machine": MachineFactory(code="X3"),
            "operator": OperatorFactory(),
            "preset": CutPresetFactory(material=ms, thickness_mm=three),
            "stock": SheetStockFactory(material=ms, thickness_mm=three, quantity_on_hand=on_hand),
            "spare": SheetStockFactory(material=ms, thickness_mm=three, quantity_on_hand=1),
        }

    return make
