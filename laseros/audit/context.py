"""Who is acting and from where, for the duration of a request (or a command)."""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from typing import Any

_user: ContextVar[Any] = ContextVar("laseros_audit_user", default=None)
_ip: ContextVar[str | None] = ContextVar("laseros_audit_ip", default=None)


def current_user() -> Any:
    return _user.get()


def current_ip() -> str | None:
    return _ip.get()


@contextlib.contextmanager
def request_context(user: Any = None, ip: str | None = None):
    """Make `user` and `ip` the defaults for audit entries written inside the block."""
    user_token = _user.set(user)
    ip_token = _ip.set(ip)
    try:
        yield
    finally:
        _user.reset(user_token)
        _ip.reset(ip_token)


def client_ip(request) -> str | None:
    """The client's address as the web server saw it (REMOTE_ADDR; proxies set it right)."""
    return request.META.get("REMOTE_ADDR") or None
