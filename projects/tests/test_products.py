"""Products under SKUs and the lines that put them on jobs."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from projects.models import ProjectStatus
from projects.services import (
    product_create,
    product_update,
    project_line_add,
    project_line_delete,
    project_line_update,
)
from projects.sku import SkuParts, build_sku, parse_sku
from projects.tests.factories import ProductFactory, ProjectFactory, material

pytestmark = pytest.mark.django_db


def test_sku_round_trip():
    parts = parse_sku("SKU-CON-BRK-A-80x80-6-MS-v1")
    assert parts == SkuParts("CON", "BRK", "A-80x80", Decimal("6"), "MS", 1)
    assert build_sku(parts) == "SKU-CON-BRK-A-80x80-6-MS-v1"
    assert build_sku(SkuParts("sig", "pl", "300x200", Decimal("1.20"), "galv", 3)) == (
        "SKU-SIG-PL-300x200-1.2-GALV-v3"
    )
    with pytest.raises(ValueError, match="not a SKU"):
        parse_sku("BRK-80x80")


def test_sku_is_built_from_the_parts():
    product = product_create(
        name="Angle bracket",
        category="con",
        family="brk",
        size="A-80x80",
        material=material(),
        thickness_mm=Decimal("6"),
        unit_price=Decimal("45.50"),
        by=None,
    )
    assert product.sku == "SKU-CON-BRK-A-80x80-6-MS-v1"


def test_a_given_sku_fills_the_parts_and_must_agree_with_them():
    material("SS", "Stainless")
    product = product_create(name="Plate", sku="SKU-CON-PL-100x100-3-SS-v2", unit_price=10, by=None)
    assert (product.category, product.size, product.material.code, product.revision) == (
        "CON",
        "100x100",
        "SS",
        2,
    )
    with pytest.raises(ValidationError, match="does not match its parts"):
        product_create(
            name="Wrong", sku="SKU-CON-PL-100x100-3-SS-v3", thickness_mm=5, unit_price=1, by=None
        )
    with pytest.raises(ValidationError, match="not a known material"):
        product_create(name="X", sku="SKU-CON-PL-100x100-3-XX-v1", unit_price=1, by=None)
    with pytest.raises(ValidationError):
        product_create(name="Neg", sku="SKU-CON-PL-1x1-3-SS-v1", unit_price=-1, by=None)


def test_changing_a_part_rebuilds_the_sku():
    product = ProductFactory(size="A-80x80")
    product_update(product=product, revision=2, by=None)
    product.refresh_from_db()
    assert product.sku == "SKU-CON-BRK-A-80x80-6-MS-v2"


def test_lines_default_to_the_products_price_and_total():
    product = ProductFactory(unit_price=Decimal("45.50"))
    project = ProjectFactory()
    line = project_line_add(project=project, product=product, quantity=4, by=None)
    assert line.unit_price == Decimal("45.50") and line.line_total == Decimal("182.00")
    line = project_line_update(line=line, unit_price=Decimal("40"), by=None)
    assert line.line_total == Decimal("160.00")
    with pytest.raises(ValidationError):
        project_line_update(line=line, quantity=0, by=None)


def test_lines_of_a_finished_job_are_final_and_inactive_products_cannot_be_added():
    product = ProductFactory()
    project = ProjectFactory()
    line = project_line_add(project=project, product=product, by=None)
    project.__class__.objects.filter(pk=project.pk).update(status=ProjectStatus.COMPLETED)
    project.refresh_from_db()
    with pytest.raises(ValidationError, match="final"):
        project_line_add(project=project, product=product, by=None)
    line.refresh_from_db()
    with pytest.raises(ValidationError, match="final"):
        project_line_delete(line=line, by=None)
    retired = ProductFactory(is_active=False)
    with pytest.raises(ValidationError, match="inactive"):
        project_line_add(project=ProjectFactory(), product=retired, by=None)
