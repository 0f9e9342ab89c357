"""How old the shop's last good backup is (the admin index, /healthz, manage.py doctor)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone


def last_good_backup():
    from laseros.models import BackupRun

    return BackupRun.objects.filter(status=BackupRun.Status.OK).order_by("-finished_at").first()


def backup_status() -> dict[str, Any]:
    """{"last": BackupRun | None, "age_hours": float | None, "stale": bool, "last_failed": ...}:
    stale when there is no good backup within BACKUP_STALE_HOURS."""
    from laseros.models import BackupRun

    last = last_good_backup()
    age = (timezone.now() - last.finished_at) if last else None
    latest = BackupRun.objects.order_by("-finished_at").first()
    return {
        "last": last,
        "age_hours": round(age / dt.timedelta(hours=1), 1) if age is not None else None,
        "stale": age is None or age > dt.timedelta(hours=settings.BACKUP_STALE_HOURS),
        "last_failed": latest if latest and latest.status == BackupRun.Status.FAILED else None,
        "stale_hours": settings.BACKUP_STALE_HOURS,
    }
