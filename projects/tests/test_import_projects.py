"""`manage.py import_projects`: the old system's 30-column jobs, walked through the workflow."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from clients.services import client_create
from laseros.models import ActivityLog
from laseros.testing import as_xlsx, run_import
from projects.management.commands.import_projects import TEMPLATE_COLUMNS, walk
from projects.models import Project, ProjectStatus, ProjectStatusChange
from projects.services import project_create

S = ProjectStatus
TEMPLATE = Path(__file__).parent / "samples" / "projects_import_template.csv"

pytestmark = pytest.mark.django_db


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=TEMPLATE_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def run(path, *args) -> str:
    return run_import("import_projects", path, *args)


@pytest.fixture
def shop(make_user):
    """The template's clients and a manager to run the import as."""
    client_create(name="Acme Corporation", by=None, code="CL-0001")
    client_create(name="Tech Solutions Ltd", by=None, code="CL-0002")
    return make_user("manager", role="Manager")


@pytest.fixture(params=["csv", "xlsx"])
def template(request, tmp_path):
    return TEMPLATE if request.param == "csv" else as_xlsx(TEMPLATE, tmp_path / "projects.xlsx")


def test_the_template_fails_its_shifted_rows_and_imports_the_good_one(shop, template):
    out = run(template, "--user", "manager")
    lines = out.splitlines()
    # row 2 misses a column: a price lands in completion_date, a material in final_price
    assert lines[0].startswith("row 2: failed (the values do not fit their columns")
    assert "completion_date: '1500.00' is not a date (YYYY-MM-DD)" in lines[0]
    assert "final_price: 'Mild Steel 3mm' is not an amount" in lines[0]
    # row 3 has 31 values for 30 columns
    assert lines[1].startswith(
        "row 3: failed (31 values for 30 columns (extra: 'photo1.jpg;photo2.jpg')"
    )
    assert lines[2].startswith("row 4: created JB-2024-01-CL0002-001 Decorative Panels → Cutting")
    assert "1 created, 0 updated, 0 unchanged, 0 skipped, 2 failed" in lines[-1]

    job = Project.objects.get()
    assert (job.client.code, job.status, job.material.code) == ("CL-0002", S.CUTTING, "AL")
    assert (job.thickness_mm, job.quantity, job.quoted_price) == (
        Decimal("5.00"),
        100,
        Decimal("5000.00"),
    )
    assert (job.quote_sent_on, job.promised_date) == (dt.date(2024, 1, 5), dt.date(2024, 1, 25))
    assert "status 'In Progress'" in job.notes and "approved 2024-01-08" in job.notes
    assert "DXF: panels.dxf" in job.notes and "proof of payment: pop_003.pdf" in job.notes
    history = list(job.status_changes.values_list("from_status", "to_status", "reason"))
    assert [(f, t) for f, t, _ in history] == [
        ("", S.REQUEST),
        (S.REQUEST, S.QUOTING),
        (S.QUOTING, S.APPROVED),
        (S.APPROVED, S.PAID),
        (S.PAID, S.QUEUED),
        (S.QUEUED, S.CUTTING),
    ]
    assert all(reason == "imported (old status: In Progress)" for *_, reason in history[1:])
    quoting = job.status_changes.get(to_status=S.QUOTING)
    assert quoting.overridden_gates == ["design_file"] and quoting.changed_by == shop
    assert ActivityLog.objects.filter(action="transition", object_id=str(job.pk)).count() == 5

    again = run(template, "--user", "manager")
    assert "0 created, 0 updated, 1 unchanged, 0 skipped, 2 failed" in again
    assert Project.objects.count() == 1 and ProjectStatusChange.objects.count() == 6


def test_without_a_manager_a_row_that_needs_an_override_fails_and_leaves_nothing(shop):
    out = run(TEMPLATE)
    assert "row 4: failed (status 'In Progress': moving JB-2024-01-CL0002-001 to Quoting" in out
    assert "import with --user <a manager>" in out
    assert not Project.objects.exists()
    assert not ProjectStatusChange.objects.exists()


def base_row(name: str, status: str, **cells: str) -> dict[str, str]:
    return {
        "client_code": "CL0001",
        "name": name,
        "status": status,
        "quote_date": "2024-03-04",
        "material_type": "Mild Steel 3mm",
        "parts_quantity": "10",
        **cells,
    }


