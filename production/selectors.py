"""Read queries on production used by several callers (admin, API, dashboard, operator pages)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from .models import LaserRun, LaserRunProject, LaserRunSheet


def local_day_bounds(day: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """Start and end (aware) of a shop-local calendar day: runs are counted in local time."""
    day = day or timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def runs_started_today() -> QuerySet[LaserRun]:
    start, end = local_day_bounds()
    return LaserRun.objects.filter(started_at__gte=start, started_at__lt=end)


def run_list() -> QuerySet[LaserRun]:
    """Runs with what every list shows: machine, operator, preset and the jobs they served."""
    return LaserRun.objects.for_list().prefetch_related(
        Prefetch("project_shares", queryset=LaserRunProject.objects.select_related("project"))
    )


def run_details() -> QuerySet[LaserRun]:
    """Runs with everything a run's record holds: run_list, the sheets taken, the photos."""
    return run_list().prefetch_related(
        Prefetch("sheets", queryset=LaserRunSheet.objects.select_related("stock__material")),
        "photos",
    )
