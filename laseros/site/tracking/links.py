"""A tracking link: the TrackingLink row and its URL, /t/<token>/, where the token is the row's id
signed with the site's secret (django.core.signing). A tampered token does not unsign; an
expired or revoked row does not open: all three read as "no link" (the page is a plain 404)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from laseros.actors import Actor, acting_user
from laseros.audit import record, record_created
from laseros.models import ActivityLog
from projects.models import Project

from ..models import TrackingLink

SALT = "laseros.site.tracking"


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def link_token(link: TrackingLink) -> str:
    """The signed token of a link: its id and a signature ("12:Uk6d…", URL-safe, no slash).
    The same for a link each time, so a message and the API hand out one URL per link."""
    return _signer().sign(str(link.pk))


def link_path(link: TrackingLink) -> str:
    return reverse("tracking:page", args=[link_token(link)])


def link_url(link: TrackingLink) -> str:
    """The link as a client receives it: SITE_URL and the page's path."""
    return settings.SITE_URL.rstrip("/") + link_path(link)


def open_link(token: str, *, now: dt.datetime | None = None) -> TrackingLink | None:
    """The live link a token names, with its job and client; None for a token that does not
    unsign (tampered, made with another secret), an unknown id, or a revoked or expired link."""
    try:
        value = _signer().unsign(token)
    except signing.BadSignature:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        return None
    link_id = int(value)
    return (
        TrackingLink.objects.live(now)
        .select_related("project__client", "project__material")
        .filter(pk=link_id)
        .first()
    )


def _days(days: int | None) -> int:
    days = settings.TRACKING_LINK_DAYS if days is None else days
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 366:
        raise ValidationError({"days": "A link works from 1 to 366 days."})
    return days


@transaction.atomic
def tracking_link_create(*, project: Project, by: Actor, days: int | None = None) -> TrackingLink:
    """A new link to `project` for its client, working `days` (TRACKING_LINK_DAYS) days;
    audited. Older links keep working until they expire or are revoked."""
    if project is None or project.pk is None:
        raise ValidationError({"project": "Choose the job."})
    link = TrackingLink(
        project=project,
        expires_at=timezone.now() + dt.timedelta(days=_days(days)),
        created_by=acting_user(by),
    )
    link.full_clean()
    link.save()
    record_created(link, by=by, message=f"client tracking link for {project.code}")
    return link


@transaction.atomic
def tracking_link_revoke(*, link: TrackingLink, by: Actor) -> TrackingLink:
    """End a link now: its page answers 404 from then on. Revoking a revoked link changes
    nothing."""
    current = TrackingLink.objects.select_for_update().get(pk=link.pk)
    if current.revoked_at is None:
        current.revoked_at = timezone.now()
        current.revoked_by = acting_user(by)
        current.save(update_fields=["revoked_at", "revoked_by"])
        record(
            action=ActivityLog.Action.UPDATE,
            obj=current,
            changes={"revoked_at": [None, current.revoked_at.isoformat()]},
            message=f"client tracking link for job #{current.project_id} revoked",
            user=by,
        )
    link.revoked_at, link.revoked_by_id = current.revoked_at, current.revoked_by_id
    return current


def tracking_link_current(*, project: Project, by: Actor) -> TrackingLink:
    """The link to give the client now: a live one with at least half its life left (so each
    message or each ask does not make a new row), else a new one made by `by`."""
    now = timezone.now()
    keep_until = now + dt.timedelta(days=settings.TRACKING_LINK_DAYS / 2)
    found = (
        TrackingLink.objects.live(now)
        .filter(project=project, expires_at__gte=keep_until)
        .order_by("-expires_at", "-id")
        .first()
    )
    return found or tracking_link_create(project=project, by=by)


def message_tracking_url(client=None, job=None) -> str:
    """comms' hook (comms.rendering.register_tracking_link): the job's link, "" without a job."""
    if job is None or getattr(job, "pk", None) is None:
        return ""
    return link_url(tracking_link_current(project=job, by=None))


def mark_used(link: TrackingLink) -> None:
    """When the client last opened the link (one UPDATE, no audit entry: reading is not a
    change)."""
    TrackingLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now())
