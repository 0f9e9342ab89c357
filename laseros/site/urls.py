"""Root URLs (the top wiring): the admin, the API (with its schema and docs), health, stored
files, and the HTMX pages."""

import re

from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404
from django.urls import include, path, re_path
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from laseros.files import media_file
from laseros.health import healthz


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request):
    """The shop's icon where every browser looks for it (pages that link none, and the API)."""
    found = finders.find("favicon.ico")
    if not found:
        raise Http404("No icon.")
    return FileResponse(open(found, "rb"), content_type="image/vnd.microsoft.icon")


# Every app's admin module registers its models here, when the site is served (laseros.apps).
admin.autodiscover()

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("laseros.site.api_urls")),
    # the money documents as PDFs (quote, tax invoice, credit note, delivery note, statement)
    path("finance/", include("finance.urls")),
    # the shop floor: operators' pages on a tablet (HTMX), and the planner's board
    path("floor/", include("production.floor.urls")),
    # the bell's list and marking notifications read (comms)
    path("notifications/", include("comms.urls")),
    # a client's tracking page: a signed link per job, no login (laseros.site.tracking)
    path("t/", include("laseros.site.tracking.urls")),
    # the manager's dashboard, the calendar and global search (laseros.site.dashboard)
    path("", include("laseros.site.dashboard.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI with its start-up script from a URL, not inline (the site's CSP runs no inline script)
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
]

# Error pages with DEBUG off: the shop's own, and JSON under /api/ (laseros/errors.py).
handler403 = "laseros.errors.permission_denied"
handler404 = "laseros.errors.page_not_found"
handler500 = "laseros.errors.server_error"

# Stored files (MEDIA_URL) only through a view that checks who asks, with DEBUG on or off
# (laseros/files.py); nothing under MEDIA_ROOT is served by its URL alone.
if settings.MEDIA_URL.startswith("/"):
    urlpatterns.append(
        re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<name>.+)$", media_file)
    )
