"""DXF parser: cut length, pierces, parts, area, holes and drawing checks from a DXF file.

The geometry work lives in `ingest.geometry`; this class only adapts it to the parser
interface (STYLE.md rule 10).
"""

from __future__ import annotations

from pathlib import Path

from .base import DetectedType, ParseContext, Parser, ParseResult
from .registry import register


@register
class DxfParser(Parser):
    """Reads ASCII and binary DXF (R12 to R2018) with ezdxf."""

    name = "dxf"
    version = "1"

    @classmethod
    def score(cls, detected: DetectedType) -> int:
        """100 for a detected DXF, 0 for anything else."""
        return 100 if detected.kind == "dxf" else 0

    @classmethod
    def load_libraries(cls) -> None:
        """ezdxf and numpy (Pillow comes later, when a preview is drawn)."""
        import ingest.geometry.analysis  # noqa: F401

    def parse(self, path: Path, context: ParseContext) -> ParseResult:
        """Analyse the drawing; raises ParseError with one clear line when it cannot."""
        from ingest.geometry.analysis import analyse_dxf

        analysis = analyse_dxf(Path(path), context)
        result = ParseResult(
            kind="dxf",
            raw=analysis.raw,
            metadata=analysis.metadata,
            preview_png=analysis.preview_png,
            parser=self.name,
            parser_version=self.version,
        )
        for code, message in analysis.warnings:
            result.warn(code, message)
        return result
