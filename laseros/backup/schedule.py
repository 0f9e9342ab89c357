"""The daily backup's schedule, declared at start-up (laseros.apps): nothing heavy imported."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone


def first_run(at: str, now: dt.datetime | None = None) -> dt.datetime:
    """The next BACKUP_AT ("HH:MM") on the shop's clock."""
    hour, minute = (int(part) for part in at.split(":"))
    now = timezone.localtime(now)
    run = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return run if run > now else run + dt.timedelta(days=1)


def declare_daily_backup() -> None:
    from laseros.tasks import declare_schedule

    declare_schedule(
        "laseros.backup",
        func="laseros.backup.tasks.daily_backup",
        schedule_type="D",
        repeats=-1,
        next_run=first_run(settings.BACKUP_AT),
    )
