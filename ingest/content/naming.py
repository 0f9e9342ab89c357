"""File and folder names people wrote: read them leniently, never trust them.

`parse_name()` reads an incoming name — the shop's own folders hold
`0001-Rectangle Drain-Galv-1.2mm-x20.dxf`, `Sureaz-0.47-x1`, `W - VA3 - Channel - Rev 1 .dxf` —
and says for every value it found how sure it is and where it came from. The names we write are
in `stored_names`.

Forms whose meaning is clear are read with a lower confidence and a note saying how: roof
sheeting's thickness typed without its point (`MS-053mm` is 0.53 mm when 0.53 is a thickness mild
steel comes in), a dot for the dash before the quantity (`Galv-1.2mm.x5`), `x_2` in an underscored
name. Where the meaning is not clear nothing is guessed and `warnings` says what to check.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from inventory.constants import COMMON_THICKNESSES_MM, MATERIALS, material_code, material_spec

# Extensions stripped from a file name before it is read (anything else stays part of the name:
# "Sureaz-0.47-x1" has no extension, and ".47-x1" is not one).
KNOWN_EXTENSIONS = frozenset(
    {
        "dxf", "dwg", "lbrn", "lbrn2", "pdf", "xlsx", "xlsm", "xls", "csv", "png", "jpg",
        "jpeg", "tif", "tiff", "bmp", "gif", "webp", "heic", "svg", "ai", "eps", "step", "stp",
        "nc", "gcode", "fsm", "zip", "txt", "doc", "docx", "ifc",
    }
)  # fmt: skip
MAX_PLAUSIBLE_THICKNESS_MM = 30.0
# Roof sheeting's gauges (mm), which names often type without the point ("053mm"). With DOMAIN.md's
# common thicknesses, up to a material's machine limit, they are the thicknesses a sheet comes in.
ROOF_SHEETING_THICKNESSES_MM = ("0.47", "0.5", "0.53", "0.58")
# A confidence taken off a value read from a form by its meaning rather than its shape.
ODD_FORM_PENALTY = 0.2

_NUMBER = r"\d+(?:[.,]\d+)?"
_THICKNESS_MM = re.compile(rf"^({_NUMBER})\s*mm$", re.IGNORECASE)
_THICKNESS_T = re.compile(rf"^t\s*({_NUMBER})$", re.IGNORECASE)
_BARE_NUMBER = re.compile(rf"^({_NUMBER})$")
_QUANTITY = re.compile(
    r"^(?:x[\s_]*(\d+)|qty\.?\s*:?\s*(\d+)|(\d+)\s*(?:pcs?|off|stk))$", re.IGNORECASE
)
# a thickness typed without its point: "053mm", "05", "53mm" (digits only, two or three)
_NO_POINT = re.compile(r"^(\d{2,3})\s*(?:mm)?$", re.IGNORECASE)
# a dot where the dash goes: "1.2mm.x5" (thickness.quantity), "Galv.1.2mm" (material.thickness)
_DOTTED_QUANTITY = re.compile(r"^(.+?)\.\s*(x\s*\d+)$", re.IGNORECASE)
_DOTTED_THICKNESS = re.compile(rf"^([^\W\d_]+)\.\s*({_NUMBER}\s*mm)$", re.IGNORECASE)
_UNKNOWN_MATERIAL = re.compile(r"^[A-Z]{2,5}$")
_VERSION = re.compile(r"^v(\d{1,4})$", re.IGNORECASE)
_REVISION_TOKEN = re.compile(
    r"^(?:rev(?:ision)?|ver(?:sion)?)\.?\s*([0-9A-Za-z][\w.]*)$", re.IGNORECASE
)
_REVISION_SUFFIX = re.compile(
    r"[\s_-]+(?:rev(?:ision)?|version|ver)\.?\s*(\d[\w.]*)\s*$", re.IGNORECASE
)
_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_PROJECT_NUMBER = re.compile(r"^\d{3,5}$")
_USER_CODE = re.compile(r"^[A-Z]{2,6}$")
_CLIENT_CODE = re.compile(r"(?<![A-Za-z0-9])CL-?(\d{1,4})(?![0-9])", re.IGNORECASE)
_PROJECT_CODE = re.compile(
    r"(?<![A-Za-z0-9])JB-(\d{4})-(\d{1,2})-CL-?(\d{1,4})-(\d{1,4})(?![0-9])", re.IGNORECASE
)
_PROJECT_FOLDER = re.compile(
    r"^(\d{3,5})\s*-\s*(.+?)\s*-\s*(\d{1,2}\.\d{1,2}\.\d{4})(?:\s*-\s*(.*))?$"
)
_PROJECT_FOLDER_NO_DATE = re.compile(r"^(\d{3,5})\s*-\s*(.+)$")


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


# --- public helpers --------------------------------------------------------------------------


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


def parse_name(name: str) -> NameInfo:
    """Read material, thickness, quantity, part, client, project (and more) from a name.

    `name` may hold folders (`CL-0003/1.Projects/0002-Blue Plate-10.07.2025/part.dxf`); a name
    ending in a slash is a folder only. Nothing here raises: what is not understood is listed in
    `unparsed`."""
    info = NameInfo(original=name or "")
    components = [c.strip() for c in re.split(r"[\\/]+", name or "")]
    is_folder_only = bool(name) and name.rstrip()[-1:] in ("/", "\\")
    components = [c for c in components if c]
    if not components:
        return info
    folders = components if is_folder_only else components[:-1]
    for depth, folder in enumerate(folders):
        _read_folder(info, folder, depth)
    if not is_folder_only:
        _read_file_name(info, components[-1])
    _fill_material_from_folders(info, folders)
    return info


# --- reading file names ----------------------------------------------------------------------


def _read_file_name(info: NameInfo, file_name: str) -> None:
    stem = file_name
    if "." in stem:
        head, extension = stem.rsplit(".", 1)
        if extension.strip().lower() in KNOWN_EXTENSIONS and head.strip():
            stem = head
            info._set("extension", extension.strip().lower(), 1.0, "file name")
    stem = _take_codes(info, stem, where="file name", confidence=0.95)
    revision = _REVISION_SUFFIX.search(stem)
    if revision:
        info._set("revision", revision.group(1), 0.7, f"file name '{revision.group(0).strip()}'")
        stem = stem[: revision.start()]
    tokens = _tokenise(stem)
    if not tokens:
        return
    _classify(info, stem, tokens)
    _warn_what_is_missing(info, stem)


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


def _tokenise(stem: str) -> list[_Token]:
    """Split on dashes (or underscores when there are no dashes); split 'Galv 1.2mm' further."""
    separator = "-" if "-" in stem or "_" not in stem else "_"
    tokens: list[_Token] = []
    position = 0
    for piece in stem.split(separator):
        start = position + (len(piece) - len(piece.lstrip()))
        text = piece.strip()
        position += len(piece) + 1
        if not text:
            continue
        words = list(re.finditer(r"\S+", text))
        if len(words) > 1 and all(_is_tail_word(w.group(0)) for w in words):
            tokens.extend(_Token(w.group(0), start + w.start(), start + w.end()) for w in words)
        else:
            tokens.extend(_split_dotted(_Token(text, start, start + len(text))))
    if separator == "_":
        tokens = _join_underscored_quantity(tokens, stem)
    if tokens and not any(_is_tail_word(t.text) for t in tokens):
        # No dashes around the material/thickness/quantity ("Bracket Galv 1.2mm x5"): take the
        # trailing words of the last token that are such values.
        last = tokens.pop()
        words = list(re.finditer(r"\S+", last.text))
        cut = len(words)
        while cut > 1 and _is_tail_word(words[cut - 1].group(0)):
            cut -= 1
        head_end = words[cut - 1].end()
        tokens.append(_Token(last.text[:head_end], last.start, last.start + head_end))
        tokens.extend(
            _Token(w.group(0), last.start + w.start(), last.start + w.end()) for w in words[cut:]
        )
    return tokens


def _split_dotted(token: _Token) -> list[_Token]:
    """'1.2mm.x5' is the thickness and the quantity, 'Galv.1.2mm' the material and the
    thickness: a dot where the name's dash goes. Anything else stays one token."""
    for pattern, first_is in (
        (_DOTTED_QUANTITY, lambda t: _thickness_value(t) is not None or material_code(t)),
        (_DOTTED_THICKNESS, lambda t: len(t) > 1 and material_code(t)),
    ):
        match = pattern.match(token.text)
        if match and first_is(match.group(1)) and _is_tail_word(match.group(2)):
            head, tail = match.group(1), match.group(2)
            tail_start = token.start + match.start(2)
            return [
                _Token(head, token.start, token.start + len(head)),
                _Token(tail, tail_start, token.end, odd=token.text),
            ]
    return [token]


