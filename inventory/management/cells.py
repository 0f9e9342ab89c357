"""Reading the cells of the shop's import files: numbers, money, dates, yes/no, sheet sizes and
material names as people type them. Shared by the import commands of inventory and the apps above
it (projects, production); each parser raises ValueError with a message a person can act on.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from inventory.constants import material_code, material_spec
from inventory.models import Material
from laseros.actors import Actor

_TRUE = {"true", "yes", "y", "1", "ja", "x"}
_FALSE = {"false", "no", "n", "0", "nee"}


def header_key(text: str) -> str:
    """ "Thickness (mm)" -> "thickness_mm", "Client Code" -> "client_code"."""
    return re.sub(r"[^a-z0-9]+", "_", (text or "").strip().lower()).strip("_")


def keyed_row(row: dict[str, str], aliases: dict[str, str] | None = None) -> dict[str, str]:
    """The row with its headers as keys (header_key), renamed through `aliases`."""
    aliases = aliases or {}
    keyed: dict[str, str] = {}
    for header, value in row.items():
        key = header_key(header)
        key = aliases.get(key, key)
        if key not in keyed or not keyed[key]:
            keyed[key] = value
    return keyed


def parse_decimal(text: str, *, what: str = "number") -> Decimal | None:
    """ "3", "1.6", "1,6" -> Decimal; empty -> None."""
    text = (text or "").strip()
    if not text:
        return None
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a {what}") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a {what}")
    return value


def parse_money(text: str) -> Decimal | None:
    """ "R1 800.00", "1,800.00", "1800,50" -> Decimal (ZAR); empty -> None."""
    text = (text or "").strip()
    if not text:
        return None
    cleaned = re.sub(r"^(ZAR|R)\s*", "", text, flags=re.IGNORECASE).replace(" ", "")
    cleaned = cleaned.replace("\u00a0", "")
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(",", "")  # thousands separators
    elif re.fullmatch(r"\d{1,3}(,\d{3})+", cleaned):
        cleaned = cleaned.replace(",", "")
    elif "," in cleaned:
        cleaned = cleaned.replace(",", ".")  # decimal comma
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not an amount")
    if value < 0:
        raise ValueError(f"{text!r}: an amount cannot be negative")
    return value.quantize(Decimal("0.01"))


def parse_int(text: str, *, what: str = "whole number", minimum: int | None = 0) -> int | None:
    """ "12", "12.0" -> 12; empty -> None; negative refused unless minimum is None."""
    value = parse_decimal(text, what=what)
    if value is None:
        return None
    if value != value.to_integral_value():
        raise ValueError(f"{text!r} is not a {what}")
    number = int(value)
    if minimum is not None and number < minimum:
        raise ValueError(f"{text!r} is less than {minimum}")
    return number


def parse_date(text: str) -> dt.date | None:
    """ISO dates (2024-01-15, 2024/01/15, or an ISO date-time from Excel); empty -> None.

    Other day-first or month-first forms are refused: 02.09.2025 could be either.
    """
    text = (text or "").strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ][\d:.]+)?", text)
    if not match:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)")
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def parse_bool(text: str) -> bool | None:
    """true/false, yes/no, y/n, 1/0; empty -> None."""
    text = (text or "").strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{text!r} is not yes or no (true/false)")


def parse_sheet_size(text: str) -> tuple[int, int] | None:
    """ "1225x2450", "1225 × 2450 mm", "1225*2450" -> (1225, 2450); empty -> None."""
    text = (text or "").strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d+)\s*(?:mm)?\s*[x×X*]\s*(\d+)\s*(?:mm)?", text)
    if not match:
        raise ValueError(f"{text!r} is not a sheet size (e.g. 1225x2450)")
    return int(match.group(1)), int(match.group(2))


_THICKNESS_IN_TEXT = re.compile(r"(\d+(?:[.,]\d+)?)\s*mm\b", re.IGNORECASE)


def split_material_type(text: str) -> tuple[str | None, Decimal | None]:
    """ "Mild Steel 3mm" -> ("MS", Decimal("3")); "Aluminum 5mm" -> ("AL", 5); "" -> (None, None).

    Raises ValueError when there is text but no material the shop knows in it.
    """
    text = (text or "").strip()
    if not text:
        return None, None
    thickness = None
    match = _THICKNESS_IN_TEXT.search(text)
    rest = text
    if match:
        thickness = Decimal(match.group(1).replace(",", "."))
        rest = (text[: match.start()] + " " + text[match.end() :]).strip()
    code = material_code(rest)
    if code is None:
        raise ValueError(f"{text!r}: no material the shop knows (MS, SS, GALV, AL, ...)")
    return code, thickness


def material_for(text: str, *, by: Actor = None) -> Material:
    """The Material a cell names ("ms", "Galvanised", "AL"). A material of DOMAIN.md's table that
    is not in the database yet is added from that table (through the inventory service); any
    other name is refused with a ValueError."""
    from inventory.services import material_save

    code = material_code(text) or (text or "").strip().upper()
    if not code:
        raise ValueError("no material given")
    found = Material.objects.filter(code=code).first()
    if found is not None:
        return found
    spec = material_spec(code)
    if spec is None:
        raise ValueError(f"{text!r} is not a material the shop knows (MS, SS, GALV, AL, ...)")
    return material_save(
        material=Material(
            code=spec.code,
            name=spec.name,
            density_g_cm3=spec.density_g_cm3,
            aliases=list(spec.aliases),
            max_thickness_mm=spec.max_thickness_mm,
        ),
        by=by,
    )
