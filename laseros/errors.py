"""The error pages a user meets with DEBUG off: the shop's own 403, 404 and 500 pages
(templates/403.html, 404.html, 500.html), and JSON under /api/, as the API's own errors are.

None of them names a URL pattern, a setting, a path on the server or a line of code.
"""

from __future__ import annotations

import logging

from django.http import HttpResponseServerError, JsonResponse
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
# When even the 500 page cannot be drawn (a template or static file is broken).
BARE_500 = (
    "<!doctype html><title>Server error · Laser OS</title><h1>Server error</h1>"
    "<p>Something went wrong on our side; it has been logged. Try again in a moment.</p>"
)


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


@requires_csrf_token
def permission_denied(request, exception):
    if _is_api(request):
        return JsonResponse(
            {"detail": "You do not have permission to perform this action."}, status=403
        )
    return defaults.permission_denied(request, exception)


@requires_csrf_token
def page_not_found(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


@requires_csrf_token
def server_error(request):
    """The 500 page is drawn without the request's context (no user, no database): the
    database may be what failed."""
    if _is_api(request):
        return JsonResponse(
            {"detail": "Server error: something went wrong on our side; it has been logged."},
            status=500,
        )
    try:
        return defaults.server_error(request)
    except Exception:
        logger.exception("the 500 page could not be drawn")
        return HttpResponseServerError(BARE_500)
