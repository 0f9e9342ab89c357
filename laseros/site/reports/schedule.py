"""When the reports are made: a task every 15 minutes makes each report whose time has come and
that was not made yet. A report missed while the worker was down (or while a report failed) is
made at the worker's first tick after it starts, back REPORT_CATCH_UP_DAYS at most; a kind never
made before starts with its latest period, so a new shop is not sent a week of old reports."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from ..models import ReportRun
from . import REPORTS

logger = logging.getLogger(__name__)

EVERY_MINUTES = 15


def reports_due(now: dt.datetime) -> list[tuple[str, dt.date, dt.date]]:
    """(kind, start, end) of each report due by `now` and not made, the oldest first."""
    today = timezone.localtime(now).date()
    days = max(1, int(settings.REPORT_CATCH_UP_DAYS))
    made = {
        (kind, start, end)
        for kind, start, end in ReportRun.objects.filter(
            period_end__gte=today - dt.timedelta(days=days + 32)
        ).values_list("kind", "period_start", "period_end")
    }
    first_made = dict(
        ReportRun.objects.values_list("kind").annotate(first=Min("period_start")).order_by()
    )
    due: list[tuple[str, dt.date, dt.date]] = []
    for kind, module in REPORTS.items():
        # periods that fell due in the last `days` days (a month's report too: look a month back)
        periods = {module.period(today - dt.timedelta(days=n)) for n in range(days + 32)}
        since = now - dt.timedelta(days=days)
        ripe = sorted(p for p in periods if since < module.due_at(*p) <= now)
        if kind not in first_made:
            ripe = ripe[-1:]  # never made: only the latest
        else:
            ripe = [p for p in ripe if p[0] >= first_made[kind]]
        due += [(kind, start, end) for start, end in ripe if (kind, start, end) not in made]
    return sorted(due, key=lambda item: (item[1], item[0]))


def make_due_reports(now: dt.datetime | None = None) -> list[str]:
    """Make (and send) every report due and not made; one that fails is logged and tried again
    at the next tick, and the others are still made. Returns what was made."""
    from .services import report_make

    made = []
    for kind, start, end in reports_due(now or timezone.now()):
        try:
            report_make(kind=kind, day=start, formats=settings.REPORT_FORMATS, by=None)
        except Exception:
            logger.exception("the report %s for %s – %s could not be made", kind, start, end)
            continue
        made.append(f"{kind} {start}")
    return made
