"""What a name reading is made of, and what the file-name and folder-name readers share.

`NameInfo` (every value read from one name, with `NameField`'s confidence and source) and the
`_Token` a file name is split into; the shop's client and project codes (`normalise_*`, and
`_take_codes` reading them out of any name); the patterns several readers use. `naming` reads
names with these; `name_thickness` and `name_folders` hold parts of that reading.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# A confidence taken off a value read from a form by its meaning rather than its shape.
ODD_FORM_PENALTY = 0.2

_NUMBER = r"\d+(?:[.,]\d+)?"
_THICKNESS_MM = re.compile(rf"^({_NUMBER})\s*mm$", re.IGNORECASE)
_BARE_NUMBER = re.compile(rf"^({_NUMBER})$")
_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_CLIENT_CODE = re.compile(r"(?<![A-Za-z0-9])CL-?(\d{1,4})(?![0-9])", re.IGNORECASE)
_PROJECT_CODE = re.compile(
    r"(?<![A-Za-z0-9])JB-(\d{4})-(\d{1,2})-CL-?(\d{1,4})-(\d{1,4})(?![0-9])", re.IGNORECASE
)


@dataclass(frozen=True)
class NameField:
    """One value read from a name: how sure we are (0..1) and what in the name said so."""

    value: Any
    confidence: float
    source: str


@dataclass
class NameInfo:
    """Everything read from one file or folder name."""

    original: str
    fields: dict[str, NameField] = field(default_factory=dict)
    unparsed: list[str] = field(default_factory=list)  # pieces of the name nobody understood
    notes: list[str] = field(default_factory=list)  # things a person may want to know
    warnings: list[str] = field(default_factory=list)  # what a person should check: not read
    # the fields each warning is about, in the same order (a warning is moot once they are known)
    warned_fields: list[tuple[str, ...]] = field(default_factory=list)

    def value(self, key: str, default: Any = None) -> Any:
        found = self.fields.get(key)
        return found.value if found is not None else default

    def confidence(self, key: str) -> float:
        found = self.fields.get(key)
        return found.confidence if found is not None else 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form, kept in ParseResult.raw["name"]."""
        return {
            "original": self.original,
            "fields": {
                key: {
                    "value": _jsonable(item.value),
                    "confidence": item.confidence,
                    "source": item.source,
                }
                for key, item in self.fields.items()
            },
            "unparsed": list(self.unparsed),
            "notes": list(self.notes),
            "warnings": list(self.warnings),
        }

    def warnings_about_unknown(self, known: set[str]) -> list[str]:
        """The warnings about a field still unknown when the `known` ones are filled."""
        return [
            warning
            for warning, keys in zip(self.warnings, self.warned_fields, strict=True)
            if any(key not in known for key in keys)
        ]

    def _warn(self, keys: tuple[str, ...], message: str) -> None:
        self.warnings.append(message)
        self.warned_fields.append(keys)

    def _set(self, key: str, value: Any, confidence: float, source: str) -> None:
        """Keep the more confident of two readings of the same field."""
        current = self.fields.get(key)
        if current is None or confidence > current.confidence:
            self.fields[key] = NameField(value, round(confidence, 2), source)


@dataclass
class _Token:
    text: str
    start: int
    end: int
    kind: str = ""  # "", "project_number", "user_code", "material", "thickness", "quantity", ...
    odd: str = ""  # the name's piece when this token was split out of an odd form ("1.2mm.x5")


def normalise_client_code(text: str | None) -> str | None:
    """'CL0001', 'cl-1', 'CL-0001' -> 'CL-0001' (DOMAIN.md's stored form); None if not a code."""
    if not text:
        return None
    match = re.fullmatch(r"\s*CL-?(\d{1,4})\s*", text, re.IGNORECASE)
    return f"CL-{int(match.group(1)):04d}" if match else None


def normalise_project_code(text: str | None) -> str | None:
    """'JB-2025-10-CL-0001-1' -> 'JB-2025-10-CL0001-001'; None if not a project code."""
    if not text:
        return None
    match = _PROJECT_CODE.fullmatch(text.strip())
    if not match:
        return None
    year, month, client, sequence = match.groups()
    if not 1 <= int(month) <= 12:
        return None
    return f"JB-{year}-{int(month):02d}-CL{int(client):04d}-{int(sequence):03d}"


def _take_codes(info: NameInfo, text: str, *, where: str, confidence: float) -> str:
    """Read project and client codes out of `text`; return the text without them."""
    for match in list(_PROJECT_CODE.finditer(text)):
        code = normalise_project_code(match.group(0))
        if code:
            info._set("project_code", code, confidence, f"{where} '{match.group(0)}'")
            info._set(
                "client_code", f"CL-{int(match.group(3)):04d}", confidence - 0.1,
                f"{where} project code '{match.group(0)}'",
            )  # fmt: skip
    text = _PROJECT_CODE.sub("-", text)
    for match in list(_CLIENT_CODE.finditer(text)):
        info._set(
            "client_code", normalise_client_code(match.group(0)), confidence,
            f"{where} '{match.group(0)}'",
        )  # fmt: skip
    return _CLIENT_CODE.sub("-", text)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value
