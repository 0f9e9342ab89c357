"""What the logs say about a refused page and the start-up health check: each once, a refusal
without a traceback, the health check's 503 a warning (it is the check doing its job). Logging is
set up as Django sets it up at start (its defaults, then settings.LOGGING), with DEBUG on, where
Django's own console handler used to print every line a second time."""

from __future__ import annotations

import contextlib
import io
import logging

import pytest
from django.conf import settings
from django.utils.log import configure_logging

pytestmark = pytest.mark.django_db


def _loggers() -> list[logging.Logger]:
    named = logging.Logger.manager.loggerDict.values()
    return [logging.getLogger(), *(lg for lg in named if isinstance(lg, logging.Logger))]


@pytest.fixture
def log(settings):
    """What is logged while the test runs; the loggers are put back as they were after it."""
    settings.DEBUG = True
    saved = [
        (lg, lg.handlers[:], lg.filters[:], lg.level, lg.propagate, lg.disabled)
        for lg in _loggers()
    ]
    stream = io.StringIO()
    try:
        with contextlib.redirect_stderr(stream):  # the handlers made now write here
            configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
        yield stream
    finally:
        for lg, handlers, filters, level, propagate, disabled in saved:
            lg.handlers[:], lg.filters[:] = handlers, filters
            lg.level, lg.propagate, lg.disabled = level, propagate, disabled


def test_a_refused_page_is_one_line_without_a_traceback(log, client, make_user):
    client.force_login(make_user("vera", role="Viewer"))
    assert client.get("/admin/projects/project/add/").status_code == 403
    text = log.getvalue()
    assert text.count("Forbidden (Permission denied): /admin/projects/project/add/") == 1, text
    assert "Traceback" not in text and "PermissionDenied" not in text


def test_the_health_checks_503_is_one_warning(log, client):
    assert client.get("/healthz").status_code == 503  # no worker has beaten in a test
    lines = [line for line in log.getvalue().splitlines() if "/healthz" in line]
    assert len(lines) == 1 and " WARNING django.request: " in lines[0], lines


def test_a_server_error_is_still_an_error_with_its_traceback(log):
    logger = logging.getLogger("django.request")
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        logger.error("Internal Server Error: /x", exc_info=exc, extra={"status_code": 500})
    text = log.getvalue()
    assert text.count("ERROR django.request: Internal Server Error: /x") == 1
    assert "Traceback" in text and "RuntimeError: boom" in text


def test_the_settings_name_the_filter():
    assert "laseros.log_filters.ExpectedResponses" in str(settings.LOGGING)
