"""A request id on every log line of a request, and on the lines of the tasks it enqueued.

`RequestIdMiddleware` (first in MIDDLEWARE) takes the caller's X-Request-ID when it is sane (a
proxy in front may have set one: its access log and ours then share it), else makes one, keeps it
in a context variable while the request runs, and answers with it in the X-Request-ID header.
`RequestIdFilter` (on the console handler) puts it on each log record as `request_id`.

A task enqueued while a request runs carries the id in its django-q2 package (the `pre_enqueue`
signal adds it; a package is pickled whole, so an extra key travels to the worker untouched), and
the worker sets it again around the task (`pre_execute` / `post_execute_in_worker`): what the task
logs carries the id of the request that asked for it. Scheduled tasks have none.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
TASK_KEY = "request_id"
# A proxy's id (nginx's $request_id is 32 hex digits, others use UUIDs): letters, digits and
# - _ . : only, at most 64 characters. Anything else (spaces, newlines that would forge log
# lines, a megabyte) is replaced by our own id.
SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")

_current: contextvars.ContextVar[str] = contextvars.ContextVar("laseros_request_id", default="")


def current_request_id() -> str:
    """The id of the request (or the task) this code runs for; "" outside both."""
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(value: str | None) -> str:
    """The caller's id when it is sane, else a new one."""
    value = (value or "").strip()
    return value if SANE_ID.fullmatch(value) else new_request_id()


class RequestIdMiddleware:
    """Gives each request its id (request.request_id), for its log lines and its response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = accepted_request_id(request.META.get(META_KEY))
        request.request_id = request_id
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record: the current one, else the one of the request the record
    names (Django logs a refused or failed request after the middleware has returned)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = _current.get() or getattr(getattr(record, "request", None), "request_id", "")
        record.request_id = request_id or ""
        return True


@contextlib.contextmanager
def bound(request_id: str) -> Iterator[None]:
    """Run a block as part of request `request_id` ("": as part of none)."""
    token = _current.set(request_id)
    try:
        yield
    finally:
        _current.reset(token)


# --- tasks -----------------------------------------------------------------------------------

# The ids to go back to, per thread and context: a task run inline in several threads at once
# (the concurrency tests, a threaded server) must not reset another thread's id.
_task_tokens: contextvars.ContextVar[tuple[contextvars.Token, ...]] = contextvars.ContextVar(
    "laseros_task_tokens", default=()
)


def stamp_task(sender: Any = None, task: dict | None = None, **kwargs: Any) -> None:
    """pre_enqueue: the task carries the id of the request (or task) that enqueued it."""
    request_id = _current.get()
    if task is not None and request_id and TASK_KEY not in task:
        task[TASK_KEY] = request_id


def task_starts(sender: Any = None, task: dict | None = None, **kwargs: Any) -> None:
    """pre_execute, in the worker: the task's lines carry the id it was enqueued with."""
    request_id = (task or {}).get(TASK_KEY) or ""
    token = _current.set(request_id if SANE_ID.fullmatch(request_id) else "")
    _task_tokens.set((*_task_tokens.get(), token))


def task_ends(sender: Any = None, **kwargs: Any) -> None:
    """post_execute_in_worker: back to the id before the task (none in a worker; the request's
    own when the task ran inline)."""
    stack = _task_tokens.get()
    if stack:
        _task_tokens.set(stack[:-1])
        _current.reset(stack[-1])


def connect() -> None:
    from django_q.signals import post_execute_in_worker, pre_enqueue, pre_execute

    pre_enqueue.connect(stamp_task, dispatch_uid="laseros.request_ids.stamp")
    pre_execute.connect(task_starts, dispatch_uid="laseros.request_ids.starts")
    post_execute_in_worker.connect(task_ends, dispatch_uid="laseros.request_ids.ends")
