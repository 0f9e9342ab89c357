"""The shop's documents as PDFs (issue 11, part 6): quotes, tax invoices, credit notes, delivery
notes and client statements, drawn by WeasyPrint from templates/pdf/.

Each document has a context builder (what the page shows, read in a few queries whatever the
number of lines) and a render function returning the PDF's bytes. Rendering loads nothing from
the network or the disk by address: the logo and the parts' thumbnails are embedded in the page
as data: URIs, and any other address is refused (`embedded_only`). The text is set in DejaVu,
which Debian installs with fontconfig.

Rendering only reads. An issued invoice or credit note is rendered once and kept
(`finance.services.documents.issued_pdf`); drafts, quotes, delivery notes and statements are
drawn afresh each time.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import mimetypes
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from laseros.units import format_mm, format_thickness

from .models import (
    ZERO,
    CreditNote,
    Invoice,
    InvoiceStatus,
    Quote,
    QuoteLine,
    QuoteLineKind,
    QuoteStatus,
)
from .statements import ClientStatement

logger = logging.getLogger(__name__)

THUMBNAIL_PX = 160  # drawn at 18 mm: about 225 dpi
THUMBNAIL_CACHE_SECONDS = 24 * 3600
NOTE_SEPARATOR = " — "  # finance.services.quotes.with_note


# --- the shop ---------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _logo_uri(path: str, modified: float) -> str:
    data = Path(path).read_bytes()
    mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def logo_uri() -> str:
    """The shop's logo (SHOP_LOGO) as a data: URI; empty (and a warning) when it cannot be read."""
    path = Path(settings.SHOP_LOGO)
    try:
        return _logo_uri(str(path), path.stat().st_mtime)
    except OSError as exc:
        logger.warning("the shop's logo %s cannot be read: %s", path, exc)
        return ""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def shop_context() -> dict[str, Any]:
    """What every document says about the shop, from the settings."""
    return {
        "name": settings.SHOP_NAME,
        "address": _lines(settings.SHOP_ADDRESS),
        "vat_number": settings.SHOP_VAT_NUMBER,
        "registration_number": settings.SHOP_REGISTRATION_NUMBER,
        "phone": settings.SHOP_PHONE,
        "email": settings.SHOP_EMAIL,
        "bank_details": _lines(settings.SHOP_BANK_DETAILS),
        "quote_terms": _lines(settings.SHOP_QUOTE_TERMS),
        "logo": logo_uri(),
    }


def _party(name: str, address: str, vat_number: str, **extra: str) -> dict[str, Any]:
    return {"name": name, "address": _lines(address), "vat_number": vat_number, **extra}


def _client_party(client: Any) -> dict[str, Any]:
    return _party(
        client.name,
        client.address,
        client.vat_number,
        code=client.code,
        contact=client.contact_person,
        email=client.email,
        phone=client.phone,
    )


# --- lines ------------------------------------------------------------------------------------


@dataclass
class PartLine:
    """One line as the documents print it: the part's name, then its material and size on lines
    of their own (the shop's Sage quotations), then how its quantity was worked out."""

    position: int
    title: str
    quantity: int
    material: str = ""
    dimensions: str = ""
    note: str = ""
    unit_price: Decimal | None = None
    discount_pct: Decimal = ZERO
    line_total: Decimal | None = None
    thumbnail: str = ""


def _material_names(codes: set[str]) -> dict[str, str]:
    from inventory.models import Material

    if not codes:
        return {}
    return dict(Material.objects.filter(code__in=codes).values_list("code", "name"))


def _split_note(description: str) -> tuple[str, str]:
    head, _, note = description.partition(NOTE_SEPARATOR)
    return head, note


def _part_words(line: QuoteLine, materials: dict[str, str]) -> dict[str, Any]:
    """Title, material, dimensions and note of a quote line (a drawing's or a product's)."""
    head, note = _split_note(line.description)
    title = head
    if line.kind == QuoteLineKind.DRAWING and line.file is not None:
        title = line.file.part or line.file.original_name
    material = ""
    if line.material_code:
        name = materials.get(line.material_code, line.material_code)
        thickness = (
            f" {format_thickness(line.thickness_mm)} mm" if line.thickness_mm is not None else ""
        )
        material = f"{name} ({line.material_code}){thickness}"
    dimensions = ""
    if line.width_mm is not None and line.height_mm is not None:
        width, height = format_mm(line.width_mm).removesuffix(" mm"), format_mm(line.height_mm)
        dimensions = f"{width} × {height}"
    return {"title": title, "material": material, "dimensions": dimensions, "note": note}


