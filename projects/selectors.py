"""Reads of jobs and products that more than one caller uses (admin, API, dashboard, pages)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch
from django.utils import timezone

from .models import Product, Project, ProjectQuerySet, ProjectStatus, ProjectStatusChange
from .workflow import ProjectStatusGroups


def project_list() -> ProjectQuerySet:
    """Jobs as lists show them: client and material joined, no query per row."""
    return Project.objects.for_list()


def project_detail_queryset() -> ProjectQuerySet:
    """A job with its history, documents and lines, each fetched once."""
    return Project.objects.for_list().prefetch_related(
        Prefetch(
            "status_changes",
            queryset=ProjectStatusChange.objects.select_related("changed_by"),
        ),
        "documents",
        "lines__product",
    )


def open_projects() -> ProjectQuerySet:
    return Project.objects.in_status(ProjectStatusGroups.OPEN)


def projects_waiting_for_payment() -> ProjectQuerySet:
    return Project.objects.in_status(ProjectStatusGroups.WAITING_PAYMENT)


def this_week(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """Today and the six days after it."""
    today = today or timezone.localdate()
    return today, today + dt.timedelta(days=6)


def quotes_expiring(start: dt.date, end: dt.date) -> ProjectQuerySet:
    """Jobs in Quoting whose quote's last valid day falls between `start` and `end`."""
    return Project.objects.filter(
        status=ProjectStatus.QUOTING, quote_expires_on__gte=start, quote_expires_on__lte=end
    )


def product_list():
    """Products with their material and how many jobs ordered them."""
    return Product.objects.for_list().annotate(line_count=Count("project_lines"))
