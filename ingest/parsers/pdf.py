"""PDF drawings, quotations and scans, read with PyMuPDF.

Text comes from the text layer; pages that are only pictures (scans, phone "PDFs") are rendered
and read with OCR. The shop's facts (client and job codes, material, thickness, quantity) are
found in the text by `ingest.content.textscan`, each with the snippet it came from.

All work is bounded: pages, characters, tables and OCR have caps that say so in a warning when
they bite. Everything that makes MuPDF decode images (the preview, pages rendered for OCR, the
table finder) runs in a child process with a time and memory limit (`pdf_isolated`), because
damaged scans can make MuPDF run for minutes, eat gigabytes or crash.
"""

from __future__ import annotations

import functools
import io
import re
import time
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from . import registry
from .base import DetectedType, ParseContext, ParseError, Parser, ParseResult

if TYPE_CHECKING:
    import pymupdf

    from .pdf_isolated import IsolatedResult

# Choosing a parser imports every parser module: the text scanner, OCR and the child process's
# runner are imported when a PDF is read, so that a DXF does not pay for them.

MAX_TEXT_PAGES = 50
MAX_OCR_PAGES = 10
MAX_TABLE_PAGES = 20
MAX_TABLES = 20
MAX_TABLE_ROWS = 200
MAX_CELL_CHARS = 200
MAX_PAGE_CHARS = 20_000
OCR_DPI = 300
OCR_MAX_LONG_SIDE_PX = 3500  # big sheets are rendered at a lower dpi so OCR stays bounded
OCR_TIME_BUDGET_S = 120.0  # for all the OCR of one file
PREVIEW_LONG_SIDE_PX = 800
ISOLATED_TIMEOUT_S = 60.0  # for all the rendering and table finding of one file
ISOLATED_MEMORY_LIMIT_MB = 2048
METADATA_FIELDS = ("title", "author", "subject", "keywords", "creator", "producer")


@functools.cache
def _pymupdf() -> ModuleType:
    """PyMuPDF, imported when the first PDF is read (about 40 MB that no other file type needs
    to pay). MuPDF prints its messages to the process's stdout, which in the worker is
    the log: they are kept with the file instead (raw["mupdf_messages"] and the "repaired"
    warning)."""
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    return pymupdf


def run_isolated(path: Path, **job: Any) -> IsolatedResult:
    """`pdf_isolated.run_isolated`: the child process's runner, imported when a PDF is read."""
    from . import pdf_isolated

    return pdf_isolated.run_isolated(path, **job)


def _mupdf_errors() -> tuple[type[BaseException], ...]:
    """What MuPDF raises on damaged content: its own errors derive from Exception, not
    RuntimeError."""
    return (RuntimeError, ValueError, MemoryError, _pymupdf().mupdf.FzErrorBase)


