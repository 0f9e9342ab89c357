"""The one API router. Apps register their viewsets in their `api.py` via `router.register`;
`laseros.site.api_urls` imports those modules (it sits at the top layer and may see every app)."""

from rest_framework.routers import DefaultRouter


class LaserOSRouter(DefaultRouter):
    include_format_suffixes = False


router = LaserOSRouter()
