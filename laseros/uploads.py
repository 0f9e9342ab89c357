"""Uploads, whichever page or API they arrive through: one size limit and one size check.

`INGEST_MAX_UPLOAD_MB` is the one limit for every file a person sends (design files through
ingest, project documents, product files); Django's DATA_UPLOAD_MAX_MEMORY_SIZE follows it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError

MB = 1024 * 1024


def max_upload_bytes() -> int:
    """The largest file Laser OS takes, in bytes (INGEST_MAX_UPLOAD_MB)."""
    return int(settings.INGEST_MAX_UPLOAD_MB) * MB


def check_upload_size(display: str, size: int, *, limit: int | None = None) -> None:
    """ValidationError (code "empty" or "too_large") for a whole file with nothing in it or more
    than the limit, saying what to do; nothing otherwise."""
    if size == 0:
        raise ValidationError(
            f"'{display}' is empty (0 bytes): there is nothing to read. Send the file again.",
            code="empty",
        )
    refuse_if_too_large(display, size, limit=limit)


def refuse_if_too_large(display: str, size: int, *, limit: int | None = None) -> None:
    """ValidationError (code "too_large") once `size` (a whole file, or what has arrived of a
    stream so far) is over the limit."""
    limit = max_upload_bytes() if limit is None else limit
    if size > limit:
        raise ValidationError(
            f"'{display}' is too large ({size / MB:.1f} MB or more); the limit is "
            f"{limit // MB} MB. Send a smaller file or ask an admin to raise the limit.",
            code="too_large",
        )