def thumbnail_uri(file: Any) -> str:
    """The drawing's preview made small (ingest.thumbnails) as a PNG data: URI; empty when the
    drawing has no preview or it cannot be read (the line is printed without a picture)."""
    from ingest.selectors import file_metadata

    return _thumbnail_of(file.pk, file_metadata(file))


def _thumbnail_of(file_id: int, metadata: Any) -> str:
    """Made once per preview and kept in the cache for a day (reading an 800 px preview is most
    of the time a quote's line takes). Reads no database: safe in a worker thread."""
    from django.core.cache import cache

    from ingest.thumbnails import thumbnail_png

    if metadata is None or not metadata.preview:
        return ""
    source = f"{THUMBNAIL_PX}:{metadata.preview.name}:{metadata.updated_at}"
    key = f"finance.pdf.thumbnail.{hashlib.sha256(source.encode()).hexdigest()}"
    uri = cache.get(key, "")
    if not uri:
        try:
            with metadata.preview.open("rb") as stored:
                png = thumbnail_png(stored.read(), size_px=THUMBNAIL_PX)
        except (OSError, ValueError) as exc:
            logger.warning("no thumbnail of file %s for a PDF: %s", file_id, exc)
            return ""
        uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        cache.set(key, uri, THUMBNAIL_CACHE_SECONDS)
    return uri


