"""The one API router. Apps register their viewsets in their `api.py` via `router.register`;
`laseros.site.api_urls` imports those modules (it sits at the top layer and may see every app).

Every viewset registered here gets SafeRetryMixin (laseros.api.safety): Idempotency-Key on
POST, ETag and If-Match on one record."""

from rest_framework.routers import DefaultRouter

from .safety import with_safety


class LaserOSRouter(DefaultRouter):
    include_format_suffixes = False

    def register(self, prefix, viewset, basename=None):
        super().register(prefix, with_safety(viewset), basename)


router = LaserOSRouter()
