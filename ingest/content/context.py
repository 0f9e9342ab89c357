"""The settings a reading runs with, as one ParseContext: the worker and `manage.py inspect`
read files the same way. Importing this module loads no service, model or file library (a
command that reads one drawing starts faster: issue 8, start-up)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from decimal import InvalidOperation
from typing import Any

from django.conf import settings

from inventory.constants import SHEET_SIZES_MM

from ..parsers.base import ParseContext


def build_parse_context(
    *,
    original_name: str = "",
    material: str | None = None,
    thickness_mm: Any = None,
    progress: Callable[[float, str], None] | None = None,
    make_preview: bool = True,
) -> ParseContext:
    """A ParseContext from the settings (and what the project knows about material and
    thickness), so the worker and `manage.py inspect` read files the same way."""
    largest = max(SHEET_SIZES_MM, key=lambda size: size[0] * size[1])
    thickness = None
    if thickness_mm not in (None, ""):
        with contextlib.suppress(TypeError, ValueError, InvalidOperation):
            thickness = float(thickness_mm)
    return ParseContext(
        original_name=original_name,
        thickness_mm=thickness,
        material=material or None,
        chain_tolerance_mm=float(settings.INGEST_CHAIN_TOLERANCE_MM),
        largest_sheet_mm=(float(max(largest)), float(min(largest))),
        ocr_language=settings.INGEST_OCR_LANGUAGE,
        max_image_pixels=int(settings.INGEST_MAX_IMAGE_PIXELS),
        excel_max_rows=int(settings.INGEST_EXCEL_MAX_ROWS),
        max_block_depth=int(settings.INGEST_MAX_BLOCK_DEPTH),
        max_closed_contours=int(settings.INGEST_MAX_CLOSED_CONTOURS),
        non_cut_layers=tuple(settings.INGEST_NON_CUT_LAYERS),
        make_preview=make_preview,
        progress=progress,
    )