def test_every_old_status_lands_in_the_new_workflow(shop, tmp_path):
    path = write_rows(
        tmp_path / "statuses.csv",
        [
            base_row("Request job", "Request"),
            base_row("Quote job", "Quote"),
            base_row("Quote & Approval job", "Quote & Approval"),
            base_row("Approved job", "Approved", pop_received="false"),
            base_row("Approved with POP", "Approved", pop_received="true"),
            base_row("POP job", "Approved (POP Received)"),
            base_row("Queued paid", "Queued (Scheduled for Cutting)", pop_received="yes"),
            base_row("Queued unpaid", "Queued", pop_received="no"),
            base_row("Cutting job", "In Progress"),
            base_row("Ready job", "Ready for Pickup"),
            base_row("Done job", "Completed", completion_date="2024-03-20"),
            base_row("Cancelled job", "Cancelled"),
            base_row("Held job", "On Hold"),
            base_row("Bogus job", "Lost in the post"),
        ],
    )
    out = run(path, "--user", "manager")
    assert "13 created, 0 updated, 0 unchanged, 0 skipped, 1 failed" in out
    assert "failed (status: 'Lost in the post' is not a status the import knows)" in out
    assert "Queued paid → Paid (production queues it once the import is saved)" in out
    statuses = dict(Project.objects.values_list("name", "status"))
    assert statuses == {
        "Request job": S.REQUEST,
        "Quote job": S.QUOTING,
        "Quote & Approval job": S.QUOTING,
        "Approved job": S.APPROVED,
        "Approved with POP": S.PAID,
        "POP job": S.PAID,
        "Queued paid": S.PAID,
        "Queued unpaid": S.QUEUED,
        "Cutting job": S.CUTTING,
        "Ready job": S.READY,
        "Done job": S.COMPLETED,
        "Cancelled job": S.CANCELLED,
        "Held job": S.ON_HOLD,
    }
    unpaid = Project.objects.get(name="Queued unpaid")
    assert unpaid.pop_received_at is None and unpaid.payment_waived_at is not None
    waived = unpaid.status_changes.get(to_status=S.QUEUED)
    assert (waived.from_status, waived.overridden_gates) == (S.APPROVED, ["payment"])
    held = Project.objects.get(name="Held job")
    assert held.status_before_hold == S.REQUEST
    assert Project.objects.get(name="Done job").completed_at is not None
    assert "completed 2024-03-20" in Project.objects.get(name="Done job").notes
    assert set(
        ProjectStatusChange.objects.exclude(reason="created").values_list("reason", flat=True)
    ) == {
        f"imported (old status: {s})"
        for s in (
            "Quote",
            "Quote & Approval",
            "Approved",
            "Approved (POP Received)",
            "Queued (Scheduled for Cutting)",
            "Queued",
            "In Progress",
            "Ready for Pickup",
            "Completed",
            "Cancelled",
            "On Hold",
        )
    }
    assert "0 created, 0 updated, 13 unchanged" in run(path, "--user", "manager")


def test_a_job_moves_on_from_where_it_is_and_is_never_moved_back(shop, tmp_path):
    path = write_rows(tmp_path / "a.csv", [base_row("Brackets", "Quote")])
    run(path, "--user", "manager")
    write_rows(path, [base_row("Brackets", "Approved", quoted_price="R1 250.00")])
    out = run(path, "--user", "manager")
    assert "updated" in out and "quoted_price" in out and "status → Approved" in out
    job = Project.objects.get()
    assert (job.status, job.quoted_price) == (S.APPROVED, Decimal("1250.00"))
    # the file is older than Laser OS: a job that moved on is left where it is
    write_rows(path, [base_row("Brackets", "Quote", quoted_price="R1 250.00")])
    out = run(path, "--user", "manager")
    assert "status" not in out.splitlines()[0] and "(notes)" in out  # only the old status text
    assert Project.objects.get().status == S.APPROVED


def test_project_codes_are_kept_matched_and_checked(shop, tmp_path):
    path = write_rows(
        tmp_path / "codes.csv",
        [
            base_row("Gussets", "Request", project_code="JB-2024-03-CL0001-007"),
            base_row("Wrong client", "Request", project_code="JB-2024-03-CL0002-001"),
            base_row("Bad code", "Request", project_code="JOB-7"),
            {**base_row("Nobody's", "Request"), "client_code": "CL-0099"},
        ],
    )
    out = run(path)
    assert "row 2: created JB-2024-03-CL0001-007 Gussets → Request" in out
    assert "row 3: failed (code: JB-2024-03-CL0002-001 belongs to CL0002, not CL-0001.)" in out
    assert "row 4: failed (code: 'JOB-7' is not a project code" in out
    assert "row 5: failed (client_code: no client CL-0099 (import the clients first))" in out
    # the client's sequence for that month moved past the imported code
    acme = Project.objects.get().client
    later = project_create(client=acme, name="Later", by=None, month=dt.date(2024, 3, 1))
    assert later.code == "JB-2024-03-CL0001-008"
    write_rows(path, [base_row("Gussets renamed", "Request", project_code="JB-2024-03-CL0001-007")])
    out = run(path)
    assert "row 2: updated JB-2024-03-CL0001-007 Gussets renamed (name)" in out


def test_dry_run_saves_nothing(shop):
    out = run(TEMPLATE, "--user", "manager", "--dry-run")
    assert "DRY RUN (nothing saved)" in out and "1 created" in out
    assert not Project.objects.exists()


def test_the_walks_follow_the_workflow():
    assert walk(S.REQUEST, paid=None) == []
    assert walk(S.COMPLETED, paid=True) == [
        S.QUOTING,
        S.APPROVED,
        S.PAID,
        S.QUEUED,
        S.CUTTING,
        S.QC,
        S.READY,
        S.COMPLETED,
    ]
    assert walk(S.QUEUED, paid=None) == [S.QUOTING, S.APPROVED, S.PAID]
    assert walk(S.CUTTING, paid=False) == [S.QUOTING, S.APPROVED, S.QUEUED, S.CUTTING]
    assert walk(S.CANCELLED, paid=None) == [S.CANCELLED]
