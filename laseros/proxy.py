"""The client's address behind a proxy (nginx in deploy/nginx/laseros.conf).

gunicorn puts its peer in REMOTE_ADDR: behind nginx that is nginx (or nothing, on a unix socket),
so every request would come from one address, and login lock-outs (axes), API throttles and the
audit trail, which all read REMOTE_ADDR, would take every client for one. When the peer is one of
TRUSTED_PROXIES ("unix" for a unix-socket peer), the address it sends in X-Real-IP (nginx:
`proxy_set_header X-Real-IP $remote_addr`, which replaces whatever the client sent) becomes
REMOTE_ADDR. From any other peer the header is ignored: a client cannot choose its address.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings

HEADER = "HTTP_X_REAL_IP"
UNIX_PEER = "unix"


def trusted_peer(remote_addr: str) -> bool:
    trusted = getattr(settings, "TRUSTED_PROXIES", ())
    return (remote_addr or UNIX_PEER) in trusted


def valid_address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


class ProxiedClientAddressMiddleware:
    """REMOTE_ADDR becomes the client's address a trusted proxy vouches for (before axes, the
    throttles and the audit trail read it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        if HEADER in meta and trusted_peer(meta.get("REMOTE_ADDR", "")):
            address = valid_address(meta[HEADER])
            if address is not None:
                meta["REMOTE_ADDR"] = address
        return self.get_response(request)
