"""Choosing a file name's thickness, reading its odd forms, and warning of what is unclear.

The thickness next to the material (or the last plain one), a thickness typed without its point
(`MS-053mm`), the machine limits and sheet sizes those readings are checked against, a material
code the shop does not know (`MNG`), and the warnings for a name that leaves the thickness out.
Part of `naming`'s reading of a file name.
"""

from __future__ import annotations

import re

from inventory.constants import COMMON_THICKNESSES_MM, MATERIALS, material_code, material_spec

from .name_info import _BARE_NUMBER, _NUMBER, _THICKNESS_MM, ODD_FORM_PENALTY, NameInfo, _Token

MAX_PLAUSIBLE_THICKNESS_MM = 30.0
# Roof sheeting's gauges (mm), which names often type without the point ("053mm"). With DOMAIN.md's
# common thicknesses, up to a material's machine limit, they are the thicknesses a sheet comes in.
ROOF_SHEETING_THICKNESSES_MM = ("0.47", "0.5", "0.53", "0.58")

_THICKNESS_T = re.compile(rf"^t\s*({_NUMBER})$", re.IGNORECASE)
# a thickness typed without its point: "053mm", "05", "53mm" (digits only, two or three)
_NO_POINT = re.compile(r"^(\d{2,3})\s*(?:mm)?$", re.IGNORECASE)
_UNKNOWN_MATERIAL = re.compile(r"^[A-Z]{2,5}$")


def _to_mm(text: str) -> float:
    return round(float(text.replace(",", ".")), 3)


def _thickness_value(text: str) -> tuple[float, bool] | None:
    """(mm, written with a unit) for a token that is only a thickness, else None."""
    for pattern, has_unit in ((_THICKNESS_MM, True), (_THICKNESS_T, True), (_BARE_NUMBER, False)):
        match = pattern.match(text)
        if match:
            return _to_mm(match.group(1)), has_unit
    return None


def _choose_thickness(
    info: NameInfo, tokens: list[_Token], material_token: _Token | None
) -> _Token | None:
    """The thickness is the number next to the material, else the last plain thickness token.

    '100mm teeth' is a part name, and so is '75mm' in '0007-75mm-Galv-1.2mm-x17'."""
    where = "file name"
    chosen: _Token | None = None
    confidence = 0.0
    after: _Token | None = None
    if material_token is not None:
        index = tokens.index(material_token)
        after = tokens[index + 1] if index + 1 < len(tokens) else None
        before = tokens[index - 1] if index > 0 else None
        if after is not None and after.kind == "" and _thickness_value(after.text):
            chosen, confidence = after, 0.9
        elif (
            before is not None
            and before.kind == ""
            and (_THICKNESS_MM.match(before.text) or _THICKNESS_T.match(before.text))
        ):
            chosen, confidence = before, 0.7
    if chosen is None and material_token is None:
        candidates = [t for t in tokens if t.kind == "" and _thickness_value(t.text)]
        if candidates:
            chosen, confidence = candidates[-1], 0.6
            if tokens.index(chosen) == 0:
                chosen = None  # a lone leading number names the part
    reading = _thickness_value(chosen.text) if chosen is not None else None
    if chosen is None or reading is None:
        return None
    value, has_unit = reading
    if not has_unit:
        confidence -= 0.1
    if f"{value:g}" in COMMON_THICKNESSES_MM:
        confidence += 0.05
    code = material_code(material_token.text) if material_token is not None else None
    no_point = _NO_POINT.match(chosen.text)
    if no_point and (
        (no_point.group(1).startswith("0") and value > 0)
        or (chosen is after and value > _thickness_limit(code))
    ):
        chosen.kind = "thickness"
        _read_without_point(info, chosen, no_point.group(1), code, confidence)
        return chosen
    chosen.kind = "thickness"
    if value <= 0:
        info._warn(
            ("thickness_mm",),
            f"The thickness {_after(code)}reads '{chosen.text}', as if cut short: "
            "check the thickness.",
        )
        return chosen
    if value > MAX_PLAUSIBLE_THICKNESS_MM:
        chosen.kind = ""
        return None
    info._set("thickness_mm", value, min(confidence, 0.95), f"{where} '{chosen.text}'")
    return chosen


