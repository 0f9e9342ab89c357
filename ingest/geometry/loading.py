"""Opening a DXF file: ASCII or binary, R12 to R2018, damaged files recovered, garbage refused.

Every failure becomes a `ParseError` whose message is one line a person can act on.
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import ezdxf
from ezdxf import recover
from ezdxf.document import Drawing

from ingest.parsers.base import ParseError

logger = logging.getLogger(__name__)

BINARY_SENTINEL = b"AutoCAD Binary DXF"
# The HEADER section, when present, is the first section of the file.
_ASCII_HEADER_RE = re.compile(rb"^\s*0\s*\r?\n\s*SECTION\s*\r?\n\s*2\s*\r?\n\s*HEADER\s*\r?\n")
_ASCII_EOF_RE = re.compile(rb"(^|\n)\s*0\s*\r?\n\s*EOF\s*(\r?\n|$)")

# $INSUNITS code -> (name, millimetres per drawing unit)
INSUNITS: dict[int, tuple[str, float]] = {
    1: ("in", 25.4),
    2: ("ft", 304.8),
    3: ("mi", 1_609_344.0),
    4: ("mm", 1.0),
    5: ("cm", 10.0),
    6: ("m", 1000.0),
    7: ("km", 1_000_000.0),
    8: ("µin", 25.4e-6),
    9: ("mil", 0.0254),
    10: ("yd", 914.4),
    11: ("Å", 1e-7),
    12: ("nm", 1e-6),
    13: ("µm", 1e-3),
    14: ("dm", 100.0),
    15: ("dam", 10_000.0),
    16: ("hm", 100_000.0),
    17: ("Gm", 1e12),
    18: ("au", 1.495978707e14),
    19: ("ly", 9.4607304725808e18),
    20: ("pc", 3.0856775814913673e19),
    21: ("us_ft", 1200.0 / 3937.0 * 1000.0),
    22: ("us_in", 100.0 / 3937.0 * 1000.0),
    23: ("us_yd", 3600.0 / 3937.0 * 1000.0),
    24: ("us_mi", 6336000.0 / 3937.0 * 1000.0),
}


@dataclass
class Units:
    """What one drawing unit is, and whether the drawing said so."""

    code: int | None  # $INSUNITS as written; None when the header has no $INSUNITS
    source_units: str  # "mm", "in", ... or "unitless"
    mm_per_unit: float
    assumed: bool  # True when the drawing did not declare units and millimetres are assumed


@dataclass
class LoadedDrawing:
    """An ezdxf document plus what we learnt while opening it."""

    doc: Drawing | None
    binary: bool
    recovered: bool
    recover_fixes: int = 0
    recover_errors: int = 0
    has_header: bool = True
    size_bytes: int = 0
    notes: list[str] = field(default_factory=list)

    def document(self) -> Drawing:
        """The open document (the analysis releases it, doc = None, once it is flattened)."""
        if self.doc is None:
            raise RuntimeError("the drawing's document was released after flattening")
        return self.doc


def load_drawing(path: Path) -> LoadedDrawing:
    """Open `path` with ezdxf; fall back to `ezdxf.recover` for damaged files.

    Raises ParseError (one line) for empty files, DWG or other non-DXF bytes, truncated files
    and files that cannot be repaired.
    """
    path = Path(path)
    size, head, tail = _read_ends(path)
    binary = head.startswith(BINARY_SENTINEL)
    _refuse_what_is_not_dxf(size, head, binary)
    has_header = _has_header(head, binary)
    try:
        doc = ezdxf.readfile(str(path))
        return LoadedDrawing(doc, binary, False, has_header=has_header, size_bytes=size)
    except RecursionError as exc:  # deeply nested structures inside ezdxf itself
        raise ParseError("The DXF structure is nested too deeply to read.") from exc
    except MemoryError:  # a large file, not a damaged one: recovering it would only take more
        raise
    except Exception as exc:  # ezdxf raises many kinds (even StopIteration) on broken input
        first_error = _one_line(exc)
    logger.info("ezdxf.readfile failed on %s (%s); trying ezdxf.recover", path.name, first_error)
    if binary:
        raise ParseError(
            f"The binary DXF file is damaged or truncated and cannot be read ({first_error}).",
            code="damaged",
        )
    return _recover(path, tail, has_header=has_header, size=size, first_error=first_error)


def _read_ends(path: Path) -> tuple[int, bytes, bytes]:
    """The file's size and its first and last 4 KB."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(4096)
            fh.seek(max(0, size - 4096))
            tail = fh.read(4096)
    except OSError as exc:
        raise ParseError(f"The file cannot be opened: {exc.strerror or exc}.") from exc
    return size, head, tail


