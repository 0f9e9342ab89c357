"""The one interface every file parser implements (STYLE.md rule 10).

A parser is a class with a `name`, a `score()` that says how well it fits a detected file type
(0 = not at all), and a `parse()` that returns a `ParseResult`. The registry
(`ingest.parsers.registry`) picks the highest-scoring parser; adding a file type touches no other
parser. Parsers are pure: they read a path and return data. They never touch the database, so
`manage.py inspect` and the worker run exactly the same code.

A parser module imports its libraries (PyMuPDF, openpyxl, Pillow, pytesseract, ezdxf, numpy)
inside `parse()` and `load_libraries()`, never at the top: every command and worker imports the
registry, and reading a DXF must not pay for loading PyMuPDF (tests/test_startup.py).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ParseError(Exception):
    """The file cannot be read. `str(exc)` is one line a person can act on (no traceback)."""

    def __init__(self, message: str, *, code: str = "unreadable"):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ParseWarning:
    """A problem worth a person's look that does not stop the file being used."""

    code: str  # stable, snake_case: "open_contour", "text_not_converted", "units_assumed_mm"
    message: str  # one sentence for the shop

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class DetectedType:
    """What the file is, judged from its bytes (and, as a tiebreak only, its name)."""

    kind: str  # "dxf", "lightburn", "pdf", "excel", "image", "unknown"
    mime: str  # e.g. "image/vnd.dxf", "application/pdf"
    extension: str  # the extension the stored name gets, lower case, no dot: "dxf", "lbrn2"
    detail: str = ""  # e.g. "binary", "ascii", "R2018"


@dataclass
class ParseContext:
    """What a parser may know besides the bytes."""

    original_name: str = ""  # the name the file arrived with (folder included when known)
    thickness_mm: float | None = None  # known thickness, for drawing checks (holes < thickness)
    material: str | None = None  # known material code
    chain_tolerance_mm: float = 0.01
    largest_sheet_mm: tuple[float, float] = (3000.0, 1500.0)
    ocr_language: str = "eng"
    max_image_pixels: int = 89_478_485
    excel_max_rows: int = 5000
    max_block_depth: int = 16
    max_closed_contours: int = 100_000  # a drawing with more is refused (nesting costs)
    # Layers that carry drawing aids, not cuts (fnmatch patterns, case-insensitive).
    non_cut_layers: tuple[str, ...] = (
        "CENTER*",
        "CENTRE*",
        "DIM*",
        "DEFPOINTS",
        "NOTE",
        "NOTES",
        "ANNO*",
        "TITLE*",
        "CONSTRUCTION*",
    )
    make_preview: bool = True
    progress: Callable[[float, str], None] | None = None  # (fraction 0..1, what is happening)

    def report(self, fraction: float, message: str = "") -> None:
        if self.progress is not None:
            self.progress(max(0.0, min(1.0, fraction)), message)


# Keys of ParseResult.metadata, the normalised vocabulary every parser fills as far as it can.
# `manage.py inspect --json` prints these (plus "type" and "warnings").
METADATA_KEYS = (
    "units",  # "mm" (always, after conversion) — and "source_units" the drawing declared
    "bbox_mm",  # [width, height]
    "cut_length_mm",
    "pierce_count",
    "part_count",
    "area_mm2",
    "holes",  # [{"diameter_mm": float, "center_mm": [x, y]}]: round holes
    "cutouts",  # [{"shape": "slot"|"rectangle"|"other", "size_mm": [w, h], "center_mm": [x, y]}]
    "closed_contours",
    "open_contours",
    "entity_counts",  # {"LINE": 12, ...}
    "layers",  # ["0", "CUT", ...]
    "material",  # code from DOMAIN.md: "MS", "GALV", ...
    "thickness_mm",
    "quantity",
)


@dataclass
class ParseResult:
    """What a parser found. `raw` is the full extraction (JSON-serialisable, kept as history);
    `metadata` uses the METADATA_KEYS vocabulary (missing keys mean "not known")."""

    kind: str
    raw: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[ParseWarning] = field(default_factory=list)
    preview_png: bytes | None = None
    parser: str = ""
    parser_version: str = "1"

    def warn(self, code: str, message: str) -> None:
        if not any(w.code == code and w.message == message for w in self.warnings):
            self.warnings.append(ParseWarning(code, message))


class Parser(ABC):
    """Base class of every parser. Subclasses register with `@registry.register`."""

    name: str = ""
    version: str = "1"

    @classmethod
    @abstractmethod
    def score(cls, detected: DetectedType) -> int:
        """How well this parser fits the detected type: 0 means it cannot parse it."""

    @classmethod
    def load_libraries(cls) -> None:
        """Import the libraries `parse()` needs. `parse()` imports them itself; a caller that is
        about to limit a reading's memory calls this first, because a library maps memory of its
        own when it is imported (numpy alone maps over 100 MB of address space)."""
        return  # a parser without libraries of its own has nothing to load

    @abstractmethod
    def parse(self, path: Path, context: ParseContext) -> ParseResult:
        """Read the file at `path`. Raise ParseError with one clear line when it cannot."""
