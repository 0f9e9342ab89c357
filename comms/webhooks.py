"""Webhooks out, the wire: secrets, Standard Webhooks signatures, the URL guard and one HTTP POST.

No models here (comms.services.webhooks keeps the endpoints and the delivery log).

Signing follows the Standard Webhooks specification (standardwebhooks.com), so a receiver checks
a delivery with the reference `standardwebhooks` library or a few lines of its own:

    webhook-id:        the event's id (the same on every retry: deduplicate on it)
    webhook-timestamp: seconds since the epoch when this attempt was signed
    webhook-signature: "v1,<base64 HMAC-SHA256 of '{id}.{timestamp}.{body}'>", the key being the
                       base64 after "whsec_" in the endpoint's secret; while a rotated secret's
                       overlap lasts, a second "v1,…" signed with the previous secret follows,
                       separated by a space, so receivers holding either secret accept it.

The URL guard refuses (WEBHOOK_ALLOW_PRIVATE_URLS off, the default) anything but http(s) to a
host whose every address is public: no localhost, private, link-local (cloud metadata at
169.254.169.254), shared, multicast or reserved address. It runs when an endpoint is saved and
again before each attempt, and the attempt connects to the address it checked (a name that
resolves elsewhere a moment later is not followed). Redirects are not followed; a slow server
is cut off after WEBHOOK_TIMEOUT_SECONDS and a long answer after WEBHOOK_RESPONSE_MAX_BYTES.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import ipaddress
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
EXCERPT_CHARS = 1000
USER_AGENT = "LaserOS-Webhooks/1"


class UnsafeURL(ValueError):
    """A URL the webhooks may not call (the message says why, for the person who typed it)."""


# --- secrets and signatures -----------------------------------------------------------------------


def new_secret() -> str:
    """A fresh signing secret: "whsec_" and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key a "whsec_…" secret stands for."""
    body = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret
    return base64.b64decode(body + "==")


def signature(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> str:
    """One "v1,<base64>" signature of the message."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(
    *, msg_id: str, body: bytes, secrets_: list[str], timestamp: int | None = None
) -> dict[str, str]:
    """The Standard Webhooks headers for `body`, signed with each secret given (the current one
    first; the previous one too while its overlap lasts)."""
    when = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(when),
        "webhook-signature": " ".join(
            signature(secret, msg_id=msg_id, timestamp=when, body=body) for secret in secrets_
        ),
    }


# --- the URL guard --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (the addresses that were checked) and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(
    url: str, *, allow_private: bool | None = None, resolver: Resolver | None = None
) -> Target:
    """The URL checked for calling: http(s), a host, and (unless private URLs are allowed) every
    address it resolves to public. UnsafeURL says what is wrong."""
    if allow_private is None:
        allow_private = settings.WEBHOOK_ALLOW_PRIVATE_URLS
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeURL(f"This is not a URL: {exc}.") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("A webhook URL starts with https:// (or http://).")
    host = parts.hostname or ""
    if not host:
        raise UnsafeURL("The URL has no host name.")
    if parts.username or parts.password:
        raise UnsafeURL("Put no user name or password in the URL; the signature proves the sender.")
    try:
        addresses = (resolver or resolve)(host, port)
    except (OSError, UnicodeError) as exc:
        raise UnsafeURL(f"The host {host} could not be found ({exc}).") from None
    if not addresses:
        raise UnsafeURL(f"The host {host} could not be found.")
    if not allow_private:
        for address in addresses:
            if not _is_public(address):
                raise UnsafeURL(
                    f"{host} is a local or private address ({address}); webhooks go to public "
                    "addresses only (WEBHOOK_ALLOW_PRIVATE_URLS allows private ones)."
                )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port, path, tuple(addresses))


# --- one attempt ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What one POST got: the status code (None: no answer), how long it took, the start of the
    answer's body, and the error when there was no 2xx."""

    status_code: int | None
    latency_ms: int
    excerpt: str = ""
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _connection(target: Target, address: str, timeout: float) -> http.client.HTTPConnection:
    """A connection to `address` (checked) that speaks to the host by its name (Host, TLS SNI
    and certificate)."""
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = http.client.HTTPSConnection(target.host, target.port, timeout=timeout)
    else:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)

    def pinned(where: Any, timeout: Any = None, source_address: Any = None) -> socket.socket:
        return socket.create_connection((address, where[1]), timeout, source_address)

    connection._create_connection = pinned  # type: ignore[attr-defined]
    return connection


def _read_capped(response: http.client.HTTPResponse, *, limit: int, deadline: float) -> bytes:
    """At most `limit` bytes of the answer, read before `deadline`; the rest is left unread."""
    chunks: list[bytes] = []
    size = 0
    while size < limit and time.monotonic() < deadline:
        chunk = response.read1(min(65536, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def post(
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    timeout: float | None = None,
    allow_private: bool | None = None,
) -> Answer:
    """POST `body` to `url` once, guarded (check_url), never following a redirect, cut off after
    `timeout` seconds in all and WEBHOOK_RESPONSE_MAX_BYTES of answer."""
    timeout = float(settings.WEBHOOK_TIMEOUT_SECONDS if timeout is None else timeout)
    limit = int(settings.WEBHOOK_RESPONSE_MAX_BYTES)
    started = time.monotonic()
    deadline = started + timeout

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = check_url(url, allow_private=allow_private)
    except UnsafeURL as exc:
        return Answer(None, took(), error=f"Refused: {exc}")
    request_headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **headers,
    }
    error = ""
    for address in target.addresses:
        connection = _connection(target, address, timeout)
        try:
            connection.request("POST", target.path, body=body, headers=request_headers)
            response = connection.getresponse()
            data = _read_capped(response, limit=limit, deadline=deadline)
            return _answer(response, data, limit=limit, took=took())
        except (OSError, http.client.HTTPException) as exc:
            error = _network_error(exc, timeout)
            if isinstance(exc, TimeoutError | socket.timeout) or time.monotonic() >= deadline:
                break
        finally:
            connection.close()
    return Answer(None, took(), error=error)


def _answer(response: http.client.HTTPResponse, data: bytes, *, limit: int, took: int) -> Answer:
    status = response.status
    # a receiver's bytes, as text a database keeps: PostgreSQL's text refuses NUL
    excerpt = data.decode("utf-8", "replace").replace("\x00", "\ufffd")[:EXCERPT_CHARS]
    error = ""
    if 300 <= status < 400:
        where = response.getheader("Location") or "nowhere"
        error = f"Answered {status} (a redirect to {where}); redirects are not followed."
    elif not 200 <= status < 300:
        error = f"Answered {status} {response.reason}".strip() + "."
    if len(data) >= limit and error:
        error += f" (answer cut off after {limit} bytes)"
    return Answer(status, took, excerpt=excerpt, error=error)


def _network_error(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"No answer within {timeout:g} s."
    if isinstance(exc, ConnectionRefusedError):
        return "The connection was refused (is the receiver running?)."
    return f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__