def _refuse_what_is_not_dxf(size: int, head: bytes, binary: bool) -> None:
    """Empty files, DWG files and other bytes named .dxf: a ParseError that says which."""
    if size == 0:
        raise ParseError("The file is empty (0 bytes).", code="empty_file")
    if head[:4] == b"AC10" or head[:6] == b"AC1.50":
        raise ParseError(
            "This is a DWG file, not a DXF: save or export it as DXF and upload it again.",
            code="not_dxf",
        )
    if not binary and not _looks_like_ascii_dxf(head):
        raise ParseError(
            "This is not a DXF file: it does not start with DXF group codes "
            "(binary data or another format named .dxf).",
            code="not_dxf",
        )


def _recover(
    path: Path, tail: bytes, *, has_header: bool, size: int, first_error: str
) -> LoadedDrawing:
    """A damaged ASCII DXF read by `ezdxf.recover`; refused when nothing could be recovered
    from a file that stops before its end-of-file marker."""
    try:
        doc, auditor = recover.readfile(str(path))
    except RecursionError as exc:
        raise ParseError("The DXF structure is nested too deeply to read.") from exc
    except Exception as exc:
        raise ParseError(
            f"The DXF file is damaged and could not be repaired: {_one_line(exc)}",
            code="damaged",
        ) from exc
    ends_properly = bool(_ASCII_EOF_RE.search(tail))
    if not ends_properly and len(doc.modelspace()) == 0:
        raise ParseError(
            "The DXF file is truncated (it stops before the end-of-file marker and nothing "
            "could be recovered); ask for the complete file.",
            code="truncated",
        )
    notes = [first_error]
    if not ends_properly:
        notes.append("no end-of-file marker: the file may be incomplete")
    return LoadedDrawing(
        doc,
        binary=False,  # a binary file is not recovered (load_drawing refuses it)
        recovered=True,
        recover_fixes=len(auditor.fixes),
        recover_errors=len(auditor.errors),
        has_header=has_header,
        size_bytes=size,
        notes=notes,
    )


def drawing_units(loaded: LoadedDrawing) -> Units:
    """Units from $INSUNITS; 0, absent or unknown means millimetres, flagged as assumed.

    ezdxf invents a default header (with $INSUNITS = 6, metres) for files that have no HEADER
    section, so the header is trusted only when the file really has one.
    """
    doc = loaded.doc
    code: int | None = None
    if doc is not None and loaded.has_header and "$INSUNITS" in doc.header:
        try:
            code = int(doc.header.get("$INSUNITS", 0))
        except (TypeError, ValueError):
            code = None
    if code in INSUNITS:
        name, factor = INSUNITS[code]
        return Units(code, name, factor, assumed=False)
    return Units(code, "unitless", 1.0, assumed=True)


def header_summary(doc: Drawing, has_header: bool) -> dict[str, object]:
    """A few header variables worth keeping (JSON-safe)."""
    out: dict[str, object] = {}
    if not has_header:
        return out
    for name in ("$ACADVER", "$INSUNITS", "$MEASUREMENT", "$DWGCODEPAGE", "$LUNITS"):
        if name in doc.header:
            value = doc.header.get(name)
            out[name] = value if isinstance(value, int | float | str) else str(value)
    for name in ("$EXTMIN", "$EXTMAX"):
        if name in doc.header:
            with contextlib.suppress(TypeError, ValueError):
                out[name] = [round(float(v), 6) for v in doc.header.get(name)][:3]
    return out


def _looks_like_ascii_dxf(head: bytes) -> bool:
    """True when the file starts with a DXF group code line followed by a value line."""
    text = head.lstrip(b"\xef\xbb\xbf")
    lines = text.split(b"\n", 3)
    if len(lines) < 2:
        return False
    code = lines[0].strip()
    if not code.lstrip(b"-").isdigit() or len(code) > 6:
        return False
    # Group code 0 (start of a structure) or 999 (comment) must come first.
    return int(code) in (0, 999)


def _has_header(head: bytes, binary: bool) -> bool:
    if binary:
        body = head[len(BINARY_SENTINEL) :]
        return b"HEADER" in body[:64]
    text = head.lstrip(b"\xef\xbb\xbf")
    while text.lstrip().startswith(b"999"):  # skip leading comments
        text = text.lstrip().split(b"\n", 2)[-1]
    return bool(_ASCII_HEADER_RE.match(text))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    text = text.replace("DXFStructureError: ", "")
    return text[:200]
