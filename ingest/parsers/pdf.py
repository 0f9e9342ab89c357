"""PDF drawings, quotations and scans, read with PyMuPDF.

Text comes from the text layer; pages that are only pictures (scans, phone "PDFs") are rendered
and read with OCR. The shop's facts (client and job codes, material, thickness, quantity) are
found in the text by `ingest.textscan`, each with the snippet it came from. All work is bounded:
a 500-page PDF is read as far as the page caps and says so in a warning.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pymupdf
from PIL import Image

from ingest import ocr, textscan

from . import registry
from .base import DetectedType, ParseContext, ParseError, Parser, ParseResult

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
METADATA_FIELDS = ("title", "author", "subject", "keywords", "creator", "producer")


@registry.register
class PdfParser(Parser):
    """Reads PDF files: metadata, text per page, tables, images, OCR of scanned pages."""

    name = "pdf"
    version = "1"

    @classmethod
    def score(cls, detected: DetectedType) -> int:
        return 10 if detected.kind == "pdf" else 0

    def parse(self, path: Path, context: ParseContext) -> ParseResult:
        result = ParseResult(kind="pdf", parser=self.name, parser_version=self.version)
        context.report(0.0, "opening PDF")
        pymupdf.TOOLS.reset_mupdf_warnings()
        doc = _open(path)
        try:
            self._read(doc, result, context)
        finally:
            doc.close()
        context.report(1.0, "done")
        return result

    def _read(self, doc: pymupdf.Document, result: ParseResult, context: ParseContext) -> None:
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

        pages: list[dict[str, Any]] = []
        tables: list[dict[str, Any]] = []
        texts: list[str] = []
        image_count = 0
        ocr_pages = 0
        ocr_skipped = 0
        ocr_seconds_left = OCR_TIME_BUDGET_S
        text_pages = min(doc.page_count, MAX_TEXT_PAGES)
        if doc.page_count > MAX_TEXT_PAGES:
            result.warn(
                "pages_capped",
                f"Only the first {MAX_TEXT_PAGES} of {doc.page_count} pages were read.",
            )

        for number in range(text_pages):
            context.report(0.05 + 0.85 * number / text_pages, f"reading page {number + 1}")
            page_info: dict[str, Any] = {"number": number + 1}
            try:
                page = doc.load_page(number)
                page_info.update(_page_geometry(page))
                text = page.get_text("text") or ""
                images = page.get_images(full=False)
            except (RuntimeError, ValueError) as exc:  # a broken page: skip it, keep the rest
                page_info["error"] = _one_line(exc)
                result.warn("page_unreadable", f"Page {number + 1} could not be read.")
                pages.append(page_info)
                continue
            image_count += len(images)
            page_info["image_count"] = len(images)
            page_info["ocr"] = False
            page_text = text.strip()

            if not page_text and images:
                if ocr_pages >= MAX_OCR_PAGES or ocr_seconds_left <= 1:
                    ocr_skipped += 1
                else:
                    page_text, ocr_info = _ocr_page(page, context, result, ocr_seconds_left)
                    if ocr_info is not None:
                        ocr_pages += 1
                        ocr_seconds_left -= ocr_info["seconds"]
                        page_info["ocr"] = True
                        page_info["ocr_info"] = ocr_info

            page_info["text"] = page_text[:MAX_PAGE_CHARS]
            page_info["text_truncated"] = len(page_text) > MAX_PAGE_CHARS
            page_info["char_count"] = len(page_text)
            if page_text:
                texts.append(page_text[:MAX_PAGE_CHARS])

            if number < MAX_TABLE_PAGES and len(tables) < MAX_TABLES and page_text:
                tables.extend(_tables(page, number + 1, MAX_TABLES - len(tables), result))
            pages.append(page_info)

        if ocr_skipped:
            result.warn(
                "ocr_capped",
                f"{ocr_skipped} scanned page(s) were not read with OCR (limit "
                f"{MAX_OCR_PAGES} pages or {OCR_TIME_BUDGET_S:.0f} s per file).",
            )
        raw["pages_read"] = text_pages
        raw["pages"] = pages
        raw["tables"] = tables
        raw["image_count"] = image_count
        raw["ocr_page_count"] = ocr_pages
        raw["has_text_layer"] = any(p.get("char_count") and not p.get("ocr") for p in pages)

        findings = textscan.scan_text("\n\n".join(texts))
        raw["findings"] = findings.as_dict()
        raw["identifiers"] = findings.identifiers()
        result.metadata.update(findings.metadata())
        if not texts:
            result.warn("no_text", "No text was found in the PDF (nor read by OCR).")

        _note_repairs(doc, result)
        if context.make_preview:
            context.report(0.95, "rendering preview")
            result.preview_png = _preview(doc, result)


def _open(path: Path) -> pymupdf.Document:
    """Open the PDF, or raise ParseError with a reason a person can act on."""
    try:
        if path.stat().st_size == 0:
            raise ParseError("The PDF file is empty (0 bytes).", code="empty")
        doc = pymupdf.open(path, filetype="pdf")
    except ParseError:
        raise
    except pymupdf.EmptyFileError as exc:
        raise ParseError("The PDF file is empty (0 bytes).", code="empty") from exc
    except (pymupdf.FileDataError, RuntimeError, ValueError) as exc:
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


def _ocr_page(
    page: pymupdf.Page, context: ParseContext, result: ParseResult, seconds_left: float
) -> tuple[str, dict[str, Any] | None]:
    """Render a page that is only pictures and read it with OCR."""
    if not ocr.tesseract_available():
        result.warn("ocr_unavailable", "Tesseract is not installed; scanned pages were not read.")
        return "", None
    long_side_pt = max(page.rect.width, page.rect.height) or 1
    dpi = max(72, min(OCR_DPI, int(OCR_MAX_LONG_SIDE_PX * 72 / long_side_pt)))
    try:
        pixmap = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, alpha=False)
        image = Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)
    except (RuntimeError, ValueError, MemoryError) as exc:
        result.warn("ocr_failed", f"Page {page.number + 1} could not be rendered for OCR.")
        return "", {"error": _one_line(exc), "seconds": 0.0}
    try:
        found = ocr.ocr_image(image, language=context.ocr_language, time_budget_s=seconds_left)
    except ocr.OcrError as exc:
        result.warn(exc.code, f"Page {page.number + 1}: {exc}")
        return "", None
    info = found.as_dict()
    info.pop("text")
    info["dpi"] = dpi
    return found.text, info


def _tables(
    page: pymupdf.Page, page_number: int, limit: int, result: ParseResult
) -> list[dict[str, Any]]:
    try:
        found = page.find_tables()
    except Exception:  # table finding is a bonus: it never fails the file
        result.warn("tables_failed", f"Tables on page {page_number} could not be read.")
        return []
    tables = []
    for table in found.tables[:limit]:
        try:
            rows = table.extract()
        except Exception:  # as above
            continue
        tables.append(
            {
                "page": page_number,
                "bbox": [round(v, 1) for v in table.bbox],
                "row_count": table.row_count,
                "col_count": table.col_count,
                "rows": [
                    [None if c is None else str(c)[:MAX_CELL_CHARS] for c in row]
                    for row in rows[:MAX_TABLE_ROWS]
                ],
                "rows_truncated": len(rows) > MAX_TABLE_ROWS,
            }
        )
    return tables


def _note_repairs(doc: pymupdf.Document, result: ParseResult) -> None:
    """Warn when MuPDF had to repair the file or skip damaged data.

    MuPDF also notes harmless oddities ("invalid marked content sequence"); those are kept in
    raw["mupdf_messages"] without a warning.
    """
    messages = [
        line.strip()
        for line in (pymupdf.TOOLS.mupdf_warnings() or "").splitlines()
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


def _preview(doc: pymupdf.Document, result: ParseResult) -> bytes | None:
    try:
        page = doc.load_page(0)
        long_side_pt = max(page.rect.width, page.rect.height) or 1
        zoom = PREVIEW_LONG_SIDE_PX / long_side_pt
        pixmap = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
        return pixmap.tobytes("png")
    except (RuntimeError, ValueError, MemoryError):
        result.warn("preview_failed", "The first page could not be rendered as a preview.")
        return None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
