"""Every finance endpoint's generated tests (laseros.api_testing): roles (Admin and Manager all,
Viewer reads, Operator nothing) and each filter proven on two rows."""

from __future__ import annotations

from finance.models import Quote
from finance.services import quote_create
from laseros.api_testing import EndpointTests, Filter, dates, set_fields, someone
from laseros.roles import ADMIN, MANAGER, VIEWER
from projects.tests.factories import ProjectFactory

# invoices, credit notes and payments (collected here, where the site's check looks)
from .billing_endpoints import TestCreditNotes, TestInvoices, TestPayments  # noqa: F401


class TestQuotes(EndpointTests):
    prefix = "quotes"
    model = Quote
    readers = (ADMIN, MANAGER, VIEWER)
    filters = (
        Filter("number", lambda q: q.number.lower()),
        Filter("status", lambda q: "sent", lambda m, o: set_fields(m, status="sent")),
        Filter("project", lambda q: q.project_id),
        Filter("client", lambda q: q.client_id),
        Filter("project_code", lambda q: q.project.code.lower()),
        Filter("client_code", lambda q: q.client.code.lower()),
        *dates("sent_on", "sent"),
        *dates("expires_on", "expires"),
        *dates("accepted_at"),
        *dates("status_changed_at"),
        *dates("created_at"),
        Filter(
            "created_by",
            lambda q: q.created_by.username,
            lambda m, o: set_fields(m, created_by=someone("lerato")),
        ),
    )

    def make(self, n):
        return quote_create(project=ProjectFactory(), by=None)
