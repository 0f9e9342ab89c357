"""Shared tools: code sequences, working days, export actions, the import frame."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group

from laseros.importing import CREATED, FAILED, SKIPPED, RowSkipped, read_table, run_rows
from laseros.sequences import bump_to, next_number
from laseros.testing import needs_postgresql, run_at_once
from laseros.workdays import add_working_days, is_working_day, working_days_between, working_minutes


@pytest.mark.django_db
def test_sequence_numbers_are_never_reused():
    assert [next_number("t"), next_number("t"), next_number("other")] == [1, 2, 1]
    bump_to("t", 10)
    assert next_number("t") == 11


@needs_postgresql()
@pytest.mark.django_db(transaction=True)
def test_sequence_under_concurrent_creation():
    got = []

    def worker(n):
        for _ in range(10):
            got.append(next_number("race"))

    assert run_at_once(worker, 8) == []
    assert sorted(got) == list(range(1, 81))


def test_working_days_skip_weekends_and_sa_public_holidays():
    # Fri 2025-12-12 + 2 working days: Mon 15th, (Tue 16th Day of Reconciliation), Wed 17th
    assert add_working_days(dt.date(2025, 12, 12), 2) == dt.date(2025, 12, 17)
    assert not is_working_day(dt.date(2025, 12, 25)) and not is_working_day(dt.date(2025, 12, 13))
    assert is_working_day(dt.date(2025, 12, 15))
    assert working_days_between(dt.date(2025, 12, 12), dt.date(2025, 12, 17)) == 2
    assert add_working_days(dt.date(2025, 12, 17), -2) == dt.date(2025, 12, 12)
    assert working_minutes(dt.date(2025, 12, 12)) == 450  # Friday 07:00-14:30
    assert working_minutes(dt.date(2025, 12, 15)) == 540


@pytest.mark.django_db
def test_every_changelist_exports_csv_and_excel(admin_user_client):
    import io

    from openpyxl import load_workbook

    groups = [Group.objects.create(name=f"Shift {i}") for i in range(3)]
    data = {"action": "export_csv", "_selected_action": [g.pk for g in groups]}
    response = admin_user_client.post("/admin/auth/group/", data)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "group" and "Shift 2" in text  # the column the list shows
    data["action"] = "export_xlsx"
    response = admin_user_client.post("/admin/auth/group/", data)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == ["group"] and sheet.max_row == 4


@pytest.mark.django_db
def test_import_frame_reports_every_row_and_keeps_good_ones(tmp_path):
    path = tmp_path / "groups.csv"
    path.write_text("name,kind\nAlpha,ok\n,blank\nBeta,skip\nGamma,ok\n")
    headers, rows = read_table(path)
    assert headers == ["name", "kind"] and len(rows) == 4 and rows[0][0] == 2

    def handler(row):
        if row["kind"] == "skip":
            raise RowSkipped("marked skip")
        if not row["name"]:
            raise ValueError("name is required")
        Group.objects.create(name=row["name"])
        return CREATED, row["name"]

    report = run_rows(rows, handler, source="groups.csv")
    assert [r.outcome for r in report.rows] == [CREATED, FAILED, SKIPPED, CREATED]
    assert "name is required" in list(report.lines())[1]
    assert set(
        Group.objects.filter(name__in=["Alpha", "Gamma"]).values_list("name", flat=True)
    ) == {"Alpha", "Gamma"}
    dry = run_rows([(2, {"name": "Delta", "kind": "ok"})], handler, source="x", dry_run=True)
    assert dry.counts[CREATED] == 1 and not Group.objects.filter(name="Delta").exists()
    assert "DRY RUN" in dry.summary()


def test_read_table_gives_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        read_table(tmp_path / "missing.csv")
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    with pytest.raises(ValueError, match="expected a .csv or .xlsx"):
        read_table(tmp_path / "x.pdf")
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a readable Excel workbook"):
        read_table(tmp_path / "bad.xlsx")