@registry.register
class PdfParser(Parser):
    """Reads PDF files: metadata, text per page, tables, images, OCR of scanned pages."""

    name = "pdf"
    version = "1"

    @classmethod
    def score(cls, detected: DetectedType) -> int:
        return 10 if detected.kind == "pdf" else 0

    @classmethod
    def load_libraries(cls) -> None:
        """PyMuPDF, and Pillow and pytesseract for the scanned pages."""
        from ingest.content import ocr

        _pymupdf()
        ocr.load_libraries()

    def parse(self, path: Path, context: ParseContext) -> ParseResult:
        from ingest.content import textscan

        result = ParseResult(kind="pdf", parser=self.name, parser_version=self.version)
        context.report(0.0, "opening PDF")
        _pymupdf().TOOLS.reset_mupdf_warnings()
        doc = _open(path)
        try:
            pages, ocr_candidates = self._read_text(doc, result, context)
            _note_repairs(doc, result)
        except _mupdf_errors() as exc:
            raise ParseError(
                f"The PDF is damaged and cannot be read ({_one_line(exc)}).", code="corrupt"
            ) from exc
        finally:
            doc.close()

        context.report(0.6, "rendering pages")
        isolated = _render_and_find_tables(path, pages, ocr_candidates, result, context)
        context.report(0.75, "reading scanned pages")
        _read_scanned_pages(pages, ocr_candidates, isolated, result, context)
        _collect_tables(isolated, result)
        result.preview_png = isolated.renders.get("preview")
        if context.make_preview and result.preview_png is None:
            reason = isolated.render_errors.get("preview") or "it could not be rendered in time"
            result.warn("preview_failed", f"No preview of the first page: {reason}.")

        texts = [p["text"] for p in pages if p.get("text")]
        findings = textscan.scan_text("\n\n".join(texts))
        result.raw["pages"] = pages
        result.raw["ocr_page_count"] = sum(1 for p in pages if p.get("ocr"))
        result.raw["has_text_layer"] = any(p.get("char_count") and not p.get("ocr") for p in pages)
        result.raw["findings"] = findings.as_dict()
        result.raw["identifiers"] = findings.identifiers()
        result.metadata.update(findings.metadata())
        if not texts:
            result.warn("no_text", "No text was found in the PDF (nor read by OCR).")
        context.report(1.0, "done")
        return result

    def _read_text(
        self, doc: pymupdf.Document, result: ParseResult, context: ParseContext
    ) -> tuple[list[dict[str, Any]], list[int]]:
        """Metadata and each page's text layer (no image is decoded here). Returns the pages
        and the numbers (0-based) of the pages that are only pictures."""
        raw = result.raw
        raw["page_count"] = doc.page_count
        raw["metadata"] = _document_metadata(doc)
        raw["encryption"] = (doc.metadata or {}).get("encryption")
        if raw["encryption"]:
            raw["permissions"] = doc.permissions
            result.warn(
                "encrypted",
                "The PDF is encrypted but opened without a password; some actions may be "
                "restricted.",
            )
        if doc.page_count == 0:
            raise ParseError("The PDF has no pages.", code="empty")
        text_pages = min(doc.page_count, MAX_TEXT_PAGES)
        if doc.page_count > MAX_TEXT_PAGES:
            result.warn(
                "pages_capped",
                f"Only the first {MAX_TEXT_PAGES} of {doc.page_count} pages were read.",
            )
        raw["pages_read"] = text_pages
        pages: list[dict[str, Any]] = []
        picture_pages: list[int] = []
        image_count = 0
        for number in range(text_pages):
            context.report(0.05 + 0.5 * number / text_pages, f"reading page {number + 1}")
            info: dict[str, Any] = {"number": number + 1, "ocr": False}
            try:
                page = doc.load_page(number)
                info.update(_page_geometry(page))
                text = (page.get_text("text") or "").strip()
                images = page.get_images(full=False)
            except _mupdf_errors() as exc:  # a broken page: skip it, keep the rest
                info.update(error=_one_line(exc), text="", char_count=0, image_count=0)
                result.warn("page_unreadable", f"Page {number + 1} could not be read.")
                pages.append(info)
                continue
            image_count += len(images)
            info["image_count"] = len(images)
            _set_text(info, text)
            if not text and images:
                picture_pages.append(number)
            pages.append(info)
        raw["image_count"] = image_count
        return pages, picture_pages


def _set_text(info: dict[str, Any], text: str) -> None:
    info["text"] = text[:MAX_PAGE_CHARS]
    info["text_truncated"] = len(text) > MAX_PAGE_CHARS
    info["char_count"] = len(text)


def _ocr_dpi(info: dict[str, Any]) -> int:
    long_side_pt = max(info.get("width_pt", 0), info.get("height_pt", 0)) or 1
    return max(72, min(OCR_DPI, int(OCR_MAX_LONG_SIDE_PX * 72 / long_side_pt)))