def _join_underscored_quantity(tokens: list[_Token], stem: str) -> list[_Token]:
    """'Top_Wall_5mm_x_1': a lone 'x' and the number after it are the quantity ('x_1'), unless
    a number comes before it ('Plate_300_x_500' is a size)."""
    joined: list[_Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if (
            token.text.lower() == "x"
            and following is not None
            and re.fullmatch(r"\d{1,5}", following.text)
            and not (joined and _BARE_NUMBER.match(joined[-1].text))
        ):
            text = stem[token.start : following.end]
            joined.append(_Token(text, token.start, following.end, odd=text))
            index += 2
            continue
        joined.append(token)
        index += 1
    return joined


def _is_tail_word(word: str) -> bool:
    return bool(
        (len(word) > 1 and material_code(word))
        or _THICKNESS_MM.match(word)
        or _QUANTITY.match(word)
    )


def _to_mm(text: str) -> float:
    return round(float(text.replace(",", ".")), 3)


def _classify(info: NameInfo, stem: str, tokens: list[_Token]) -> None:
    """Give each token of a file name its kind and read what it says, in this order: the leading
    project number and user code, the kinds, the version, the quantity, the material, the
    thickness (and a bare quantity after it), revisions and dates, then the part."""
    first = _read_leading_codes(info, tokens)
    _mark_kinds(tokens[first:])
    _read_version(info, tokens)
    _read_quantity(info, tokens)
    material_token = _read_material(info, tokens)
    thickness_token = _choose_thickness(info, tokens, material_token)
    if thickness_token is not None:
        _read_bare_quantity(info, tokens, thickness_token)
        if material_token is None and "-" in stem:
            _read_unknown_material(info, tokens, thickness_token)
    _read_revisions_and_dates(info, tokens)
    for token in tokens:  # material words the chooser passed over are ordinary words
        if token.kind == "material" and token is not material_token:
            token.kind = ""
    _read_part(info, stem, tokens)


def _read_leading_codes(info: NameInfo, tokens: list[_Token]) -> int:
    """The leading project number (0001) and user code (DEOA, OGOA) of the shop's and the
    blueprint form; returns how many tokens they took."""
    first = 0
    if len(tokens) > 1 and _PROJECT_NUMBER.match(tokens[0].text):
        tokens[0].kind = "project_number"
        info._set("project_number", tokens[0].text, 0.7, f"file name '{tokens[0].text}'")
        first = 1
    if (
        len(tokens) > first + 2
        and _USER_CODE.match(tokens[first].text)
        and not material_code(tokens[first].text)
    ):
        tokens[first].kind = "user_code"
        info._set("user_code", tokens[first].text, 0.6, f"file name '{tokens[first].text}'")
        first += 1
    return first


def _mark_kinds(tokens: list[_Token]) -> None:
    for token in tokens:
        if _QUANTITY.match(token.text):
            token.kind = "quantity"
        elif _REVISION_TOKEN.match(token.text):
            token.kind = "revision"
        elif _DATE.match(token.text):
            token.kind = "date"
        elif material_code(token.text):
            token.kind = "material"


def _read_version(info: NameInfo, tokens: list[_Token]) -> None:
    """A version (v003) is the last token, after the material/thickness/quantity it follows."""
    last = tokens[-1]
    version = _VERSION.match(last.text)
    if version and any(t.kind in ("material", "quantity") for t in tokens):
        last.kind = "version"
        info._set("version", int(version.group(1)), 0.9, f"file name '{last.text}'")


def _read_quantity(info: NameInfo, tokens: list[_Token]) -> None:
    """The last quantity token counts (x17, qty 17, 17pcs, 17 off); others are ordinary words."""
    quantities = [t for t in tokens if t.kind == "quantity"]
    for extra in quantities[:-1]:
        extra.kind = ""
    if not quantities:
        return
    token = quantities[-1]
    match = _QUANTITY.match(token.text)  # it did, when the token was marked a quantity
    if match is None:
        return
    groups = match.groups()
    value = int(next(g for g in groups if g is not None))
    if value > 0:
        confidence = 0.95 if token is _last_meaningful(tokens) else 0.85
        if token.odd:
            confidence -= ODD_FORM_PENALTY
            if "." in token.odd:
                info.notes.append(
                    f"'{token.odd}' read as {value} off: a dot where the name usually has a dash"
                )
        info._set("quantity", value, confidence, f"file name '{token.text}'")
    else:
        info.notes.append(f"quantity '{token.text}' in the name is zero; ignored")


def _read_material(info: NameInfo, tokens: list[_Token]) -> _Token | None:
    material_token = _choose_material(tokens)
    if material_token is not None:
        code = material_code(material_token.text)
        confidence = 0.5 if len(material_token.text.strip()) == 1 else 0.9
        info._set("material", code, confidence, f"file name '{material_token.text}'")
    return material_token


def _read_bare_quantity(info: NameInfo, tokens: list[_Token], thickness_token: _Token) -> None:
    """The blueprint form writes the quantity bare after the thickness: [MAT]-[THK]-[QTY]."""
    index = tokens.index(thickness_token)
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if (
        "quantity" not in info.fields
        and following is not None
        and following.kind == ""
        and re.fullmatch(r"\d{1,5}", following.text)
    ):
        following.kind = "quantity"
        info._set("quantity", int(following.text), 0.6, f"file name '{following.text}'")


def _read_revisions_and_dates(info: NameInfo, tokens: list[_Token]) -> None:
    for token in tokens:
        revision = _REVISION_TOKEN.match(token.text) if token.kind == "revision" else None
        if revision is not None:
            info._set("revision", revision.group(1), 0.7, f"file name '{token.text}'")
        elif token.kind == "date":
            parsed = _parse_date(token.text)
            if parsed:
                info._set("project_date", parsed[0], parsed[1] - 0.2, f"file name '{token.text}'")


def _read_part(info: NameInfo, stem: str, tokens: list[_Token]) -> None:
    """The part is what nobody else claimed, up to the first material/thickness/quantity token."""
    tail_kinds = (
        "material", "unknown_material", "thickness", "quantity", "version", "revision", "date",
    )  # fmt: skip
    tail_start = next((i for i, t in enumerate(tokens) if t.kind in tail_kinds), len(tokens))
    part_tokens = [t for t in tokens[:tail_start] if t.kind == ""]
    info.unparsed.extend(t.text for t in tokens[tail_start:] if t.kind == "")
    if part_tokens:
        part = stem[part_tokens[0].start : part_tokens[-1].end].strip(" -_")
        structured = tail_start < len(tokens)
        info._set("part", part, 0.8 if structured else 0.5, f"file name '{part}'")


def _last_meaningful(tokens: list[_Token]) -> _Token | None:
    return next((t for t in reversed(tokens) if t.kind not in ("version", "revision")), None)


def _choose_material(tokens: list[_Token]) -> _Token | None:
    candidates = [t for t in tokens if t.kind == "material"]
    if not candidates:
        return None

    def followed_by_tail(token: _Token) -> bool:
        index = tokens.index(token)
        if index + 1 >= len(tokens):
            return True
        following = tokens[index + 1]
        return following.kind == "quantity" or _thickness_value(following.text) is not None

    strong = [t for t in candidates if len(t.text) > 1 and followed_by_tail(t)]
    if strong:
        return strong[-1]
    multi_letter = [t for t in candidates if len(t.text) > 1]
    if multi_letter:
        return multi_letter[-1]
    lone = candidates[-1]
    return lone if followed_by_tail(lone) else None


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


# --- reading folder names --------------------------------------------------------------------


def _read_folder(info: NameInfo, folder: str, depth: int) -> None:
    where = "folder"
    # Deeper folders are closer to the file and win ties.
    bonus = min(depth, 9) * 0.001
    if normalise_client_code(folder):
        info._set("client_code", normalise_client_code(folder), 0.95 + bonus, f"{where} '{folder}'")
        return
    if normalise_project_code(folder):
        code = normalise_project_code(folder)
        info._set("project_code", code, 0.95 + bonus, f"{where} '{folder}'")
        return
    match = _PROJECT_FOLDER.match(folder)
    if match:
        number, project_name, date_text, extra = match.groups()
        info._set("project_number", number, 0.9 + bonus, f"{where} '{folder}'")
        info._set("project_name", project_name.strip(), 0.85 + bonus, f"{where} '{folder}'")
        parsed = _parse_date(date_text)
        if parsed:
            info._set("project_date", parsed[0], parsed[1] + bonus, f"{where} '{folder}'")
        else:
            info.notes.append(f"'{date_text}' in folder '{folder}' is not a date")
        if extra:
            info.unparsed.append(extra)
        return
    match = _PROJECT_FOLDER_NO_DATE.match(folder)
    if match:
        info._set("project_number", match.group(1), 0.6 + bonus, f"{where} '{folder}'")
        info._set("project_name", match.group(2).strip(), 0.5 + bonus, f"{where} '{folder}'")
        return
    code_text = _take_codes(info, folder, where=where, confidence=0.8 + bonus)
    del code_text


def _parse_date(text: str) -> tuple[datetime.date, float] | None:
    """The shop writes month.day.year; a first number above 12 can only be a day."""
    match = _DATE.match(text.strip())
    if not match:
        return None
    first, second, year = (int(g) for g in match.groups())
    readings = []
    if 1 <= first <= 12:
        readings.append((year, first, second, 0.95 if second > 12 else 0.8))
    if 1 <= second <= 12 and first > 12:
        readings.append((year, second, first, 0.5))
    for y, month, day, confidence in readings:
        try:
            return datetime.date(y, month, day), confidence
        except ValueError:
            continue
    return None


def _fill_material_from_folders(info: NameInfo, folders: list[str]) -> None:
    """A material named in a project folder ('0007-75mm galv') is a weak hint for its files."""
    if "material" in info.fields:
        return
    for folder in reversed(folders):
        match = _PROJECT_FOLDER.match(folder) or _PROJECT_FOLDER_NO_DATE.match(folder)
        if not match:
            continue
        for word in re.findall(r"[^\W\d_]{2,}", match.group(2)):
            code = material_code(word)
            if code:
                info._set("material", code, 0.4, f"folder '{folder}'")
                return


# --- small helpers ---------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value
