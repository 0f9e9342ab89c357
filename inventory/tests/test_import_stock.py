"""`manage.py import_stock`: sheet stock from CSV or XLSX, every count change in the ledger."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from inventory.models import Material, MovementKind, SheetStock, StockMovement
from laseros.testing import as_xlsx, run_import

SAMPLE = Path(__file__).parent / "samples" / "stock.csv"

pytestmark = pytest.mark.django_db


def run(path, *args) -> str:
    return run_import("import_stock", path, *args)


@pytest.fixture(params=["csv", "xlsx"])
def sample(request, tmp_path):
    return SAMPLE if request.param == "csv" else as_xlsx(SAMPLE, tmp_path / "stock.xlsx")


def stock(code, thickness, location):
    return SheetStock.objects.get(
        material__code=code, thickness_mm=Decimal(thickness), location=location
    )


def test_the_sample_creates_stock_with_opening_movements_and_reports_bad_rows(sample):
    out = run(sample)
    assert "5 created, 0 updated, 0 unchanged, 0 skipped, 3 failed" in out
    assert "row 7: failed (material: 'Unobtainium' is not a material the shop knows" in out
    assert (
        "row 8: failed (thickness_mm: 'abc' is not a thickness; quantity: '-1' is less than 0)"
        in out
    )
    assert "row 9: failed (sheet_size: '1225' is not a sheet size (e.g. 1225x2450))" in out

    ms = stock("MS", "3", "Rack A")
    assert (ms.width_mm, ms.length_mm, ms.quantity_on_hand) == (1225, 2450, 12)
    assert (ms.reorder_level, ms.reorder_quantity, ms.unit_cost) == (5, 10, Decimal("1800.00"))
    assert ms.supplier == "Macsteel"
    assert stock("SS", "3", "Rack B").unit_cost == Decimal("6000.00")
    alu = stock("AL", "1.2", "Rack D")
    assert (alu.width_mm, alu.length_mm, alu.unit_cost) == (2500, 1250, Decimal("1450.50"))
    assert stock("VAST", "4", "Yard").is_low
    # the opening balance is a movement, not a number set behind the ledger's back
    opening = StockMovement.objects.get(stock=ms)
    assert (opening.kind, opening.quantity, opening.balance_after) == (
        MovementKind.ADJUSTMENT,
        12,
        12,
    )
    assert "imported from" in opening.reason
    # the materials of DOMAIN.md the file named were added from its table
    assert Material.objects.get(code="AL").density_g_cm3 == Decimal("2.7")
    assert not Material.objects.filter(code__iexact="unobtainium").exists()


def test_importing_again_changes_nothing_and_a_new_count_is_an_adjustment(sample, tmp_path):
    run(sample)
    out = run(sample)
    assert "0 created, 0 updated, 5 unchanged, 0 skipped, 3 failed" in out
    assert SheetStock.objects.count() == 5 and StockMovement.objects.count() == 5

    changed = tmp_path / "changed.csv"
    header = SAMPLE.read_text().splitlines()[0]
    changed.write_text(header + "\nMild Steel,3,1225x2450,9,5,10,Rack A,R1 950.00,Macsteel\n")
    out = run(changed)
    assert "row 2: updated MS 3mm 1225×2450 (Rack A): unit_cost; quantity 12 → 9" in out
    ms = stock("MS", "3", "Rack A")
    assert (ms.quantity_on_hand, ms.unit_cost) == (9, Decimal("1950.00"))
    last = StockMovement.objects.filter(stock=ms).first()
    assert (last.kind, last.quantity, last.balance_after) == (MovementKind.ADJUSTMENT, -3, 9)
    assert "stock take" in last.reason


def test_empty_cells_leave_what_is_there(tmp_path):
    run(SAMPLE)
    partial = tmp_path / "partial.csv"
    partial.write_text("material,thickness,width,length,location\nMS,3,1225,2450,Rack A\n")
    assert "1 unchanged" in run(partial)
    ms = stock("MS", "3", "Rack A")
    assert (ms.quantity_on_hand, ms.unit_cost, ms.supplier) == (12, Decimal("1800.00"), "Macsteel")


def test_dry_run_saves_nothing():
    materials = set(Material.objects.values_list("code", flat=True))
    out = run(SAMPLE, "--dry-run")
    assert "DRY RUN (nothing saved)" in out and "5 created" in out
    assert not SheetStock.objects.exists()
    assert not StockMovement.objects.exists()
    assert set(Material.objects.values_list("code", flat=True)) == materials