def _render_and_find_tables(
    path: Path,
    pages: list[dict[str, Any]],
    ocr_candidates: list[int],
    result: ParseResult,
    context: ParseContext,
) -> IsolatedResult:
    """Preview, pages for OCR and tables, from the child process (see pdf_isolated)."""
    from ingest.content import ocr

    from .pdf_isolated import RenderJob

    renders: list[RenderJob] = []
    if context.make_preview and pages and "error" not in pages[0]:
        long_side_pt = max(pages[0]["width_pt"], pages[0]["height_pt"]) or 1
        renders.append(RenderJob("preview", 0, PREVIEW_LONG_SIDE_PX / long_side_pt))
    if ocr_candidates and ocr.tesseract_available():
        for number in ocr_candidates[:MAX_OCR_PAGES]:
            renders.append(RenderJob(f"ocr-{number}", number, _ocr_dpi(pages[number]) / 72, True))
    table_pages = [
        p["number"] - 1 for p in pages[:MAX_TABLE_PAGES] if p.get("char_count") and not p.get("ocr")
    ]
    isolated = run_isolated(
        path,
        renders=renders,
        table_pages=table_pages,
        max_tables=MAX_TABLES,
        max_rows=MAX_TABLE_ROWS,
        max_cell_chars=MAX_CELL_CHARS,
        timeout_s=ISOLATED_TIMEOUT_S,
        memory_limit_mb=ISOLATED_MEMORY_LIMIT_MB,
    )
    if isolated.timed_out:
        result.warn(
            "render_timeout",
            f"Rendering the PDF took over {ISOLATED_TIMEOUT_S:.0f} s and was stopped; the "
            "preview, scanned pages or tables it had not finished are missing.",
        )
    if isolated.failed:
        result.warn(
            "render_failed",
            f"Rendering the PDF failed ({isolated.failed}); the preview, scanned pages or "
            "tables it had not finished are missing.",
        )
    return isolated


def _read_scanned_pages(
    pages: list[dict[str, Any]],
    candidates: list[int],
    isolated: IsolatedResult,
    result: ParseResult,
    context: ParseContext,
) -> None:
    """OCR of the pages that are only pictures, within MAX_OCR_PAGES and OCR_TIME_BUDGET_S."""
    from ingest.content import ocr

    if not candidates:
        return
    if not ocr.tesseract_available():
        result.warn("ocr_unavailable", "Tesseract is not installed; scanned pages were not read.")
        return
    seconds_left = OCR_TIME_BUDGET_S
    skipped = max(0, len(candidates) - MAX_OCR_PAGES)
    for number in candidates[:MAX_OCR_PAGES]:
        info = pages[number]
        png = isolated.renders.get(f"ocr-{number}")
        if png is None:
            reason = isolated.render_errors.get(f"ocr-{number}") or "not rendered in time"
            result.warn("ocr_failed", f"Page {number + 1} could not be rendered for OCR: {reason}.")
            continue
        if seconds_left <= 1:
            skipped += 1
            continue
        started = time.monotonic()
        try:
            from PIL import Image

            image = Image.open(io.BytesIO(png))
            image.load()
            found = ocr.ocr_image(image, language=context.ocr_language, time_budget_s=seconds_left)
        except ocr.OcrError as exc:
            result.warn(exc.code, f"Page {number + 1}: {exc}")
            continue
        except (OSError, ValueError) as exc:
            result.warn("ocr_failed", f"Page {number + 1} could not be read: {_one_line(exc)}.")
            continue
        finally:
            seconds_left -= time.monotonic() - started
        details = found.as_dict()
        details.pop("text")
        details["dpi"] = _ocr_dpi(info)
        info["ocr"] = True
        info["ocr_info"] = details
        _set_text(info, found.text.strip())
    if skipped:
        result.warn(
            "ocr_capped",
            f"{skipped} scanned page(s) were not read with OCR (limit {MAX_OCR_PAGES} pages or "
            f"{OCR_TIME_BUDGET_S:.0f} s per file).",
        )


