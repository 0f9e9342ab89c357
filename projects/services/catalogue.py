"""The product catalogue (SKUs, files) and the lines that put products on jobs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from inventory.models import Material
from laseros.actors import Actor
from laseros.audit import diff_instances, instance_values, record, record_created, save_changes
from laseros.models import ActivityLog

from .. import workflow
from ..models import (
    Product,
    ProductFile,
    Project,
    ProjectLine,
)
from ..sku import parse_sku
from ..uploads import check_upload

# --- products -------------------------------------------------------------------------------------

PRODUCT_EDITABLE_FIELDS = frozenset(
    {
        "sku",
        "name",
        "description",
        "category",
        "family",
        "size",
        "material",
        "thickness_mm",
        "revision",
        "unit_price",
        "is_active",
    }
)
_SKU_PARTS = ("category", "family", "size", "material", "thickness_mm", "revision")


@transaction.atomic
def product_create(
    *,
    name: str,
    unit_price: Decimal,
    by: Actor,
    sku: str = "",
    category: str = "",
    family: str = "",
    size: str = "",
    material: Material | None = None,
    thickness_mm: Decimal | None = None,
    revision: int | None = None,
    description: str = "",
    is_active: bool = True,
) -> Product:
    """A catalogue product. Give the SKU's parts (the SKU is built) or the SKU (parts left out
    are read from it; parts given must agree with it)."""
    sku = (sku or "").strip()
    if sku:
        try:
            parts = parse_sku(sku)
        except ValueError as exc:
            raise ValidationError({"sku": str(exc)}) from exc
        category = category or parts.category
        family = family or parts.family
        size = size or parts.size
        thickness_mm = thickness_mm if thickness_mm is not None else parts.thickness_mm
        revision = revision or parts.revision
        if material is None:
            material = Material.objects.filter(code__iexact=parts.material_code).first()
            if material is None:
                raise ValidationError(
                    {"sku": f"The SKU's material {parts.material_code} is not a known material."}
                )
    product = Product(
        sku=sku,
        name=(name or "").strip(),
        description=description,
        category=category,
        family=family,
        size=size,
        material=material,
        thickness_mm=thickness_mm,  # type: ignore[misc] # None: full_clean() names it
        revision=revision or 1,
        unit_price=unit_price,
        is_active=is_active,
    )
    product.full_clean()
    product.save()
    record_created(product, by=by)
    return product


@transaction.atomic
def product_update(*, product: Product, by: Actor, **fields: Any) -> Product:
    """Change a product; when a SKU part changes and no SKU is given, the SKU is rebuilt."""
    unknown = set(fields) - PRODUCT_EDITABLE_FIELDS
    if unknown:
        raise ValidationError(
            f"These product fields cannot be changed: {', '.join(sorted(unknown))}."
        )
    current = Product.objects.select_for_update().get(pk=product.pk)
    before = instance_values(current)
    for name, value in fields.items():
        setattr(current, name, value)
    if "sku" not in fields and any(
        name in fields and instance_values(current)[name] != before[name] for name in _SKU_PARTS
    ):
        current.sku = ""
    save_changes(current, before, by=by)
    return current


@transaction.atomic
def product_file_add(*, product: Product, file, by: Actor, note: str = "") -> ProductFile:
    """Keep a drawing or photo with a catalogue product (checked like project documents)."""
    original_name, _content_type, size = check_upload(file)
    product_file = ProductFile(product=product, original_name=original_name, note=note)
    product_file.file.save(original_name, file, save=False)
    product_file.size_bytes = size
    try:
        product_file.full_clean()
        product_file.save()
    except Exception:
        product_file.file.delete(save=False)
        raise
    record_created(product_file, by=by, message=f"file for {product.sku}")
    return product_file


# --- project lines --------------------------------------------------------------------------------


def _check_lines_editable(project: Project) -> None:
    if project.status in workflow.DONE:
        raise ValidationError(
            f"{project.code} is {project.get_status_display()}: its lines are final."
        )


@transaction.atomic
def project_line_add(
    *,
    project: Project,
    product: Product,
    by: Actor,
    quantity: int = 1,
    unit_price: Decimal | None = None,
    note: str = "",
) -> ProjectLine:
    """Put a catalogue product on a job; the unit price defaults to the product's."""
    _check_lines_editable(project)
    if not product.is_active:
        raise ValidationError({"product": f"{product.sku} is no longer sold (inactive)."})
    line = ProjectLine(project=project, product=product, quantity=quantity, note=note)
    line.unit_price = unit_price  # type: ignore[assignment] # None: the product's, in clean()
    line.full_clean()
    line.save()
    record_created(line, by=by, message=f"line on {project.code}")
    return line


@transaction.atomic
def project_line_update(*, line: ProjectLine, by: Actor, **fields: Any) -> ProjectLine:
    """Change a line's quantity, price or note."""
    unknown = set(fields) - {"quantity", "unit_price", "note", "product"}
    if unknown:
        raise ValidationError(f"These line fields cannot be changed: {', '.join(sorted(unknown))}.")
    current = (
        ProjectLine.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(pk=line.pk)
    )
    _check_lines_editable(current.project)
    before = instance_values(current)
    for name, value in fields.items():
        setattr(current, name, value)
    save_changes(current, before, by=by)
    return current


@transaction.atomic
def project_line_delete(*, line: ProjectLine, by: Actor) -> None:
    """Take a product off a job."""
    _check_lines_editable(line.project)
    record(
        action=ActivityLog.Action.DELETE,
        obj=line,
        changes=diff_instances(instance_values(line), None),
        user=by,
    )
    line.delete()
