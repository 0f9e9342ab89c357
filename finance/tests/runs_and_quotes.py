"""Helpers for the estimate-against-actual tests: paid jobs quoted from a measured drawing through
finance's services, and laser runs recorded for them through production's run_record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from finance import services
from finance.models import Quote
from production.models import CutPreset, LaserRun
from production.services import run_record
from production.tests.factories import OperatorFactory, make_project
from projects.models import Project

TEN = Decimal("10")
# The base plate's cut length is 1 026.195 mm: at 1 026.2 mm/min, no pierce time and no travel,
# 10 of them are 10.00 machine minutes on the quote.
TEN_MINUTE_SPEED = Decimal("1026.2")


def ten_minutes_a_ten(preset: CutPreset) -> CutPreset:
    """The preset set so that 10 base plates quote exactly 10.00 minutes (test set-up)."""
    CutPreset.objects.filter(pk=preset.pk).update(
        cut_speed_mm_min=TEN_MINUTE_SPEED, pierce_time_s=Decimal("0")
    )
    preset.refresh_from_db()
    return preset


def paid_job(shop: dict, **fields):
    """A 10 mm mild steel job, paid (unless `status` says), so a run may cut it."""
    fields.setdefault("status", "paid")
    return make_project(material=shop["material"], thickness_mm=TEN, **fields)


def quoted(job, file, *, quantity: int = 10, gas: str = "", accept: bool = False) -> Quote:
    """A quote for the job with one line of the drawing, sent (and accepted if asked)."""
    quote = services.quote_create(project=job, by=None)
    services.quote_line_add(quote=quote, by=None, file=file, quantity=quantity, gas=gas)
    services.quote_send(quote=quote, by=None)
    if accept:  # the job goes to Approved; then it is paid (set here, as make_project does)
        services.quote_accept(quote=quote, by=None)
        Project.objects.filter(pk=job.pk).update(status="paid", pop_received_at=timezone.now())
        job.refresh_from_db()
    return quote


def cut(
    shop: dict,
    jobs: list[tuple[object, int]],
    *,
    minutes: int,
    sheets: int = 0,
    preset: CutPreset | None = None,
    days_ago: int = 30,
) -> LaserRun:
    """A run of `minutes` that cut each (job, cut length mm) given, taking `sheets` sheets."""
    started = (timezone.now() - dt.timedelta(days=days_ago)).replace(microsecond=0)
    return run_record(
        machine=shop["machine"],
        operator=OperatorFactory(),
        started_at=started,
        ended_at=started + dt.timedelta(minutes=minutes),
        projects=[
            {"project": job, "parts": 1, "cut_length_mm": length, "area_mm2": 0}
            for job, length in jobs
        ],
        sheets=[(shop["stock"], sheets)] if sheets else (),
        preset=preset or shop["preset"],
        by=None,
    )
