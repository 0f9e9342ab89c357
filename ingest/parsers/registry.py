"""The parser registry: parsers register themselves; `parser_for()` picks the best fit.

Listing and choosing parsers imports the parser modules only, not their libraries (PyMuPDF,
openpyxl, Pillow, numpy...): those load when a parser first reads a file, or through
`load_libraries()`.
"""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Iterator

from .base import DetectedType, Parser

_PARSERS: list[type[Parser]] = []


def register(parser_class: type[Parser]) -> type[Parser]:
    """Class decorator: make a parser available to `parser_for()`."""
    if parser_class not in _PARSERS:
        _PARSERS.append(parser_class)
    return parser_class


def registered() -> list[type[Parser]]:
    _load_builtin_parsers()
    return list(_PARSERS)


def parser_for(detected: DetectedType) -> Parser | None:
    """The highest-scoring parser for this type, or None when no parser can read it."""
    best, best_score = None, 0
    for parser_class in registered():
        score = parser_class.score(detected)
        if score > best_score:
            best, best_score = parser_class, score
    return best() if best else None


def load_libraries(detected: DetectedType | None = None) -> None:
    """Import the libraries of the parser that reads `detected`, or of every parser when None.

    For a caller about to limit a reading's memory (`ingest.memory.memory_ceiling`): what the
    imports map is then not counted against the reading."""
    with _collector_paused():
        if detected is None:
            for parser_class in registered():
                parser_class.load_libraries()
            return
        parser = parser_for(detected)
        if parser is not None:
            parser.load_libraries()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No garbage collection while libraries are imported: an import allocates a hundred
    thousand objects that live as long as the process, and the collector would walk them, and
    everything Django made before them, again and again, freeing nothing. Afterwards, when
    something was imported, they go straight to the oldest generation (a freeze and unfreeze
    moves every object there without walking any), where the next full collection looks at them
    as usual; when the libraries were loaded already (a worker's next file), nothing moves."""
    was_enabled = gc.isenabled()
    modules_before = len(sys.modules)
    gc.disable()
    try:
        yield
    finally:
        if len(sys.modules) != modules_before:
            gc.freeze()
            gc.unfreeze()
        if was_enabled:
            gc.enable()


def _load_builtin_parsers() -> None:
    # Importing the modules runs their @register decorators. Each is optional so that one
    # missing parser never stops the others.
    import importlib

    for module in ("dxf", "lightburn", "pdf", "excel", "image"):
        try:
            importlib.import_module(f"ingest.parsers.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"ingest.parsers.{module}":
                raise
