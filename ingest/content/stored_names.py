"""The names we store files under: DOMAIN.md's conventional name (`stored_name()`), a part name
fit for it (`safe_part_name()`), and `safe_filename()`, which turns anything a client sends into a
name that cannot escape its folder."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from inventory.constants import material_code

from .naming import normalise_client_code, normalise_project_code

PART_MAX_CHARS = 60
FILENAME_MAX_BYTES = 200

_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CLOCK$", "CONIN$", "CONOUT$"}
    | {f"COM{n}" for n in range(10)}
    | {f"LPT{n}" for n in range(10)}
    | {"COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³"}
)
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')


def stored_name(
    client_code: str | None,
    project_code: str | None,
    part: str,
    material: str | None,
    thickness_mm: float | Decimal | str | None,
    quantity: int | None,
    version: int,
    ext: str,
) -> str:
    """DOMAIN.md's stored name: `{CLIENT}-{PROJECT}-{Part}-{MAT}-{T}mm-x{Qty}-v{NNN}.{ext}`.

    The client is written without its dash (CL0001); unknown material, thickness or quantity are
    left out rather than guessed. The result is always a safe single file name."""
    if int(version) < 1:
        raise ValueError("version numbers start at 1")
    extension = re.sub(r"[^a-z0-9]", "", (ext or "").lower().lstrip("."))[:10]
    if not extension:
        raise ValueError(f"not a usable file extension: {ext!r}")
    pieces: list[str] = []
    client = normalise_client_code(client_code)
    if client:
        pieces.append(client.replace("-", ""))
    elif client_code:
        pieces.append(_safe_code(client_code))
    if project_code:
        pieces.append(normalise_project_code(project_code) or _safe_code(project_code))
    pieces.append(safe_part_name(part))
    if material:
        code = material_code(material)
        pieces.append(code or _safe_code(material)[:8].upper())
    thickness = _thickness_text(thickness_mm)
    if thickness:
        pieces.append(f"{thickness}mm")
    if quantity is not None:
        if int(quantity) < 0:
            raise ValueError("quantity cannot be negative")
        if int(quantity) > 0:
            pieces.append(f"x{int(quantity)}")
    pieces.append(f"v{int(version):03d}")
    return safe_filename("-".join(p for p in pieces if p) + "." + extension)


def safe_part_name(part: str | None) -> str:
    """A part name fit for a stored file name: CamelCase words, unicode letters kept, decimal
    numbers kept (`200.125`), nothing else — no separators, no dashes, no "..". Never empty."""
    text = unicodedata.normalize("NFC", part or "")
    words = re.findall(r"\d+(?:\.\d+)*[^\W_]*|[^\W_]+", text)
    camel = "".join(word[:1].upper() + word[1:] for word in words)
    return camel[:PART_MAX_CHARS].rstrip(".") or "Part"


def safe_filename(name: str) -> str:
    """A name that is safe to create inside a folder on any system, whatever the client sent.

    Keeps only the last path component, drops NUL, control and invisible format characters,
    replaces characters Windows forbids, refuses '.', '..', hidden dot-names and Windows device
    names, and limits the length (keeping the extension). Unicode letters are kept."""
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\x00", "")
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(
        " " if unicodedata.category(ch) in ("Zl", "Zp") or ch in "\t\n\r\v\f" else ch
        for ch in text
        if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn") or ch in "\t\n\r\v\f"
    )
    text = _WINDOWS_FORBIDDEN.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    if not text:
        return "file"
    stem, dot, extension = text.rpartition(".")
    if not dot:
        stem, extension = text, ""
    if stem.split(".")[0].strip().upper() in _WINDOWS_RESERVED:
        text = "_" + text
        stem = "_" + stem
    if len(text.encode("utf-8")) > FILENAME_MAX_BYTES:
        suffix = f".{extension}" if dot and len(extension) <= 10 else ""
        base = stem if suffix else text
        budget = FILENAME_MAX_BYTES - len(suffix.encode("utf-8"))
        base = base.encode("utf-8")[:budget].decode("utf-8", errors="ignore").rstrip(" .")
        text = (base or "file") + suffix
    return text


def _safe_code(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "", text)[:40]


def _thickness_text(value: float | Decimal | str | None) -> str:
    if value is None or value == "":
        return ""
    number = Decimal(str(value)).quantize(Decimal("0.001"))
    if number <= 0:
        return ""
    text = format(number.normalize(), "f")
    return text
