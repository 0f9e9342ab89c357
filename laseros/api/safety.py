"""What makes every routed viewset safe to retry and to share: `Idempotency-Key` on POST
(laseros.api.idempotency) and ETag / `If-Match` on one record (laseros.api.etags).

The router (laseros.api.routers) puts SafeRetryMixin in front of every viewset it registers, as
the admin site adds its audit mixin to every ModelAdmin: an app's viewset gets both without
naming them, and a new one cannot forget them.
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.db import transaction
from django.http import Http404
from rest_framework.exceptions import PermissionDenied

from . import etags, idempotency


class SafeRetryMixin:
    """Idempotent POSTs, ETags on GET of one record, If-Match on its PUT, PATCH and DELETE."""

    _idempotency_claim = None

    # --- DRF's steps --------------------------------------------------------------------------

    def dispatch(self, request, *args, **kwargs):
        if request.method in etags.WRITES and "HTTP_IF_MATCH" in request.META:
            # the row is locked from the If-Match check to the write (etags' docstring)
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._idempotency_claim = None
        if request.method == "POST":
            self._claim_key(request)
        elif request.method in etags.WRITES and self._writes_one_record():
            self._check_if_match(request)

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            return exc.response()
        try:
            return super().handle_exception(exc)
        except Exception:
            # an error DRF does not answer (a 500): the key goes back, so the retry runs
            if self._idempotency_claim is not None:
                idempotency.release(self._idempotency_claim)
                self._idempotency_claim = None
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self._idempotency_claim is not None:
            idempotency.settle(self._idempotency_claim, response)
            self._idempotency_claim = None
        # (a download answers an HttpResponse or a FileResponse: no data, no ETag)
        if response.status_code == 200 and isinstance(getattr(response, "data", None), dict):
            action = getattr(self, "action", None)
            if action == "retrieve":
                response["ETag"] = etags.etag_of(response.data)
            elif action in ("update", "partial_update"):
                # (unless the change took the record out of this user's view)
                with contextlib.suppress(Http404, PermissionDenied):
                    response["ETag"] = self._current_etag()
        return response

    # --- the parts ----------------------------------------------------------------------------

    def _claim_key(self, request) -> None:
        key = idempotency.key_from(request)
        if key is None or not request.user.is_authenticated:
            return
        self._idempotency_claim = idempotency.claim(
            user=request.user,
            key=key,
            fingerprint=idempotency.fingerprint(request),
            method=request.method,
            path=request.get_full_path(),
        )

    def _writes_one_record(self) -> bool:
        return getattr(self, "action", None) in etags.WRITE_ACTIONS and hasattr(self, "get_object")

    def _check_if_match(self, request) -> None:
        if_match = request.headers.get("If-Match")
        if if_match is None:
            if settings.API_REQUIRE_IF_MATCH:
                raise etags.PreconditionRequired()
            return
        # 404 / 403 as the write itself would answer
        record = self.get_object()  # type: ignore[attr-defined]
        # lock the row (PostgreSQL; SQLite's writers queue anyway), then read it as it is now
        list(type(record)._default_manager.select_for_update().filter(pk=record.pk).values("pk"))
        current = self._current_etag()
        if not etags.matches(if_match, current):
            raise etags.stale(if_match, current)

    def _current_etag(self) -> str:
        """The ETag a GET of the record would answer now."""
        action = self.action  # type: ignore[has-type]
        self.action = "retrieve"  # the serializer a GET answers with
        try:
            record = self.get_object()  # type: ignore[attr-defined]
            return etags.etag_of(self.get_serializer(record).data)  # type: ignore[attr-defined]
        finally:
            self.action = action


def with_safety(viewset: type) -> type:
    """`viewset` with SafeRetryMixin in front (itself if it has it already)."""
    if issubclass(viewset, SafeRetryMixin):
        return viewset
    return type(
        viewset.__name__,
        (SafeRetryMixin, viewset),
        {
            "__module__": viewset.__module__,
            "__doc__": viewset.__doc__,
            "__qualname__": viewset.__qualname__,
        },
    )
