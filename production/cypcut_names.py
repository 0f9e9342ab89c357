"""Reading CypCut `.fsm` preset file names: the files are encrypted, only their names carry data.

"3mm Air MS 1.5sn New.fsm", "10mm O2 MS Cut 1.2D.fsm", "16mm 02 MS 1.4D S355.fsm" ("02" is O2),
"6-7.7mm VASTRAP Air Cut 1.5sn.fsm", "1mm ss nitro cut 1.5sn - New.fsm", "8mm ms oxy cut 1.5sn.fsm".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from inventory.constants import material_code

_THICKNESS = re.compile(r"^\s*(\d+(?:\.\d+)?)(?:\s*-\s*(\d+(?:\.\d+)?))?\s*mm\.?", re.IGNORECASE)
_GAS_WORDS = {
    "air": "AIR",
    "o2": "O2",
    "02": "O2",  # how the shop writes O2 in some names
    "oxy": "O2",
    "oxygen": "O2",
    "n2": "N2",
    "nitro": "N2",
    "nitrogen": "N2",
}
_NOZZLE = re.compile(r"^d?(\d(?:\.\d)?)(sn|dn|d|e|s)$", re.IGNORECASE)
_FILLER = {"cut", "fsm", "-", "+"}


@dataclass(frozen=True)
class PresetName:
    thickness_mm: Decimal
    material: str | None
    gas: str | None
    nozzle: str | None
    note: str
    thickness_max_mm: Decimal | None = None


class UnreadableName(ValueError):
    """The name carries no thickness (or nothing usable); str() says why."""


def _nozzle(token: str) -> str | None:
    match = _NOZZLE.match(token)
    if not match:
        return None
    size, kind = match.group(1), match.group(2).upper()
    return f"{size}{kind}"  # "2sn" -> "2SN", "1.5sn" -> "1.5SN"


def parse_fsm_name(filename: str) -> PresetName:
    """Thickness, material code, gas (AIR/O2/N2), nozzle (1.5SN, 1.2D, 1.4E …) and the rest as a note."""
    stem = unicodedata.normalize("NFC", filename)
    if stem.lower().endswith(".fsm"):
        stem = stem[:-4]
    match = _THICKNESS.match(stem)
    if not match:
        raise UnreadableName(
            f"{filename!r}: no thickness at the start of the name (e.g. '3mm ...')"
        )
    thickness = Decimal(match.group(1))
    thickness_max = Decimal(match.group(2)) if match.group(2) else None
    rest = stem[match.end() :]
    material = gas = nozzle = None
    note_parts: list[str] = []
    for raw in re.split(r"\s+", rest.strip()):
        if not raw:
            continue
        token = raw.strip(".,()")
        lower = token.lower()
        if gas is None and lower in _GAS_WORDS:
            gas = _GAS_WORDS[lower]
            continue
        if nozzle is None and (found := _nozzle(lower)):
            nozzle = found
            continue
        if (code := material_code(token)) and material in (None, code):
            material = code  # "0.5mm C Air CS": C and CS both say carbon steel
            continue
        if lower in _FILLER or lower.startswith("fsm"):
            leftover = raw[3:] if lower.startswith("fsm") else ""
            if leftover:
                note_parts.append(leftover)
            continue
        note_parts.append(raw)
    note = " ".join(note_parts).strip(" -+")
    if thickness_max is not None:
        note = f"{thickness}-{thickness_max} mm {note}".strip()
    return PresetName(thickness, material, gas, nozzle, note, thickness_max)
