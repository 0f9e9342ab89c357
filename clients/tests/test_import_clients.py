"""`manage.py import_clients`: the shop's template as CSV and XLSX, idempotent, row by row."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError

from clients.models import Client, Contact
from clients.services import client_create
from laseros.models import ActivityLog
from laseros.testing import as_xlsx, run_import

SAMPLES = Path(__file__).parent / "samples"
TEMPLATE = SAMPLES / "clients_import_template.csv"

pytestmark = pytest.mark.django_db


def run(path, *args) -> str:
    return run_import("import_clients", path, *args)


@pytest.fixture(params=["csv", "xlsx"])
def template(request, tmp_path):
    return TEMPLATE if request.param == "csv" else as_xlsx(TEMPLATE, tmp_path / "clients.xlsx")


def test_the_template_imports_once_and_again_changes_nothing(template):
    out = run(template)
    assert "3 created, 0 updated, 0 unchanged, 0 skipped, 0 failed" in out
    acme = Client.objects.get(name="Acme Corporation")
    assert acme.code == "CL-0001"
    assert (acme.contact_person, acme.email, acme.phone) == (
        "John Smith",
        "john@acme.com",
        "+27 11 123 4567",
    )
    assert acme.address == "123 Main St, Johannesburg, 2000"
    assert acme.notes == "Preferred customer"
    primary = Contact.objects.get(client=acme)
    assert (primary.name, primary.is_primary, primary.email) == (
        "John Smith",
        True,
        "john@acme.com",
    )
    assert ActivityLog.objects.filter(object_repr__startswith="CL-0001", action="create").exists()

    out = run(template)
    assert "0 created, 0 updated, 3 unchanged, 0 skipped, 0 failed" in out
    assert Client.objects.count() == 3 and Contact.objects.count() == 3


def test_given_codes_are_kept_in_one_form_and_never_handed_out_again(tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text("client_code,name\nCL0007,Seven Steel\ncl-0003,Three Trusses\n,Next One\n")
    out = run(path)
    assert "3 created" in out
    assert Client.objects.get(name="Seven Steel").code == "CL-0007"
    assert Client.objects.get(name="Three Trusses").code == "CL-0003"
    # the generated code goes past every code the file brought
    assert Client.objects.get(name="Next One").code == "CL-0008"
    assert client_create(name="Later by hand", by=None).code == "CL-0009"
    assert "unchanged" in run(path) and Client.objects.count() == 4


def test_a_bad_row_fails_with_its_reason_and_the_good_ones_are_kept(tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text(
        "client_code,name,email,payment_terms\n"
        "XX12,Bad Code,,\n"
        ",No Mail,not-an-email,\n"
        ",,orphan@example.co.za,\n"
        ",Good Co,good@example.co.za,30 days\n"
        ",Odd Terms,,whenever\n"
    )
    out = run(path)
    assert "row 2: failed (client_code: 'XX12' is not a client code (CL-0001))" in out
    assert "row 3: failed (email: Enter a valid email address.)" in out
    assert "row 4: failed (name is required)" in out
    assert "row 6: failed (payment_terms: 'whenever' is not one of" in out
    assert "1 created, 0 updated, 0 unchanged, 0 skipped, 4 failed" in out
    assert list(Client.objects.values_list("name", "payment_terms")) == [("Good Co", "net30")]
    assert not Contact.objects.exists()


def test_a_row_matches_by_name_in_any_case_and_updates_what_changed(tmp_path):
    acme = client_create(name="Acme Corporation", by=None, phone="011 000 0000")
    path = tmp_path / "clients.csv"
    path.write_text("client_code,name,phone,email\n,ACME corporation,+27 11 123 4567,\n")
    out = run(path)
    assert f"row 2: updated {acme.code} ACME corporation (name, phone)" in out
    acme.refresh_from_db()
    assert (acme.name, acme.phone) == ("ACME corporation", "+27 11 123 4567")
    assert Client.objects.count() == 1
    assert ActivityLog.objects.filter(action="update", object_id=str(acme.pk)).exists()
    assert "1 unchanged" in run(path)


def test_a_code_and_a_name_that_disagree_fail_rather_than_guess(tmp_path):
    client_create(name="Acme Corporation", by=None)  # CL-0001
    path = tmp_path / "clients.csv"
    path.write_text("client_code,name\nCL-0005,Acme Corporation\n")
    out = run(path)
    assert "already exists as CL-0001, but the file says CL-0005" in out
    assert Client.objects.count() == 1


def test_dry_run_reports_but_saves_nothing():
    out = run(TEMPLATE, "--dry-run")
    assert out.strip().endswith(
        "DRY RUN (nothing saved): clients_import_template.csv: "
        "3 created, 0 updated, 0 unchanged, 0 skipped, 0 failed"
    )
    assert not Client.objects.exists()
    assert Client.objects.count() == 0
    # nor did the dry run use up codes
    assert client_create(name="First real", by=None).code == "CL-0001"


def test_the_user_is_recorded_and_a_wrong_file_is_a_clear_error(make_user, tmp_path):
    clerk = make_user("clerk", role="Manager")
    run(TEMPLATE, "--user", "clerk")
    assert ActivityLog.objects.filter(action="create", actor=clerk).count() >= 3
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "missing.csv")
    with pytest.raises(CommandError, match="no user called 'ghost'"):
        run(TEMPLATE, "--user", "ghost")


def test_an_import_with_failed_rows_exits_non_zero_and_keeps_the_good_rows(
    tmp_path, capsys, monkeypatch
):
    from django.core.management import execute_from_command_line
    from django.db import connections

    # manage.py closes the database connections as it ends; here that would close the test's
    # own (PostgreSQL's, inside the test's transaction)
    monkeypatch.setattr(connections, "close_all", lambda: None)

    path = tmp_path / "clients.csv"
    path.write_text("client_code,name,email\n,Good Steel,good@example.co.za\n,,nobody\n")
    # the command line's own way (manage.py's argv, the exit code a script sees), in this process
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "import_clients", str(path)])
    assert exited.value.code == 1
    printed = capsys.readouterr()
    assert "1 created" in printed.out and "1 failed" in printed.out
    assert "1 row(s) failed; the other rows were imported" in printed.err
    assert list(Client.objects.values_list("name", flat=True)) == ["Good Steel"]
