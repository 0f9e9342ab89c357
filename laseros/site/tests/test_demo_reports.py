"""The demo shop's week of reports: Daily Ops for each of the seven days before today and last
week's Weekly Client, made by the report code (so each file's checksum is its bytes), a PDF
for the newest day only; once."""

from __future__ import annotations

import datetime as dt
import hashlib
import random

import pytest
from django.utils import timezone

from laseros.site.demo.reports import seed_reports
from laseros.site.models import ReportRun

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_week_of_reports_made_once():
    lines: list[str] = []
    seed_reports(8, random.Random(1), lines.append)
    today = timezone.localdate()
    days = [today - dt.timedelta(days=n) for n in range(1, 8)]
    daily = ReportRun.objects.filter(kind="daily_ops")
    assert sorted(set(daily.values_list("period_start", flat=True))) == sorted(days)
    assert set(daily.values_list("format", flat=True)) == {"html", "pdf", "xlsx"}
    assert list(daily.filter(format="pdf").values_list("period_start", flat=True)) == [days[0]]
    [weekly_start] = set(
        ReportRun.objects.filter(kind="weekly_client").values_list("period_start", flat=True)
    )
    assert weekly_start.weekday() == 0 and weekly_start + dt.timedelta(days=7) <= today
    assert weekly_start + dt.timedelta(days=14) > today  # the last week that has ended
    for run in ReportRun.objects.all():
        with run.file.open("rb") as handle:
            content = handle.read()
        assert hashlib.sha256(content).hexdigest() == run.sha256
        if run.format == "html":
            assert b"Daily Ops" in content or b"Weekly Client" in content
    assert not ReportRun.objects.exclude(sent_to=[]).exists()  # e-mailed to nobody
    count = ReportRun.objects.count()
    assert lines == [f"reports: {count} report files made ({count} kept in all)"]

    seed_reports(8, random.Random(1), lines.append)
    assert ReportRun.objects.count() == count
    assert lines[-1] == f"reports: 0 report files made ({count} kept in all)"


def test_an_empty_demo_makes_no_reports():
    seed_reports(0, random.Random(1), print)
    assert not ReportRun.objects.exists()
