"""`Idempotency-Key` on every POST of the API: a client that did not hear the answer sends the
same request again with the same key and gets the first answer (status and body), and nothing
is made twice.

- The key belongs to the user who sent it; it is kept IDEMPOTENCY_KEY_HOURS (24 by default),
  then forgotten (a daily task, `forget_expired`).
- The same key with another body (or for another address) is refused with 422: a client bug
  that would otherwise get the answer to a request it did not send.
- The key is claimed (its row inserted) before the request runs, in a transaction of its own,
  so a retry sent while the first request is still running finds it and is told 409 (try again
  in a moment) instead of making a second record. A request that ends in a server error gives
  its key back, so the retry runs.
- A request without the header runs as before.

The views get this from `SafeRetryMixin` (laseros.api.safety), which the router adds to every
viewset it registers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from laseros.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# A claim whose request has not answered after this long is taken to be lost (its process died)
# and the key may be claimed again: longer than any request may run (gunicorn's timeout).
ABANDONED_AFTER = dt.timedelta(minutes=10)
# Answer headers a replay repeats.
KEPT_HEADERS = ("Location",)


class IdempotencyError(APIException):
    pass


class KeyInvalid(ValidationError):
    """A 400 as a form-wide refusal is ({"detail": [message]}, laseros.api.exceptions): the
    shape every 400 the schema documents accepts (an upload's, a status move's too)."""


class KeyReused(IdempotencyError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = (
        "This Idempotency-Key was already used for a different request (another body or another "
        "address). Send a new key for a new request; send the same key only to retry the very "
        "same request."
    )


class KeyInFlight(IdempotencyError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_key_in_flight"
    default_detail = (
        "A request with this Idempotency-Key is still being answered. Retry in a moment: you "
        "will get its answer."
    )


class Replay(Exception):
    """The first answer to a key, to be given again (raised before the view runs)."""

    def __init__(self, claim: IdempotencyKey):
        self.claim = claim

    def response(self) -> Response:
        headers = {**(self.claim.response_headers or {}), "Idempotent-Replayed": "true"}
        return Response(self.claim.response_body, status=self.claim.status_code, headers=headers)


def keep_for() -> dt.timedelta:
    return dt.timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)


def key_from(request) -> str | None:
    """The request's key, or None; a key no client would send on purpose is a 400."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise KeyInvalid(
            {
                "detail": [
                    f"An Idempotency-Key is 1 to {MAX_KEY_LENGTH} printable characters (a UUID "
                    "is best); this one is not."
                ]
            }
        )
    return key


def fingerprint(request) -> str:
    """What makes two requests the same request: method, address (with its query) and body (as
    parsed: a JSON body by its values, a form by its fields and files by their bytes)."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.get_full_path()}\n".encode())
    data = request.data  # a form's files are in it, as uploaded files
    body = dict(data.lists()) if hasattr(data, "lists") else data
    digest.update(json.dumps(_canonical(body), sort_keys=True, cls=JSONEncoder).encode())
    return digest.hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, UploadedFile):
        content = hashlib.sha256()
        for chunk in value.chunks():
            content.update(chunk)
        value.seek(0)
        return {"file": value.name, "sha256": content.hexdigest()}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def claim(*, user, key: str, fingerprint: str, method: str, path: str) -> IdempotencyKey:
    """The key's row, claimed for this request; raises Replay (answered before), KeyReused or
    KeyInFlight. Claimed in a transaction of its own, committed before the request runs."""
    now = timezone.now()
    with transaction.atomic():
        IdempotencyKey.objects.filter(user=user, created_at__lt=now - keep_for()).delete()
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                user=user,
                key=key,
                fingerprint=fingerprint,
                method=method,
                path=path[:2000],
                created_at=now,
            )
    except IntegrityError:
        pass
    held = IdempotencyKey.objects.filter(user=user, key=key).first()
    if held is None:  # it expired and went between our insert and this read: claim it now
        return claim(user=user, key=key, fingerprint=fingerprint, method=method, path=path)
    if held.fingerprint != fingerprint:
        raise KeyReused()
    if held.status_code is not None:
        raise Replay(held)
    if held.created_at < now - ABANDONED_AFTER:
        taken = IdempotencyKey.objects.filter(
            pk=held.pk, status_code__isnull=True, created_at=held.created_at
        ).update(created_at=now)
        if taken:
            held.created_at = now
            return held
    raise KeyInFlight()


def settle(held: IdempotencyKey, response) -> None:
    """Keep the answer a claimed request got, for its retries; a server error (or an answer
    that is not data) gives the key back, so a retry runs the request again."""
    body = getattr(response, "data", None)
    if response.status_code >= 500 or (body is None and response.status_code != 204):
        release(held)
        return
    try:
        stored = json.loads(json.dumps(body, cls=JSONEncoder))
    except (TypeError, ValueError):
        release(held)
        return
    held.status_code = response.status_code
    held.response_body = stored
    held.response_headers = {name: response[name] for name in KEPT_HEADERS if name in response}
    held.save(update_fields=["status_code", "response_body", "response_headers"])


def release(held: IdempotencyKey) -> None:
    IdempotencyKey.objects.filter(pk=held.pk, status_code__isnull=True).delete()


def forget_expired() -> str:
    """Daily (a scheduled task): the keys older than IDEMPOTENCY_KEY_HOURS, of every user (a
    claim clears only its own user's, and a program that stopped posting leaves its keys)."""
    gone, _per_model = IdempotencyKey.objects.filter(
        created_at__lt=timezone.now() - keep_for()
    ).delete()
    return f"{gone} expired idempotency keys forgotten"
