"""One file in, one ParseResult out: the path `manage.py inspect` and the worker both take.

detect the type from the bytes -> pick the parser -> parse -> read the name -> merge. The content
wins: where the drawing and the name disagree on material, thickness or quantity the drawing's value
is kept and a `name_content_mismatch` warning says what differed; values only the name knows are
filled in, and `raw["name"]` records where each came from.

Importing this module loads no file library: each parser imports its own (ezdxf and numpy,
PyMuPDF, openpyxl, Pillow, pytesseract) when it reads, so reading a DXF never pays for PyMuPDF.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..parsers import registry
from ..parsers.base import METADATA_KEYS, DetectedType, ParseContext, ParseError, ParseResult
from .detect import Unreadable, detect_readable, detect_type, extension_mismatch
from .naming import NameInfo, parse_name

logger = logging.getLogger(__name__)

# Values read from a name below this confidence are recorded in raw["name"] but not used.
NAME_FILL_MIN_CONFIDENCE = 0.5
# Thicknesses closer than this are the same thickness (mm).
THICKNESS_MATCH_TOLERANCE_MM = 0.01

MERGED_KEYS = ("material", "thickness_mm", "quantity")


def analyse(path: Path, context: ParseContext) -> ParseResult:
    """Detect, parse and merge what the content and the name say about one file.

    Raises ParseError (one clear line) when the type is not supported or the file cannot be read."""
    path = Path(path)
    try:
        detected = detect_readable(path, context.original_name)
    except Unreadable as exc:
        raise ParseError(f"unsupported file type: {exc.what}", code="unsupported") from None
    parser = registry.parser_for(detected)
    if parser is None:
        raise ParseError(
            f"unsupported file type: no parser reads {detected.kind} files yet", code="unsupported"
        )

    name_info = parse_name(context.original_name) if context.original_name else NameInfo("")
    parse_context = _context_with_name(context, name_info)
    try:
        result = parser.parse(path, parse_context)
    except ParseError:
        raise
    except Exception as exc:  # a parser bug must still end as a reason a person can act on
        logger.exception("parser %s crashed on %s", parser.name, path)
        raise ParseError(
            f"the {parser.name} reader failed on this file ({type(exc).__name__}); "
            "the error has been logged",
            code="parser_error",
        ) from exc

    result.parser = result.parser or parser.name
    result.raw["detected"] = dataclasses.asdict(detected)
    mismatch = extension_mismatch(detected, context.original_name)
    if mismatch:
        result.warn("extension_mismatch", mismatch[:1].upper() + mismatch[1:] + ".")
    given = [key for key in ("thickness_mm", "material") if getattr(context, key) is not None]
    _merge_name(result, name_info, given)
    return result


def load_libraries(path: Path, context: ParseContext) -> None:
    """Import the libraries of the parser that will read this file, before a caller limits the
    reading's memory (`ingest.memory.memory_ceiling`), so that what they map is not counted
    against the file. A file no parser reads, or that cannot be opened, loads nothing;
    `analyse()` says why."""
    try:
        detected = detect_type(Path(path), context.original_name)
    except OSError:
        return
    registry.load_libraries(detected)


def result_as_json(result: ParseResult, detected: DetectedType | None = None) -> dict[str, Any]:
    """Exactly the object `manage.py inspect --json` prints; every key is always present.

    `detected` defaults to the type `analyse()` recorded in `result.raw["detected"]`."""
    if detected is None and isinstance(result.raw.get("detected"), dict):
        detected = DetectedType(**result.raw["detected"])
    metadata = result.metadata
    output: dict[str, Any] = {
        "type": detected.kind if detected else result.kind,
        "detail": detected.detail if detected else "",
        "extension": detected.extension if detected else None,
        "parser": result.parser or None,
        "parser_version": result.parser_version,
    }
    for key in METADATA_KEYS:
        output[key] = _jsonable(metadata.get(key))
    if output["units"] is None and output["bbox_mm"] is not None:
        output["units"] = "mm"
    output["warnings"] = [warning.as_dict() for warning in result.warnings]
    return output


def _context_with_name(context: ParseContext, name_info: NameInfo) -> ParseContext:
    """Give the parser the name's thickness and material for its drawing checks when the caller
    knows none (the result still says the content's values, not these)."""
    changes: dict[str, Any] = {}
    if (
        context.thickness_mm is None
        and name_info.confidence("thickness_mm") >= NAME_FILL_MIN_CONFIDENCE
    ):
        changes["thickness_mm"] = name_info.value("thickness_mm")
    if context.material is None and name_info.confidence("material") >= NAME_FILL_MIN_CONFIDENCE:
        changes["material"] = name_info.value("material")
    return dataclasses.replace(context, **changes) if changes else context


def _merge_name(
    result: ParseResult, name_info: NameInfo, given: Iterable[str] | None = None
) -> None:
    metadata = result.metadata
    name_raw = name_info.as_dict()
    filled: dict[str, Any] = {}
    disagreements: dict[str, Any] = {}
    for key in MERGED_KEYS:
        content_value = metadata.get(key)
        found = name_info.fields.get(key)
        if found is None or found.value is None:
            continue
        if content_value is None:
            if found.confidence >= NAME_FILL_MIN_CONFIDENCE:
                metadata[key] = found.value
                filled[key] = {
                    "value": found.value,
                    "confidence": found.confidence,
                    "source": found.source,
                }
            continue
        if not _same(key, content_value, found.value):
            disagreements[key] = {"content": _jsonable(content_value), "name": found.value}
            result.warn(
                "name_content_mismatch",
                f"The file name says {_describe(key, found.value)} but the file itself says "
                f"{_describe(key, content_value)}; the file's value is kept.",
            )
    for key in MERGED_KEYS:
        metadata.setdefault(key, None)
    # what the name leaves unclear, unless the file itself (or the caller) says it
    known = {key for key in MERGED_KEYS if metadata[key] is not None} | set(given or ())
    for warning in name_info.warnings_about_unknown(known):
        result.warn("name_unclear", warning)
    name_raw["filled"] = filled
    name_raw["disagreements"] = disagreements
    result.raw["name"] = name_raw


def _same(key: str, content_value: Any, name_value: Any) -> bool:
    if key == "thickness_mm":
        try:
            difference = abs(float(content_value) - float(name_value))
        except (TypeError, ValueError):
            return False
        return difference <= THICKNESS_MATCH_TOLERANCE_MM
    if key == "material":
        return str(content_value).upper() == str(name_value).upper()
    try:
        return int(content_value) == int(name_value)
    except (TypeError, ValueError):
        return content_value == name_value


def _describe(key: str, value: Any) -> str:
    if key == "thickness_mm":
        return f"{float(value):g} mm thick"
    if key == "quantity":
        return f"quantity {value}"
    return f"material {value}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, tuple | list):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value
