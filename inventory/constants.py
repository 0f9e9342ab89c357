"""The shop's materials as DOMAIN.md states them: codes, names, densities, the names users type.

The `Material` model is seeded from this table; parsers (ingest) use it to read material names
from file names and text without a database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class MaterialSpec:
    code: str
    name: str
    density_g_cm3: Decimal | None
    aliases: tuple[str, ...]
    max_thickness_mm: Decimal | None = None


MATERIALS: tuple[MaterialSpec, ...] = (
    MaterialSpec(
        "MS",
        "Mild steel",
        Decimal("7.85"),
        ("ms", "mild steel", "mildsteel", "mild"),
        Decimal("16"),
    ),
    MaterialSpec(
        "SS",
        "Stainless steel",
        Decimal("8.0"),
        ("ss", "stainless", "stainless steel", "inox"),
        Decimal("12"),
    ),
    MaterialSpec(
        "GALV",
        "Galvanised steel",
        Decimal("7.85"),
        ("galv", "galvanised", "galvanized", "galvanised steel", "galvanized steel", "gi"),
    ),
    MaterialSpec(
        "AL",
        "Aluminium",
        Decimal("2.7"),
        ("al", "alu", "aluminium", "aluminum", "ali"),
        Decimal("10"),
    ),
    MaterialSpec(
        "VAST",
        "Vastrap checker plate",
        Decimal("7.85"),
        ("vast", "vas", "vastrap", "checker plate", "chequer plate", "checkerplate"),
    ),
    MaterialSpec("CS", "Carbon steel", Decimal("7.85"), ("cs", "c", "carbon steel", "carbon")),
    MaterialSpec("BR", "Brass", Decimal("8.5"), ("br", "brass")),
    MaterialSpec("CU", "Copper", Decimal("8.96"), ("cu", "copper")),
    MaterialSpec("ZN", "Zinc", Decimal("7.14"), ("zn", "zinc")),
    MaterialSpec("ACR", "Acrylic", Decimal("1.19"), ("acr", "acrylic", "perspex", "pmma", "plexi")),
    MaterialSpec("OTH", "Other", None, ("oth", "other")),
)

MATERIAL_CODES = tuple(m.code for m in MATERIALS)
_BY_ALIAS = {alias: m.code for m in MATERIALS for alias in (m.code.lower(), *m.aliases)}

COMMON_THICKNESSES_MM = (
    "0.47",
    "0.53",
    "0.9",
    "1",
    "1.2",
    "1.6",
    "2",
    "2.5",
    "3",
    "3.5",
    "4",
    "5",
    "6",
    "8",
    "10",
    "12",
    "16",
)
SHEET_SIZES_MM = (
    (1225, 2450),
    (1220, 2440),
    (3000, 1500),
    (2500, 1250),
    (2000, 1000),
    (1500, 1000),
    (1200, 1000),
)


def material_code(text: str | None) -> str | None:
    """The material code for a name as users type it ("GaLv" -> "GALV"), or None.

    Matching is case-insensitive and ignores surrounding spaces, dots, underscores and dashes.
    """
    if not text:
        return None
    key = re.sub(r"[\s_.\-]+", " ", text.strip().lower()).strip()
    return _BY_ALIAS.get(key) or _BY_ALIAS.get(key.replace(" ", ""))


def material_spec(code: str) -> MaterialSpec | None:
    return next((m for m in MATERIALS if m.code == code), None)