def _collect_tables(isolated: IsolatedResult, result: ParseResult) -> None:
    tables: list[dict[str, Any]] = []
    for number in sorted(isolated.tables):
        for table in isolated.tables[number]:
            if len(tables) < MAX_TABLES:
                tables.append({"page": number + 1, **table})
    for number in sorted(isolated.table_errors):
        result.warn("tables_failed", f"Tables on page {number + 1} could not be read.")
    result.raw["tables"] = tables


def _open(path: Path) -> pymupdf.Document:
    """Open the PDF, or raise ParseError with a reason a person can act on."""
    pymupdf = _pymupdf()
    try:
        if path.stat().st_size == 0:
            raise ParseError("The PDF file is empty (0 bytes).", code="empty")
        doc = pymupdf.open(path, filetype="pdf")
    except ParseError:
        raise
    except pymupdf.EmptyFileError as exc:
        raise ParseError("The PDF file is empty (0 bytes).", code="empty") from exc
    except (pymupdf.FileDataError, *_mupdf_errors()) as exc:
        raise ParseError(
            f"The PDF is damaged beyond repair and cannot be opened ({_one_line(exc)}).",
            code="corrupt",
        ) from exc
    except OSError as exc:
        raise ParseError(f"The PDF cannot be read: {_one_line(exc)}", code="unreadable") from exc
    if doc.needs_pass and not doc.authenticate(""):
        doc.close()
        raise ParseError(
            "The PDF is password-protected; ask the sender for a copy without a password.",
            code="encrypted",
        )
    return doc


def _document_metadata(doc: pymupdf.Document) -> dict[str, Any]:
    meta = doc.metadata or {}
    out: dict[str, Any] = {key: (meta.get(key) or "").strip()[:500] for key in METADATA_FIELDS}
    out["format"] = meta.get("format") or ""
    out["created"] = _pdf_date(meta.get("creationDate"))
    out["modified"] = _pdf_date(meta.get("modDate"))
    return out


_PDF_DATE_RE = re.compile(
    r"D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?\s*(Z|[+-]\d{2})?'?(\d{2})?'?"
)


def _pdf_date(value: str | None) -> str | None:
    """A PDF date ("D:20151212184957Z00'00'") as ISO 8601, or None."""
    if not value:
        return None
    match = _PDF_DATE_RE.match(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, tz, tz_minutes = match.groups()
    iso = f"{year}-{month or '01'}-{day or '01'}T{hour or '00'}:{minute or '00'}:{second or '00'}"
    if tz == "Z":
        iso += "Z"
    elif tz:
        iso += f"{tz}:{tz_minutes or '00'}"
    return iso


def _page_geometry(page: pymupdf.Page) -> dict[str, Any]:
    rect = page.rect
    return {
        "width_pt": round(rect.width, 2),
        "height_pt": round(rect.height, 2),
        "width_mm": round(rect.width * 25.4 / 72, 1),
        "height_mm": round(rect.height * 25.4 / 72, 1),
        "rotation": page.rotation,
    }


def _note_repairs(doc: pymupdf.Document, result: ParseResult) -> None:
    """Warn when MuPDF had to repair the file or skip damaged data.

    MuPDF also notes harmless oddities ("invalid marked content sequence"); those are kept in
    raw["mupdf_messages"] without a warning.
    """
    messages = [
        line.strip()
        for line in (_pymupdf().TOOLS.mupdf_warnings() or "").splitlines()
        if line.strip() and not line.startswith("...")
    ]
    if messages:
        result.raw["mupdf_messages"] = messages[:20]
    damage = [m for m in messages if any(marker in m.lower() for marker in _DAMAGE_MARKERS)]
    if doc.is_repaired or damage:
        detail = f" ({damage[0][:150]})" if damage else ""
        result.warn(
            "repaired",
            f"The PDF is damaged; PyMuPDF repaired what it could and some content may be "
            f"missing{detail}.",
        )


_DAMAGE_MARKERS = (
    "repair",
    "zlib",
    "xref",
    "broken",
    "corrupt",
    "syntax error",
    "truncated",
    "premature",
    "eof",
    "incorrect",
    "format error",
)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
