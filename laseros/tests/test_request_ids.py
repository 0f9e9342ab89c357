"""Structured logs: with LOG_FORMAT=json each line is one JSON object; every line of a request, and
of the tasks it enqueued, carries the request's id, which the response returns in X-Request-ID.
Logging is set up as Django sets it up at start (settings.LOGGING), writing to a buffer."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re

import pytest
from django.http import HttpResponseForbidden
from django.urls import path
from django.utils.log import configure_logging

from laseros.tasks import enqueue_on_commit

pytestmark = [pytest.mark.django_db, pytest.mark.urls("laseros.tests.test_request_ids")]

logger = logging.getLogger("laseros.tests.request_ids")


def task_that_logs(word: str) -> str:
    logger.info("the task says %s", word)
    return word


def noisy_view(request):
    logger.info("first line of the request")
    enqueue_on_commit("laseros.tests.test_request_ids.task_that_logs", "hello")
    logger.warning("second line, with a newline\nthat forges nothing")
    return HttpResponseForbidden("no")  # Django logs the refusal after the middleware returned


def quiet_view(request):
    return HttpResponseForbidden("no")


urlpatterns = [path("noisy/", noisy_view), path("quiet/", quiet_view)]


def _loggers() -> list[logging.Logger]:
    named = logging.Logger.manager.loggerDict.values()
    return [logging.getLogger(), *(lg for lg in named if isinstance(lg, logging.Logger))]


@contextlib.contextmanager
def _logging_as(settings, log_format: str):
    logging_config = {
        **settings.LOGGING,
        "handlers": {
            "console": {**settings.LOGGING["handlers"]["console"], "formatter": log_format}
        },
    }
    saved = [
        (lg, lg.handlers[:], lg.filters[:], lg.level, lg.propagate, lg.disabled)
        for lg in _loggers()
    ]
    stream = io.StringIO()
    try:
        with contextlib.redirect_stderr(stream):  # the handlers made now write here
            configure_logging(settings.LOGGING_CONFIG, logging_config)
        yield stream
    finally:
        for lg, handlers, filters, level, propagate, disabled in saved:
            lg.handlers[:], lg.filters[:] = handlers, filters
            lg.level, lg.propagate, lg.disabled = level, propagate, disabled


@pytest.fixture
def json_log(settings):
    with _logging_as(settings, "json") as stream:
        yield stream


@pytest.fixture
def plain_log(settings):
    with _logging_as(settings, "plain") as stream:
        yield stream


def _entries(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]  # each line parses


def test_every_line_of_a_request_and_of_its_task_carries_its_one_id(json_log, client, committed):
    with committed():  # the task runs after the commit, here after the request returned
        response = client.get("/noisy/")
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    entries = _entries(json_log)
    ours = [e for e in entries if e["logger"] in (logger.name, "django.request")]
    assert [e["message"] for e in ours] == [
        "first line of the request",
        "second line, with a newline\nthat forges nothing",
        "Forbidden: /noisy/",
        "the task says hello",
    ]
    assert {e["request_id"] for e in entries} == {request_id}, entries
    assert ours[2]["level"] == "WARNING" and ours[2]["status_code"] == 403


def test_each_request_has_its_own_id_and_lines_outside_a_request_have_none(json_log, client):
    first = client.get("/quiet/")["X-Request-ID"]
    second = client.get("/quiet/")["X-Request-ID"]
    logger.info("between requests")
    entries = _entries(json_log)
    assert first != second
    assert [e["request_id"] for e in entries] == [first, second, None]


def test_a_proxys_sane_id_is_kept_and_anything_else_replaced(client):
    assert client.get("/quiet/", HTTP_X_REQUEST_ID="nginx-4f2a.9:1")["X-Request-ID"] == (
        "nginx-4f2a.9:1"
    )
    for hostile in ("two words", "forged\nINFO line", "x" * 65, "-leading", "é", ""):
        answered = client.get("/quiet/", HTTP_X_REQUEST_ID=hostile)["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", answered), (hostile, answered)


def test_a_traceback_stays_inside_its_json_line(json_log):
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logger.exception("it failed")
    [entry] = _entries(json_log)
    assert entry["level"] == "ERROR" and entry["message"] == "it failed"
    assert "Traceback" in entry["exception"] and "RuntimeError: boom" in entry["exception"]


def test_plain_lines_name_the_request_at_their_end(plain_log, client):
    request_id = client.get("/quiet/")["X-Request-ID"]
    [line] = plain_log.getvalue().splitlines()
    assert " WARNING django.request: Forbidden: /quiet/" in line
    assert line.endswith(f" [request {request_id}]")


def test_a_task_enqueued_outside_a_request_carries_no_id(json_log, committed):
    with committed():
        enqueue_on_commit("laseros.tests.test_request_ids.task_that_logs", "alone")
    [entry] = [e for e in _entries(json_log) if e["logger"] == logger.name]
    assert entry["message"] == "the task says alone" and entry["request_id"] is None


def test_tasks_run_inline_in_several_threads_at_once_each_go_back_to_their_own_id():
    """Thread a starts a task, then thread b, then a ends first: each thread's id goes back to
    its own (a shared stack of tokens reset a's with b's, a ValueError in the PostgreSQL leg's
    concurrent invoice and upload tests)."""
    import threading

    from laseros import request_ids

    a_started, b_started, a_ended = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []
    seen: dict[str, tuple[str, str]] = {}

    def run(name: str, after: threading.Event | None, told: threading.Event, end_after) -> None:
        try:
            if after is not None:
                after.wait(timeout=10)
            request_ids.task_starts(task={request_ids.TASK_KEY: f"req-{name}"})
            inside = request_ids._current.get()
            told.set()
            end_after.wait(timeout=10)
            request_ids.task_ends()
            seen[name] = (inside, request_ids._current.get())
        except BaseException as exc:
            errors.append(exc)
        finally:
            if name == "a":
                a_ended.set()

    threads = [
        threading.Thread(target=run, args=("a", None, a_started, b_started)),
        threading.Thread(target=run, args=("b", a_started, b_started, a_ended)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert errors == []
    assert seen == {"a": ("req-a", ""), "b": ("req-b", "")}
