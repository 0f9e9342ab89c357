"""Reads of jobs and products that more than one caller uses (admin, API, dashboard, pages)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F
from django.utils import timezone

from laseros.money import can_see_money

from .models import (
    DocumentKind,
    Product,
    Project,
    ProjectDocument,
    ProjectQuerySet,
    ProjectStatus,
)
from .workflow import ProjectStatusGroups


def project_list() -> ProjectQuerySet:
    """Jobs as the API lists them: of the client and the material only their codes, all the API
    shows, read in the same query as `client_code` and `material_code` (joining the rows whole
    built a client and a material for every job, a third of the list's time)."""
    return Project.objects.annotate(
        client_code=F("client__code"), material_code=F("material__code")
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


# Documents that carry sums: only users who may see money (laseros.money) list or open them.
MONEY_DOCUMENT_KINDS = frozenset(
    {DocumentKind.QUOTE, DocumentKind.INVOICE, DocumentKind.PROOF_OF_PAYMENT}
)


def documents_visible_to(user, queryset=None):
    """The job documents `user` may list and open: all of them, or, for a user who may not see
    money (operators), all but quotes, invoices and proofs of payment. The admin, the API and
    the file download use it."""
    queryset = ProjectDocument.objects.all() if queryset is None else queryset
    if can_see_money(user):
        return queryset
    return queryset.exclude(kind__in=MONEY_DOCUMENT_KINDS)


def can_see_document(user, document: ProjectDocument) -> bool:
    """Whether `user` may open `document` (the same rule as documents_visible_to, for one)."""
    return document.kind not in MONEY_DOCUMENT_KINDS or can_see_money(user)
