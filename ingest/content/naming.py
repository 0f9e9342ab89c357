"""File and folder names people wrote: read them leniently, never trust them.

`parse_name()` reads an incoming name — the shop's own folders hold
`0001-Rectangle Drain-Galv-1.2mm-x20.dxf`, `Sureaz-0.47-x1`, `W - VA3 - Channel - Rev 1 .dxf` —
and says for every value it found how sure it is and where it came from. The names we write are
in `stored_names`.

Forms whose meaning is clear are read with a lower confidence and a note saying how: roof
sheeting's thickness typed without its point (`MS-053mm` is 0.53 mm when 0.53 is a thickness mild
steel comes in), a dot for the dash before the quantity (`Galv-1.2mm.x5`), `x_2` in an underscored
name. Where the meaning is not clear nothing is guessed and `warnings` says what to check.

This module reads a file name's pieces; the thickness and its odd forms are chosen in
`name_thickness`, folder names read in `name_folders`, and `NameInfo` with what they share lives
in `name_info` (all importable from here).
"""

from __future__ import annotations

import re

from inventory.constants import material_code

from .name_folders import _fill_material_from_folders, _parse_date, _read_folder
from .name_info import (
    _BARE_NUMBER,
    _DATE,
    _NUMBER,
    _THICKNESS_MM,
    ODD_FORM_PENALTY,
    NameField,
    NameInfo,
    _take_codes,
    _Token,
    normalise_client_code,
    normalise_project_code,
)
from .name_thickness import (
    MAX_PLAUSIBLE_THICKNESS_MM,
    ROOF_SHEETING_THICKNESSES_MM,
    _choose_thickness,
    _read_unknown_material,
    _thickness_value,
    _warn_what_is_missing,
)

__all__ = [
    "KNOWN_EXTENSIONS",
    "MAX_PLAUSIBLE_THICKNESS_MM",
    "ODD_FORM_PENALTY",
    "ROOF_SHEETING_THICKNESSES_MM",
    "NameField",
    "NameInfo",
    "normalise_client_code",
    "normalise_project_code",
    "parse_name",
]

# Extensions stripped from a file name before it is read (anything else stays part of the name:
# "Sureaz-0.47-x1" has no extension, and ".47-x1" is not one).
KNOWN_EXTENSIONS = frozenset(
    {
        "dxf", "dwg", "lbrn", "lbrn2", "pdf", "xlsx", "xlsm", "xls", "csv", "png", "jpg",
        "jpeg", "tif", "tiff", "bmp", "gif", "webp", "heic", "svg", "ai", "eps", "step", "stp",
        "nc", "gcode", "fsm", "zip", "txt", "doc", "docx", "ifc",
    }
)  # fmt: skip
_QUANTITY = re.compile(
    r"^(?:x[\s_]*(\d+)|qty\.?\s*:?\s*(\d+)|(\d+)\s*(?:pcs?|off|stk))$", re.IGNORECASE
)
# a dot where the dash goes: "1.2mm.x5" (thickness.quantity), "Galv.1.2mm" (material.thickness)
_DOTTED_QUANTITY = re.compile(r"^(.+?)\.\s*(x\s*\d+)$", re.IGNORECASE)
_DOTTED_THICKNESS = re.compile(rf"^([^\W\d_]+)\.\s*({_NUMBER}\s*mm)$", re.IGNORECASE)
_VERSION = re.compile(r"^v(\d{1,4})$", re.IGNORECASE)
_REVISION_TOKEN = re.compile(
    r"^(?:rev(?:ision)?|ver(?:sion)?)\.?\s*([0-9A-Za-z][\w.]*)$", re.IGNORECASE
)
_REVISION_SUFFIX = re.compile(
    r"[\s_-]+(?:rev(?:ision)?|version|ver)\.?\s*(\d[\w.]*)\s*$", re.IGNORECASE
)
_PROJECT_NUMBER = re.compile(r"^\d{3,5}$")
_USER_CODE = re.compile(r"^[A-Z]{2,6}$")


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
