"""Makes the request's user and IP address known to audit entries written by services."""

from __future__ import annotations

from .context import client_ip, request_context


class AuditRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        # request.user is lazy; resolve it only when an entry is written.
        with request_context(
            user=_LazyUser(request) if user is not None else None, ip=client_ip(request)
        ):
            return self.get_response(request)


class _LazyUser:
    """Resolves request.user when an audit entry asks for it (after DRF token auth too)."""

    def __init__(self, request):
        self._request = request

    def resolve(self):
        request = self._request
        # DRF's token authentication sets the user on the Django request it wraps, too.
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None
