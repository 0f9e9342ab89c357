"""Log filters (settings.LOGGING): what a response says is logged once, at the level it deserves.

Django logs every 4xx and 5xx response on `django.request`; a PermissionDenied also carries its
traceback, which says nothing but "the user may not" (the one line names the page). /healthz
answering 503 is the health check doing its job (at start-up, until a worker beats): a warning,
not an error that pages someone.
"""

from __future__ import annotations

import logging

HEALTH_PATH = "/healthz"


class ExpectedResponses(logging.Filter):
    """On `django.request`: no traceback for a refusal (4xx); the health check's 503 is a
    warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is None:
            return True
        if status < 500:
            record.exc_info = None
            record.exc_text = None
        elif status == 503 and _path(record) == HEALTH_PATH:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def _path(record: logging.LogRecord) -> str:
    request = getattr(record, "request", None)
    return getattr(request, "path", "") or ""
