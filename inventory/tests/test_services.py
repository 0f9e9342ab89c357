"""Stock moves only through the service: locked, ledgered, audited, never below zero."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from inventory import selectors, services
from inventory.models import Material, MovementKind, Offcut, OffcutStatus, SheetStock, StockMovement
from inventory.tests.factories import MaterialFactory, SheetStockFactory
from laseros.models import ActivityLog
from laseros.testing import needs_postgresql, run_at_once

pytestmark = pytest.mark.django_db


def test_stock_move_writes_movement_balance_and_audit(make_user):
    user = make_user("storeman")
    stock = SheetStockFactory(quantity_on_hand=5)
    movement = services.stock_move(
        stock=stock, kind="usage", quantity=-2, by=user, reason="job", reference="Run 7"
    )
    stock.refresh_from_db()
    assert stock.quantity_on_hand == 3
    assert (movement.quantity, movement.balance_after, movement.by) == (-2, 3, user)
    assert movement.reference == "Run 7"
    entry = ActivityLog.objects.filter(object_id=str(stock.pk)).latest("id")
    assert entry.changes == {"quantity_on_hand": [5, 3]} and entry.actor == user


def test_stock_cannot_go_below_zero_and_nothing_changes():
    stock = SheetStockFactory(quantity_on_hand=2)
    with pytest.raises(ValidationError) as info:
        services.stock_use(stock=stock, quantity=3)
    assert "2 on hand, 3 asked for" in str(info.value)
    stock.refresh_from_db()
    assert stock.quantity_on_hand == 2 and not StockMovement.objects.exists()


@pytest.mark.parametrize(
    ("kind", "quantity", "words"),
    [
        ("purchase", -1, "positive"),
        ("usage", 2, "negative"),
        ("waste", 1, "negative"),
        ("return", -2, "positive"),
        ("adjustment", 0, "0 sheets"),
        ("stolen", 1, "Unknown movement kind"),
    ],
)
def test_stock_move_checks_sign_of_kind(kind, quantity, words):
    stock = SheetStockFactory(quantity_on_hand=5)
    with pytest.raises(ValidationError, match=words):
        services.stock_move(stock=stock, kind=kind, quantity=quantity)


def test_database_refuses_negative_on_hand():
    stock = SheetStockFactory(quantity_on_hand=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        SheetStock.objects.filter(pk=stock.pk).update(quantity_on_hand=-1)


def test_receive_adjust_and_caused_by(make_user):
    stock = SheetStockFactory(quantity_on_hand=0, unit_cost=Decimal("1800"))
    services.stock_receive(stock=stock, quantity=10, unit_cost=Decimal("1850"), reference="PO 9")
    stock.refresh_from_db()
    assert stock.quantity_on_hand == 10 and stock.unit_cost == Decimal("1850.00")
    assert services.stock_adjust(stock=stock, counted=10) is None
    movement = services.stock_adjust(stock=stock, counted=7, reason="stock take March")
    assert (movement.kind, movement.quantity, movement.balance_after) == ("adjustment", -3, 7)
    user = make_user("u")
    used = services.stock_use(stock=stock, quantity=1, caused_by=user)
    assert used.caused_by == user
    assert used.caused_by_type == ContentType.objects.get_for_model(user)
    assert used.reference == str(user)


def test_stock_create_books_the_opening_balance():
    stock = services.stock_create(
        material=MaterialFactory(code="SS").code,
        thickness_mm=Decimal("3"),
        width_mm=1225,
        length_mm=2450,
        opening_quantity=4,
        unit_cost=Decimal("6000"),
    )
    assert stock.quantity_on_hand == 4
    assert stock.movements.get().kind == MovementKind.ADJUSTMENT
    with pytest.raises(ValidationError, match="Unknown material"):
        services.stock_create(material="unobtainium", thickness_mm=1, width_mm=1, length_mm=1)


def test_stock_update_refuses_the_count():
    stock = SheetStockFactory()
    with pytest.raises(ValidationError, match="only through stock movements"):
        services.stock_update(stock=stock, quantity_on_hand=99)
    services.stock_update(stock=stock, reorder_level=5, location="Bay 2")
    stock.refresh_from_db()
    assert (stock.reorder_level, stock.location) == (5, "Bay 2")


def test_an_update_that_changes_nothing_records_nothing(make_user):
    user = make_user("storeman")
    stock = SheetStockFactory(location="Bay 1")
    MaterialFactory(code="MS")
    offcut = services.offcut_create(
        material="MS", thickness_mm=Decimal("3"), width_mm=900, length_mm=400, location="Rack A"
    )
    entries = ActivityLog.objects.count()
    services.stock_update(stock=stock, by=user, location="Bay 1")
    services.offcut_update(offcut=offcut, by=user, location="Rack A")
    assert ActivityLog.objects.count() == entries  # an edit with no change is not history
    services.stock_update(stock=stock, by=user, location="Bay 3")
    entry = ActivityLog.objects.latest("id")
    assert entry.changes == {"location": ["Bay 1", "Bay 3"]} and entry.actor == user


def test_find_stock_honours_tolerance(settings):
    ms = MaterialFactory(code="MS")
    near = SheetStockFactory(material=ms, thickness_mm=Decimal("3.2"), quantity_on_hand=1)
    exact = SheetStockFactory(material=ms, thickness_mm=Decimal("3.0"), quantity_on_hand=1)
    SheetStockFactory(material=ms, thickness_mm=Decimal("4"))
    assert selectors.find_stock("ms", "3") == exact
    assert selectors.find_stock(ms, Decimal("3.25")) == near
    assert selectors.find_stock("Mild Steel", "3.4") == near
    assert selectors.find_stock("MS", "3.5") == near  # ±0.3 inclusive
    assert selectors.find_stock("MS", "3.6") is None
    settings.STOCK_THICKNESS_TOLERANCE_MM = Decimal("0.5")
    assert selectors.find_stock("MS", "3.6") in (near, SheetStock.objects.get(thickness_mm=4))
    assert selectors.find_stock("nonsense", "3") is None


def test_find_stock_by_sheet_size():
    small = SheetStockFactory(width_mm=1000, length_mm=2000)
    big = SheetStockFactory(width_mm=1500, length_mm=3000, quantity_on_hand=1)
    assert selectors.find_stock("MS", 3, width_mm=2500, length_mm=1200) == big
    assert selectors.find_stock("MS", 3, width_mm=900, length_mm=1900) == small


def test_low_stock_reorder_and_value():
    low = SheetStockFactory(quantity_on_hand=1, reorder_level=3, reorder_quantity=2)
    empty = SheetStockFactory(quantity_on_hand=0, reorder_level=0, reorder_quantity=5)
    SheetStockFactory(quantity_on_hand=9, reorder_level=3, unit_cost=Decimal("100"))
    assert list(selectors.low_stock()) == [empty, low]
    suggestions = {s.stock: s.quantity for s in selectors.reorder_suggestions()}
    # low: order enough to rise above the level (3), more than the reorder quantity (2)
    assert suggestions == {low: 3, empty: 5}
    assert selectors.stock_value() == Decimal("1800") * 1 + Decimal("100") * 9
    assert low.suggested_order == 3


def test_offcuts_keep_only_big_remnants(settings):
    MaterialFactory(code="MS")
    oc = services.offcut_create(
        material="MS", thickness_mm=Decimal("3"), width_mm=900, length_mm=400
    )
    assert oc.tag == "OC-0001" and (oc.width_mm, oc.length_mm) == (400, 900)
    with pytest.raises(ValidationError, match="too small to keep"):
        services.offcut_create(material="MS", thickness_mm=3, width_mm=140, length_mm=600)
    settings.OFFCUT_MIN_WIDTH_MM = 100
    assert services.offcut_create(material="MS", thickness_mm=3, width_mm=140, length_mm=600)
    assert Offcut.objects.count() == 2


def test_offcut_status_moves_are_data():
    MaterialFactory(code="MS")
    oc = services.offcut_create(material="MS", thickness_mm=3, width_mm=300, length_mm=600)
    services.offcut_set_status(offcut=oc, to=OffcutStatus.USED, reason="job 12")
    assert Offcut.objects.get().status == "used"
    with pytest.raises(ValidationError, match="cannot become"):
        services.offcut_set_status(offcut=oc, to=OffcutStatus.AVAILABLE)


def _concurrent_deductions(stock_pk, count):
    ok, refused = [], []

    def worker(n):
        stock = SheetStock.objects.get(pk=stock_pk)
        try:
            services.stock_use(stock=stock, quantity=1, reason="race")
            ok.append(1)
        except ValidationError:
            refused.append(1)

    errors = run_at_once(worker, count)
    return ok, refused, errors


@needs_postgresql()
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_deductions():
    stock = SheetStockFactory(quantity_on_hand=80)
    ok, refused, errors = _concurrent_deductions(stock.pk, 50)
    assert errors == [] and len(ok) == 50 and refused == []
    stock.refresh_from_db()
    assert stock.quantity_on_hand == 30
    movements = StockMovement.objects.filter(stock=stock)
    assert movements.count() == 50
    assert sorted(movements.values_list("balance_after", flat=True)) == list(range(30, 80))


@needs_postgresql()
@pytest.mark.django_db(transaction=True)
def test_concurrent_deductions_beyond_stock_fail_cleanly():
    stock = SheetStockFactory(quantity_on_hand=30)
    ok, refused, errors = _concurrent_deductions(stock.pk, 50)
    assert errors == [] and len(ok) == 30 and len(refused) == 20
    stock.refresh_from_db()
    assert stock.quantity_on_hand == 0
    assert StockMovement.objects.filter(stock=stock).count() == 30
    assert not StockMovement.objects.filter(balance_after__lt=0).exists()


def test_a_fresh_install_gets_the_shops_materials_and_keeps_its_own_edits():
    """The data migration loads DOMAIN.md's materials; a shop's own edits survive a re-run."""
    import importlib

    from django.apps import apps

    from inventory.constants import MATERIALS

    migration = importlib.import_module("inventory.migrations.0003_domain_materials")
    Material.objects.all().delete()
    Material.objects.create(code="MS", name="Mild steel S355", density_g_cm3=Decimal("7.9"))
    migration.add_materials(apps, None)
    assert set(Material.objects.values_list("code", flat=True)) == {m.code for m in MATERIALS}
    assert Material.objects.get(code="MS").name == "Mild steel S355"
    stainless = Material.objects.get(code="SS")
    assert stainless.density_g_cm3 == Decimal("8.0") and stainless.max_thickness_mm == 12
    assert "stainless" in stainless.aliases
