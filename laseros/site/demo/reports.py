"""The demo shop's reports, for a look at the admin's reports list: the last week of Daily Ops
(one a day, the seven days before today) and the last finished week's Weekly Client, made by
the report code itself (laseros.site.reports.services.report_make) from the demo's own runs,
jobs and invoices, and e-mailed to nobody.

Each day is kept as HTML and Excel; only the newest Daily Ops is also drawn as a PDF, since
WeasyPrint takes seconds a page and seed_demo should stay quick. A period already made is left
as it is, so running seed_demo again adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.utils import timezone

from laseros.site.models import ReportFormat, ReportRun
from laseros.site.reports import daily_ops, weekly_client
from laseros.site.reports.services import report_make

Log = Callable[[str], None]
DAYS = 7
QUICK = [ReportFormat.HTML, ReportFormat.XLSX]
ALL = [ReportFormat.HTML, ReportFormat.PDF, ReportFormat.XLSX]


def _wanted(today: dt.date) -> list[tuple[str, dt.date, list[str]]]:
    """(kind, a day of its period, formats): yesterday's Daily Ops first (in every format)."""
    days = [today - dt.timedelta(days=n) for n in range(1, DAYS + 1)]
    wanted = [(daily_ops.KIND, day, ALL if day == days[0] else QUICK) for day in days]
    last_week = today - dt.timedelta(days=today.weekday() + 1)  # the Sunday that ended it
    return [*wanted, (weekly_client.KIND, last_week, QUICK)]


def seed_reports(size: int, rng: random.Random, log: Log) -> None:
    if size == 0:
        return
    made = set(ReportRun.objects.values_list("kind", "period_start"))
    files = 0
    for kind, day, formats in _wanted(timezone.localdate()):
        module = daily_ops if kind == daily_ops.KIND else weekly_client
        start, _end = module.period(day)
        if (kind, start) in made:
            continue
        files += len(report_make(kind=kind, day=day, formats=formats, by=None, send_to=[]))
    log(f"reports: {files} report files made ({ReportRun.objects.count()} kept in all)")
