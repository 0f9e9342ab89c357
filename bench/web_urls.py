"""URLs for bench/web_load.py only: the product's, plus the bare JsonResponse to compare with.

`GET /bench/bare-projects/` answers the API list's first page (the same 50 jobs in the same
order, the same columns and the client's and material's codes, and the count) with a plain
`JsonResponse` from `.values()`: no authentication, permission, serializer, filter or throttle.
It still passes through every middleware, as the API does. Loaded only by bench.web_settings.
"""

from django.core.paginator import Paginator
from django.http import JsonResponse
from django.urls import path

from laseros.site.urls import handler403, handler404, handler500
from laseros.site.urls import urlpatterns as product_urlpatterns
from projects.models import Project

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]

PAGE_SIZE = 50


def bare_projects(request):
    """The API list's first page, as a bare JsonResponse of the same rows."""
    columns = [f.attname for f in Project._meta.concrete_fields]
    rows = Project.objects.order_by("-created_at", "-id").values(
        *columns, "client__code", "material__code"
    )
    page = Paginator(rows, PAGE_SIZE).page(1)
    return JsonResponse({"count": page.paginator.count, "results": list(page.object_list)})


urlpatterns = [path("bench/bare-projects/", bare_projects), *product_urlpatterns]
