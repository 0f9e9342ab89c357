"""Which backups to keep: the newest of each of the last N days, M weeks and K months that have
one (days, weeks and months on the shop's clock). A backup may count for all three."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Hashable, Iterable

from django.utils import timezone

NAME = re.compile(r"^laseros-backup-(?P<stamp>\d{8}T\d{6}Z)\.tar\.gz(?P<enc>\.enc)?$")
STAMP = "%Y%m%dT%H%M%SZ"


def backup_name(taken_at: dt.datetime, *, encrypted: bool) -> str:
    stamp = taken_at.astimezone(dt.UTC).strftime(STAMP)
    return f"laseros-backup-{stamp}.tar.gz" + (".enc" if encrypted else "")


def taken_at(name: str) -> dt.datetime | None:
    """When the backup called `name` was taken; None for a file that is not a backup."""
    found = NAME.match(name)
    if not found:
        return None
    return dt.datetime.strptime(found["stamp"], STAMP).replace(tzinfo=dt.UTC)


def _newest_per(
    stamps: list[tuple[dt.datetime, str]], period: Callable[[dt.date], Hashable], count: int
) -> set[str]:
    kept: dict[Hashable, str] = {}
    for when, name in stamps:  # newest first
        key = period(timezone.localtime(when).date())
        if key not in kept:
            if len(kept) == count:
                break
            kept[key] = name
    return set(kept.values())


def to_keep(names: Iterable[str], *, daily: int, weekly: int, monthly: int) -> set[str]:
    """The backup names rotation keeps; names that are not backups are not its business."""
    stamps = sorted(
        ((when, name) for name in names if (when := taken_at(name)) is not None), reverse=True
    )
    return (
        _newest_per(stamps, lambda day: day, daily)
        | _newest_per(stamps, lambda day: day.isocalendar()[:2], weekly)
        | _newest_per(stamps, lambda day: (day.year, day.month), monthly)
    )


def to_delete(names: Iterable[str], *, daily: int, weekly: int, monthly: int) -> list[str]:
    names = list(names)
    kept = to_keep(names, daily=daily, weekly=weekly, monthly=monthly)
    return sorted(name for name in names if taken_at(name) is not None and name not in kept)
