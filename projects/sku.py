"""Product SKUs (DOMAIN.md): SKU-[category]-[family]-[size]-[thickness]-[material]-v[rev].

e.g. SKU-CON-BRK-A-80x80-6-MS-v1: category CON, family BRK, size A-80x80, 6 mm, mild steel,
revision 1. The size may itself hold dashes; the thickness, material and revision are read from
the end, so the name parses one way only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from laseros.units import format_thickness

SKU_RE = re.compile(
    r"^SKU-(?P<category>[A-Z0-9]{1,10})-(?P<family>[A-Z0-9]{1,10})-(?P<size>[A-Za-z0-9.x-]{1,40}?)"
    r"-(?P<thickness>\d{1,3}(?:\.\d{1,2})?)-(?P<material>[A-Z]{1,10})-v(?P<revision>\d{1,4})$"
)
PART_RE = re.compile(r"^[A-Z0-9]{1,10}$")
SIZE_RE = re.compile(r"^[A-Za-z0-9.x]+(?:-[A-Za-z0-9.x]+)*$")


@dataclass(frozen=True)
class SkuParts:
    category: str
    family: str
    size: str
    thickness_mm: Decimal
    material_code: str
    revision: int


def build_sku(parts: SkuParts) -> str:
    """The SKU for these parts; ValueError names the first part that cannot go into one."""
    category, family = parts.category.strip().upper(), parts.family.strip().upper()
    size, material = parts.size.strip(), parts.material_code.strip().upper()
    for label, value in (("category", category), ("family", family), ("material", material)):
        if not PART_RE.match(value):
            raise ValueError(f"The SKU {label} must be 1-10 letters or digits, not {value!r}.")
    if not SIZE_RE.match(size) or len(size) > 40:
        raise ValueError(f"The SKU size must be letters, digits, 'x' and dashes, not {size!r}.")
    if parts.revision < 1:
        raise ValueError("The SKU revision starts at 1.")
    try:
        thickness = format_thickness(parts.thickness_mm)
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{parts.thickness_mm!r} is not a thickness in mm.") from exc
    return f"SKU-{category}-{family}-{size}-{thickness}-{material}-v{parts.revision}"


def parse_sku(text: str) -> SkuParts:
    """The parts of a SKU; ValueError with the expected form when it is not one."""
    match = SKU_RE.match((text or "").strip())
    if not match:
        raise ValueError(
            f"{text!r} is not a SKU: expected SKU-[category]-[family]-[size]-[thickness]-"
            "[material]-v[rev], e.g. SKU-CON-BRK-A-80x80-6-MS-v1."
        )
    return SkuParts(
        category=match["category"],
        family=match["family"],
        size=match["size"],
        thickness_mm=Decimal(match["thickness"]),
        material_code=match["material"],
        revision=int(match["revision"]),
    )