def thumbnails_for(files: list[Any]) -> dict[int, str]:
    """{file id: thumbnail_uri} for the drawings (their metadata read with them), made side by
    side: reading a preview and shrinking it mostly runs outside the GIL (Pillow's decoder,
    numpy), so a 50-part quote's pictures take about half the time on two cores."""
    from ingest.selectors import file_metadata

    found = {file.pk: file_metadata(file) for file in files}  # here, not in the threads
    if len(found) < 4:
        return {pk: _thumbnail_of(pk, metadata) for pk, metadata in found.items()}
    workers = min(len(found), max(2, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pdf-thumbnail") as pool:
        made = pool.map(_thumbnail_of, found.keys(), found.values())
        return dict(zip(found.keys(), made, strict=True))


def _quote_part_lines(lines: list[QuoteLine], *, thumbnails: bool) -> list[PartLine]:
    materials = _material_names({line.material_code for line in lines if line.material_code})
    drawings = [
        line.file
        for line in lines
        if thumbnails and line.kind == QuoteLineKind.DRAWING and line.file is not None
    ]
    pictures = thumbnails_for(drawings)
    parts = []
    for line in lines:
        words = _part_words(line, materials)
        picture = ""
        if thumbnails and line.kind == QuoteLineKind.DRAWING and line.file_id is not None:
            picture = pictures.get(line.file_id, "")
        parts.append(
            PartLine(
                position=line.position,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount_pct=line.discount_pct,
                line_total=line.line_total,
                thumbnail=picture,
                **words,
            )
        )
    return parts


def _quote_lines(quote: Quote) -> list[QuoteLine]:
    return list(quote.lines.select_related("file__metadata").order_by("position", "id"))


# --- render ---------------------------------------------------------------------------------


def embedded_only() -> Any:
    """WeasyPrint's fetcher for the documents: data: URIs only. A page never loads an address
    (what a client typed is printed as text; were it ever read as an address, it is refused)."""
    _weasyprint_html()  # imported once with Pillow's setting kept
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=False)


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """The PDF of templates/pdf/`template` drawn with `context` (the shop is added)."""
    html = render_to_string(f"pdf/{template}", {"shop": shop_context(), **context})
    return _weasyprint_html()(
        string=html, base_url=str(settings.BASE_DIR), url_fetcher=embedded_only()
    ).write_pdf()


def _weasyprint_html() -> Any:
    """WeasyPrint's HTML class. Importing WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the
    whole process, and the worker that draws a PDF also reads the shop's photos and scans:
    truncated ones would then be read, not refused as broken. The setting is put back (the
    documents only embed pictures made here, whole)."""
    from PIL import ImageFile

    strict = ImageFile.LOAD_TRUNCATED_IMAGES
    from weasyprint import HTML

    ImageFile.LOAD_TRUNCATED_IMAGES = strict
    return HTML


# --- quotes -----------------------------------------------------------------------------------


def quote_context(quote: Quote) -> dict[str, Any]:
    """A quote as the client reads it: each part with its picture, material and size, the
    minimum-order top-up, the delivery (collection at R 0.00 when none was chosen), the totals
    and the shop's terms."""
    quote = Quote.objects.select_related("client", "project", "created_by").get(pk=quote.pk)
    lines = _quote_part_lines(_quote_lines(quote), thumbnails=True)
    extra: list[PartLine] = []
    position = max((line.position for line in lines), default=0)
    if quote.minimum_top_up > 0:
        position += 1
        extra.append(
            PartLine(
                position=position,
                title=f"Minimum order top-up (orders under {_money(quote.minimum_per_order)})",
                quantity=1,
                unit_price=quote.minimum_top_up,
                line_total=quote.minimum_top_up,
            )
        )
    position += 1
    extra.append(
        PartLine(
            position=position,
            title=quote.delivery_name or "Collection from our works",
            quantity=1,
            unit_price=quote.delivery_price,
            line_total=quote.delivery_price,
        )
    )
    return {
        "quote": quote,
        "draft": quote.status == QuoteStatus.DRAFT,
        "client": _client_party(quote.client),
        "project": quote.project,
        "lines": lines,
        "extra_lines": extra,
        "valid_days": settings.QUOTE_VALID_WORKING_DAYS,
        "date": quote.sent_on or timezone.localdate(quote.created_at),
        "document_ref": quote.label,
    }


def _money(value: Decimal) -> str:
    from .pricing.engine import rand

    return rand(value)


def quote_pdf(quote: Quote) -> bytes:
    """The quote's PDF (drawn each time: a sent quote never changes, so neither does it)."""
    return render_pdf("quote.html", quote_context(quote))


# --- tax invoices and credit notes ------------------------------------------------------------


def _invoice_part_lines(invoice: Invoice) -> list[PartLine]:
    lines = list(invoice.lines.select_related("quote_line__file").order_by("position", "id"))
    codes = {
        line.quote_line.material_code
        for line in lines
        if line.quote_line is not None and line.quote_line.material_code
    }
    materials = _material_names(codes)
    parts = []
    for line in lines:
        words: dict[str, Any] = {"title": line.description}
        if line.quote_line is not None and line.quote_line.description == line.description:
            words = _part_words(line.quote_line, materials)
        parts.append(
            PartLine(
                position=line.position,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount_pct=line.discount_pct,
                line_total=line.line_total,
                **words,
            )
        )
    return parts


def invoice_context(invoice: Invoice) -> dict[str, Any]:
    """A tax invoice as South African VAT law asks (VAT Act s 20(4)): the words "Tax Invoice",
    the shop's name, address and VAT number, the client's name, address and VAT number (when
    they have one), the number and date, each line's description, quantity and value, the VAT
    and the total. An issued invoice prints the client as it was copied on issue; a draft says
    it is a draft and has no number."""
    invoice = Invoice.objects.select_related("client", "project", "quote").get(pk=invoice.pk)
    draft = invoice.status == InvoiceStatus.DRAFT
    if draft:
        client = _client_party(invoice.client)
    else:
        client = _party(
            invoice.client_name,
            invoice.client_address,
            invoice.client_vat_number,
            code=invoice.client.code,
        )
    return {
        "invoice": invoice,
        "draft": draft,
        "client": client,
        "project": invoice.project,
        "lines": _invoice_part_lines(invoice),
        "document_ref": invoice.number or f"Draft invoice {invoice.pk}",
    }


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice's PDF, drawn now (services.documents.issued_pdf keeps an issued one's)."""
    return render_pdf("invoice.html", invoice_context(invoice))


def credit_note_context(note: CreditNote) -> dict[str, Any]:
    """A credit note: its number and date, the invoice it credits and why, the client as that
    invoice printed them, the lines, the VAT and the total credited."""
    note = CreditNote.objects.select_related("invoice", "client", "invoice__project").get(
        pk=note.pk
    )
    invoice = note.invoice
    return {
        "note": note,
        "invoice": invoice,
        "client": _party(
            invoice.client_name or note.client.name,
            invoice.client_address,
            invoice.client_vat_number,
            code=note.client.code,
        ),
        "project": invoice.project,
        "lines": [
            PartLine(
                position=line.position,
                title=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                line_total=line.line_total,
            )
            for line in note.lines.order_by("position", "id")
        ],
        "document_ref": note.number,
    }


def credit_note_pdf(note: CreditNote) -> bytes:
    return render_pdf("credit_note.html", credit_note_context(note))


# --- delivery notes ---------------------------------------------------------------------------


def delivery_lines(project: Any) -> tuple[list[PartLine], str, Quote | None]:
    """What leaves the shop for a job: the parts of its accepted quote (the latest accepted
    revision); with none, its measured drawings (the latest version of each part) in the
    quantities auto-quote would price. Returns (lines, delivery, quote)."""
    quote = (
        Quote.objects.filter(project=project, status=QuoteStatus.ACCEPTED)
        .order_by("-accepted_at", "-revision", "-id")
        .first()
    )
    if quote is not None:
        return (
            _quote_part_lines(_quote_lines(quote), thumbnails=True),
            quote.delivery_name or "Collection",
            quote,
        )
    from .services.quote_status import drawing_quantity, quotable_drawings

    drawings = quotable_drawings(project)
    parts = []
    pictures = thumbnails_for(drawings)
    for position, file in enumerate(sorted(drawings, key=lambda f: f.original_name), start=1):
        metadata = file.metadata
        material = metadata.material_code or (project.material.code if project.material else "")
        thickness = metadata.thickness_mm or project.thickness_mm
        words = f"{material} {format_thickness(thickness)} mm" if material and thickness else ""
        size = ""
        if metadata.bbox_width_mm is not None and metadata.bbox_height_mm is not None:
            size = (
                f"{format_mm(metadata.bbox_width_mm).removesuffix(' mm')} × "
                f"{format_mm(metadata.bbox_height_mm)}"
            )
        quantity = drawing_quantity(file, project, parts=len(drawings))
        parts.append(
            PartLine(
                position=position,
                title=file.part or file.original_name,
                quantity=quantity.count,
                material=words,
                dimensions=size,
                note=quantity.note,
                thumbnail=pictures.get(file.pk, ""),
            )
        )
    return parts, "Collection", None


def delivery_note_context(project: Any, *, today: dt.date | None = None) -> dict[str, Any]:
    """A delivery note for a job: its parts and how many, no prices; signed by who takes them."""
    from projects.models import Project

    project = Project.objects.select_related("client", "material").get(pk=project.pk)
    lines, delivery, quote = delivery_lines(project)
    return {
        "project": project,
        "client": _client_party(project.client),
        "lines": lines,
        "delivery": delivery,
        "quote": quote,
        "date": today or timezone.localdate(),
        "total_parts": sum(line.quantity for line in lines),
        "document_ref": f"Delivery note {project.code}",
    }


def delivery_note_pdf(project: Any, *, today: dt.date | None = None) -> bytes:
    return render_pdf("delivery_note.html", delivery_note_context(project, today=today))


# --- statements -------------------------------------------------------------------------------


def statement_context(statement: ClientStatement) -> dict[str, Any]:
    ageing = statement.ageing
    return {
        "statement": statement,
        "client": _client_party(statement.client),
        "ageing": [
            ("Current", ageing.current),
            ("30 days", ageing.days_30),
            ("60 days", ageing.days_60),
            ("90 days +", ageing.days_90_plus),
        ],
        "in_credit": -statement.closing_balance if statement.closing_balance < 0 else ZERO,
        "document_ref": f"Statement {statement.client.code} to {statement.end:%d %b %Y}",
    }


def statement_pdf(statement: ClientStatement) -> bytes:
    return render_pdf("statement.html", statement_context(statement))
