"""A job's runs on the job's admin page: its minutes, sheets and, for roles that see money, its
cost so far (the minutes at each machine's hourly rate plus the sheets at their unit cost)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.models import MovementKind
from inventory.tests.factories import SheetStockFactory, StockMovementFactory
from production.models import LaserRunProject, LaserRunSheet
from production.tests.factories import LaserRunFactory, MachineFactory, make_project

pytestmark = pytest.mark.django_db


def _run(project, *, machine, minutes, share, sheets=0, unit_cost=Decimal("500.00")):
    start = timezone.now() - dt.timedelta(days=1)
    run = LaserRunFactory(
        machine=machine, started_at=start, ended_at=start + dt.timedelta(minutes=minutes)
    )
    if sheets:
        stock = SheetStockFactory(unit_cost=unit_cost, quantity_on_hand=10)
        movement = StockMovementFactory(
            stock=stock, kind=MovementKind.USAGE, quantity=-sheets, balance_after=10 - sheets
        )
        LaserRunSheet.objects.create(run=run, stock=stock, quantity=sheets, movement=movement)
    LaserRunProject.objects.create(run=run, project=project, parts=10, share=Decimal(share))
    return run


@pytest.fixture
def job():
    """Two runs: half of a 30-minute run on a machine at R 600 an hour with 2 sheets at R 500
    (R 150 of time, R 500 of sheets), and all of a 10-minute run on a machine with no rate."""
    project = make_project()
    _run(
        project,
        machine=MachineFactory(code="X3", hourly_rate=Decimal("600")),
        minutes=30,
        share="0.5",
        sheets=2,
    )
    _run(project, machine=MachineFactory(code="X3B"), minutes=10, share="1")
    return project


def _page(client, user, project) -> str:
    client.force_login(user)
    response = client.get(f"/admin/projects/project/{project.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_manager_sees_the_jobs_cost_so_far(client, make_user, job):
    html = _page(client, make_user("manager", role="Manager"), job)
    assert "2 runs" in html and "25 min on the machines" in html and "1 sheet used" in html
    assert "Cost so far: R 650.00" in html
    assert "machine time R 150.00" in html and "sheets R 500.00" in html
    assert "the time on X3B is not costed" in html  # no rate: said, not counted as nothing


def test_an_operator_sees_the_minutes_and_sheets_but_no_cost(client, make_user, job):
    html = _page(client, make_user("operator", role="Operator"), job)
    assert "25 min on the machines" in html and "1 sheet used" in html
    assert "Cost so far" not in html and "650" not in html and "no rate" not in html


def test_the_rate_is_refused_when_it_is_not_a_sane_amount():
    machine = MachineFactory(code="X9", hourly_rate=Decimal("-1"))
    with pytest.raises(Exception, match="hourly_rate"):
        machine.full_clean()