def _thickness_limit(code: str | None) -> float:
    """The thickest sheet of `code` the shop cuts (its machine limit), else any plausible one."""
    spec = material_spec(code) if code else None
    if spec is not None and spec.max_thickness_mm is not None:
        return float(spec.max_thickness_mm)
    return MAX_PLAUSIBLE_THICKNESS_MM


def _thicknesses_of(code: str | None) -> set[str]:
    """The thicknesses a sheet of `code` comes in ('0.53', '3'): DOMAIN.md's common ones and
    roof sheeting's gauges, up to the material's limit."""
    limit = _thickness_limit(code)
    return {
        text
        for text in (*COMMON_THICKNESSES_MM, *ROOF_SHEETING_THICKNESSES_MM)
        if float(text) <= limit
    }


def _after(code: str | None) -> str:
    return f"after {code} " if code else "in the name "


def _read_without_point(
    info: NameInfo, token: _Token, digits: str, code: str | None, confidence: float
) -> None:
    """'053mm' is 0.53 mm when that is a thickness the material comes in, and no other reading
    is: roof sheeting, typed without its point. Read with a lower confidence, said in a note;
    anything less clear is a warning and no thickness."""
    if digits.startswith("0"):
        guesses = [float(f"0.{digits[1:]}")]
    else:
        guesses = [float(f"{digits[0]}.{digits[1:]}"), float(f"0.{digits}")]
    known = _thicknesses_of(code)
    fitting = [guess for guess in guesses if f"{guess:g}" in known]
    if len(fitting) == 1 and fitting[0] < 1:
        value = fitting[0]
        source = f"file name '{token.text}'"
        info._set("thickness_mm", value, max(0.5, confidence - ODD_FORM_PENALTY), source)
        info.notes.append(
            f"'{token.text}' read as {value:g} mm: a sheet thickness typed without its decimal "
            "point"
        )
        return
    where = f"after {code}" if code else "in the name"
    if digits.startswith("0"):
        material = code or "no sheet"
        info._warn(
            ("thickness_mm",),
            f"The thickness '{token.text}' {where} reads as {guesses[0]:g} mm without its decimal "
            f"point, but {material} does not come in {guesses[0]:g} mm: check the thickness.",
        )
        return
    maybe = " or ".join(f"{guess:g} mm" for guess in fitting)
    info._warn(
        ("thickness_mm",),
        f"The thickness '{token.text}' {where} is thicker than the shop cuts {code or 'sheet'} "
        f"(up to {_thickness_limit(code):g} mm): "
        + (f"{maybe}? Check" if maybe else "check")
        + " the thickness.",
    )


def _read_unknown_material(info: NameInfo, tokens: list[_Token], thickness_token: _Token) -> None:
    """'0009-Closure-MNG-0.53mm-x18': a short capitalised word where the material goes, after
    the part, is a material code the shop does not know; it is not part of the part's name."""
    index = tokens.index(thickness_token)
    candidate = tokens[index - 1] if index > 0 else None
    if (
        candidate is None
        or candidate.kind != ""
        or not _UNKNOWN_MATERIAL.match(candidate.text)
        or not any(t.kind == "" for t in tokens[: index - 1])
    ):
        return
    candidate.kind = "unknown_material"
    codes = ", ".join(m.code for m in MATERIALS if m.code != "OTH")
    info._warn(
        ("material",),
        f"The material '{candidate.text}' in the name is not one of the shop's materials "
        f"({codes}): check the material.",
    )


def _warn_what_is_missing(info: NameInfo, stem: str) -> None:
    """A name that gives the material but no thickness, or leaves both blank ('- - -')."""
    if "thickness_mm" in info.fields or any("thickness" in w for w in info.warnings):
        return
    material = info.fields.get("material")
    if material is not None and material.source.startswith("file name"):
        info._warn(
            ("thickness_mm",),
            f"The name gives the material ({material.value}) but no thickness: check the "
            "thickness.",
        )
        return
    blanks = re.search(r"-(?:\s+-)+", stem)
    if blanks and material is None:
        info._warn(
            ("material", "thickness_mm"),
            f"The name leaves the material and the thickness blank ('{blanks.group(0)}'): "
            "check them.",
        )
