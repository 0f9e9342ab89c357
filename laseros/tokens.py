"""API tokens: several per user, each named, shown once, revocable (laseros.models.ApiToken).

A key is `lsr_` and 40 random characters; only its sha256 is stored (a random key of that length
needs no slow hash: there is nothing to guess from). The API reads it from the same header as
DRF's own tokens (`Authorization: Token <key>`), which keep working beside it
(laseros.api.authentication).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from laseros.audit import record, record_created
from laseros.models import ActivityLog, ApiToken

KEY_PREFIX = "lsr_"
SHOWN_CHARS = 12  # how much of a key its row keeps in clear, to recognise it: "lsr_Ab3dE9fG"
# A token's last use is written at most this often: not one write per request.
LAST_USED_EVERY = dt.timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(*, user, name: str, by=None) -> tuple[ApiToken, str]:
    """A new token for `user` and its key, which is not kept: show it once, now."""
    key = KEY_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken(
        user=user,
        name=name.strip(),
        prefix=key[:SHOWN_CHARS],
        key_hash=hash_key(key),
        created_at=timezone.now(),
    )
    token.full_clean()
    token.save()
    record_created(token, by=by or user, message=f"API token {token.name!r} for {user}")
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken, by) -> ApiToken:
    """Stop `token` working from now on; the row stays (who had it, when it was last used)."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(
            action=ActivityLog.Action.UPDATE,
            obj=token,
            changes={"revoked_at": [None, token.revoked_at.isoformat()]},
            message=f"API token {token.name!r} of {token.user} revoked",
            user=by,
        )
    return token


def token_for_key(key: str) -> ApiToken | None:
    """The active token a key opens (its last use noted), or None."""
    if not key.startswith(KEY_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
