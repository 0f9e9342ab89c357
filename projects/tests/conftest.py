"""Fixtures for the projects tests: users in each role and jobs put in a given status."""

from __future__ import annotations

import pytest
from django.utils import timezone

from projects.models import Project, ProjectStatus
from projects.tests.factories import ProjectFactory, design_document


@pytest.fixture
def manager(make_user):
    return make_user("manager", role="Manager")


@pytest.fixture
def operator(make_user):
    return make_user("operator", role="Operator")


@pytest.fixture
def viewer(make_user):
    return make_user("viewer", role="Viewer")


@pytest.fixture
def job_in():
    """job_in("cutting") -> a job in that status with what that status implies already true
    (design file, approval, payment; the status it came from for On hold). Set directly: this is
    test set-up, not a move."""

    def _make(status, *, before_hold=ProjectStatus.CUTTING, **fields):
        project = ProjectFactory(**fields)
        design_document(project)
        now = timezone.now()
        values = {"status": status}
        rank = list(ProjectStatus.values).index(status)
        if status not in (ProjectStatus.ON_HOLD, ProjectStatus.CANCELLED):
            if rank >= list(ProjectStatus.values).index(ProjectStatus.APPROVED):
                values["approved_at"] = now
            if rank >= list(ProjectStatus.values).index(ProjectStatus.PAID):
                values["pop_received_at"] = now
        if status == ProjectStatus.ON_HOLD:
            values["status_before_hold"] = before_hold
            values["approved_at"] = values["pop_received_at"] = now
        Project.objects.filter(pk=project.pk).update(**values)
        project.refresh_from_db()
        return project

    return _make


@pytest.fixture
def priced_job(job_in):
    """A queued job with prices, a priced line, a design file and its money documents (quote,
    invoice, proof of payment): what operators must not see (test_money.py)."""
    from decimal import Decimal

    from projects.models import DocumentKind
    from projects.services import project_document_add, project_line_add, project_update
    from projects.tests.factories import ProductFactory, pdf

    project = job_in(ProjectStatus.QUEUED)
    project = project_update(
        project=project, by=None, quoted_price=Decimal("98765.43"), final_price=Decimal("87654.32")
    )
    product = ProductFactory(unit_price=Decimal("4321.09"))
    project_line_add(project=project, product=product, quantity=3, by=None)
    for kind, name in (
        (DocumentKind.PROOF_OF_PAYMENT, "pop-march.pdf"),
        (DocumentKind.QUOTE, "quote-42.pdf"),
        (DocumentKind.INVOICE, "invoice-7.pdf"),
    ):
        project_document_add(project=project, file=pdf(name), kind=kind, by=None)
    return project
