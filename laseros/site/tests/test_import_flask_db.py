"""manage.py import_flask_db on a copy of the old system's anonymised database (samples/)."""

from __future__ import annotations

import io
import shutil
import sqlite3
from pathlib import Path

import ezdxf
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from clients.models import Client, Contact
from comms.models import Communication, ConversationNote, MessageTemplate
from ingest.models import FileIngest
from inventory.models import SheetStock, StockMovement
from laseros.audit.chain import verify_chain
from laseros.importing import CREATED, FAILED, SKIPPED, UNCHANGED
from laseros.models import ActivityLog
from laseros.site.flask_import.jobs import OLD_STATUS, new_status
from laseros.site.flask_import.models import LegacyRecord
from laseros.site.flask_import.run import import_flask_db
from production.models import CutPreset, Machine, Operator, QueueItem
from production.services import machine_save
from projects.models import Product, Project, ProjectStatus, ProjectStatusChange

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "samples" / "flask_laser_os_sample.db"
DESIGN_FILE = "20251016_204054_b8e4719a.dxf"  # design_files #3, job JB-2025-10-CL0002-002
PRODUCT_FILE = "base_plate_200x200_t10_4x18_on160.dxf"  # product_files #1


@pytest.fixture
def old_db(tmp_path) -> Path:
    """A copy of the sample: the tests change only the copy."""
    copy = tmp_path / "laser_os.db"
    shutil.copyfile(SAMPLE, copy)
    return copy


@pytest.fixture
def small_db(old_db) -> Path:
    """The copy with fewer log entries and design files (the long tables), for the tests that run
    the import more than once."""
    with sqlite3.connect(old_db) as db:
        db.execute("DELETE FROM activity_log WHERE id > 10")
        db.execute("DELETE FROM design_files WHERE id NOT IN (3, 4, 5, 37)")
    return old_db


@pytest.fixture
def files(tmp_path) -> Path:
    """A --files folder with two of the drawings the database names (under their stored name and
    original name), written at test time."""
    folder = tmp_path / "old-files"
    (folder / "projects" / "3").mkdir(parents=True)
    (folder / "products").mkdir()
    for path, size in (
        (folder / "projects" / "3" / DESIGN_FILE, 40),
        (folder / "products" / PRODUCT_FILE, 60),
    ):
        doc = ezdxf.new("R2010", units=4)
        doc.modelspace().add_lwpolyline([(0, 0), (size, 0), (size, size), (0, size)], close=True)
        doc.saveas(path)
    return folder


def counts(run) -> dict[str, dict[str, int]]:
    return {
        table: {
            "read": read,
            **{k: report.counts[k] for k in (CREATED, UNCHANGED, SKIPPED, FAILED)},
        }
        for table, read, report in run.reports
    }


def model_counts() -> dict[str, int]:
    models = (
        get_user_model(),
        Client,
        Contact,
        SheetStock,
        StockMovement,
        CutPreset,
        Product,
        Project,
        ProjectStatusChange,
        FileIngest,
        QueueItem,
        Operator,
        MessageTemplate,
        Communication,
        ConversationNote,
        ActivityLog,
        LegacyRecord,
    )
    return {m.__name__: m.objects.count() for m in models}


def test_every_table_is_brought_over_with_its_counts(old_db, files):
    machine_save(machine=Machine(code="X3", name="Golden Laser X3"))
    run = import_flask_db(old_db, files_dir=files)
    got = counts(run)

    assert got["clients"] == {"read": 9, CREATED: 9, UNCHANGED: 0, SKIPPED: 0, FAILED: 0}
    assert got["projects"] == {"read": 59, CREATED: 59, UNCHANGED: 0, SKIPPED: 0, FAILED: 0}
    assert got["users"][CREATED] == 5 and got["operators"][CREATED] == 3
    assert got["materials"][CREATED] == 30
    # 2 sheet-metal items are new stock; gas, consumables and 2 kinds the materials table has
    assert got["inventory_items"] == {"read": 12, CREATED: 2, UNCHANGED: 0, SKIPPED: 10, FAILED: 0}
    assert got["machine_settings_presets"][CREATED] == 35
    # one old product has no thickness: it fails, with its reason, and the 33 others are in
    assert got["products"] == {"read": 34, CREATED: 33, UNCHANGED: 0, SKIPPED: 0, FAILED: 1}
    assert got["queue_items"][CREATED] == 3
    assert got["message_templates"] == {"read": 8, CREATED: 0, UNCHANGED: 8, SKIPPED: 0, FAILED: 0}
    assert got["communications"][CREATED] == 12 and got["communications"][SKIPPED] == 2
    assert got["activity_log"][CREATED] == 285
    assert got["design_files"] == {"read": 215, CREATED: 1, UNCHANGED: 0, SKIPPED: 214, FAILED: 0}
    assert got["product_files"][CREATED] == 1

    assert Client.objects.count() == 9 and Project.objects.count() == 59
    assert Contact.objects.filter(client__code="CL-0001", is_primary=True).count() == 1
    assert (
        SheetStock.objects.get(material__code="MS", thickness_mm=1, width_mm=1225).quantity_on_hand
        == 15
    )
    assert CutPreset.objects.count() == 35
    assert QueueItem.objects.filter(status="done").count() == 3
    design = FileIngest.objects.get(original_name="0002-L cut 100mm-Galv-1.2mm-x28.dxf")
    assert design.project.code == "JB-2025-10-CL0002-002"
    assert verify_chain() is None


def test_old_statuses_are_mapped_and_recorded_as_imported(small_db):
    with sqlite3.connect(small_db) as db:  # one job on hold, one In Progress, in the copy
        db.execute(
            "UPDATE projects SET on_hold = 1, on_hold_reason = 'steel' WHERE status = 'Request'"
        )
        db.execute(
            "UPDATE projects SET status = 'In Progress' WHERE project_code = 'JB-2025-10-CL0002-002'"
        )
        quoting = db.execute(
            "SELECT project_code FROM projects WHERE status = 'Quote & Approval'"
        ).fetchone()[0]
        on_hold, hold_status = db.execute(
            "SELECT project_code, status FROM projects WHERE on_hold = 1"
        ).fetchone()
    import_flask_db(small_db)

    assert Project.objects.get(code=quoting).status == ProjectStatus.QUOTING
    assert Project.objects.get(code="JB-2025-10-CL0002-002").status == ProjectStatus.CUTTING
    held = Project.objects.get(code=on_hold)
    assert held.status == ProjectStatus.ON_HOLD
    assert held.status_before_hold == OLD_STATUS[hold_status.lower()]
    completed = Project.objects.filter(status=ProjectStatus.COMPLETED)
    assert completed.count() >= 50 and all(p.completed_at for p in completed)
    created, move = ProjectStatusChange.objects.filter(project__code=quoting)
    assert (move.from_status, move.to_status) == (ProjectStatus.REQUEST, ProjectStatus.QUOTING)
    assert created.changed_at.year == 2025  # opened then in the old system, not today
    assert move.reason == "imported from the old system: Quote & Approval"
    assert ProjectStatusChange.objects.filter(project=held).last().reason == (
        f"imported from the old system: {hold_status} (on hold)"
    )


@pytest.mark.parametrize("old", sorted(OLD_STATUS))
def test_every_old_status_has_a_place_in_the_workflow(old):
    assert new_status(old.upper()) in ProjectStatus.values


def test_an_unknown_status_fails_its_job_only(small_db):
    with sqlite3.connect(small_db) as db:
        db.execute("PRAGMA ignore_check_constraints = 1")
        db.execute("UPDATE projects SET status = 'Lost in the post' WHERE id = 3")
    run = import_flask_db(small_db)
    projects = next(report for table, _, report in run.reports if table == "projects")
    failed = [r for r in projects.rows if r.outcome == FAILED]
    assert [(r.row, r.reason) for r in failed] == [
        (3, "status 'Lost in the post' is not one the old system had")
    ]
    assert Project.objects.count() == 58


def test_nobody_is_told_and_nothing_is_queued_for_sending(
    small_db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        import_flask_db(small_db)
    assert Communication.objects.count() == 0  # the outbox: no message queued, none sent
    assert ConversationNote.objects.count() == 12  # the old messages, as history
    note = ConversationNote.objects.filter(job__code="JB-2025-10-CL0001-001").first()
    assert note is None or "old system" in note.summary


def test_users_come_without_a_password_and_the_output_says_how_to_set_one(small_db):
    with sqlite3.connect(small_db) as db:  # a table the import has no step for, not empty
        db.execute(
            "INSERT INTO notifications (notification_type, message, created_at) "
            "VALUES ('low_stock', 'MS 3mm low', '2025-10-20')"
        )
    out = io.StringIO()
    with pytest.raises(CommandError):  # the product without a thickness fails
        call_command("import_flask_db", str(small_db), stdout=out)
    users = get_user_model().objects.all()
    assert users.count() == 8  # 5 users, and a login for each of the 3 operators
    assert not any(u.has_usable_password() for u in users)
    assert set(users.get(username="user1").groups.values_list("name", flat=True)) == {"Admin"}
    assert "manage.py changepassword USERNAME" in out.getvalue()
    assert "notifications: 1 rows not brought over (no import for this table yet)" in out.getvalue()


def test_a_second_run_changes_nothing_and_reports_nothing_new(small_db, files):
    first = import_flask_db(small_db, files_dir=files)
    before = model_counts()
    second = import_flask_db(small_db, files_dir=files)

    assert model_counts() == before
    assert all(c[CREATED] == 0 for c in counts(second).values())
    for table, _read, report in first.reports:
        created = report.counts[CREATED]
        assert counts(second)[table][UNCHANGED] == created + sum(
            1 for r in report.rows if r.outcome == UNCHANGED
        ), table


def test_a_changed_old_row_is_reported_and_laser_os_keeps_its_copy(small_db):
    import_flask_db(small_db)
    with sqlite3.connect(small_db) as db:
        db.execute("UPDATE clients SET name = 'Renamed Ltd' WHERE id = 1")
    run = import_flask_db(small_db)
    clients = next(report for table, _, report in run.reports if table == "clients")
    skipped = [r for r in clients.rows if r.outcome == SKIPPED]
    assert len(skipped) == 1 and "changed in the old system" in skipped[0].reason
    assert Client.objects.get(code="CL-0001").name != "Renamed Ltd"


def test_dry_run_writes_nothing(small_db, files, settings):
    before = model_counts()
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command(
            "import_flask_db", str(small_db), "--files", str(files), "--dry-run", stdout=out
        )
    assert failed.value.returncode == 1
    assert "DRY RUN" in out.getvalue() and "checked" in str(failed.value)
    assert model_counts() == before
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_broken_row_exits_1_and_the_good_rows_are_kept(small_db):
    with sqlite3.connect(small_db) as db:
        db.execute("UPDATE clients SET client_code = 'not a code' WHERE id = 9")
        db.execute("UPDATE products SET thickness = 6 WHERE thickness IS NULL")  # only one broken
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("import_flask_db", str(small_db), stdout=out)
    assert failed.value.returncode == 1
    assert "1 row(s) failed; the other rows were imported" in str(failed.value)
    assert (
        "clients #9: failed (client_code: 'not a code' is not a client code (CL-0001))"
        in out.getvalue()
    )
    assert Client.objects.count() == 8
    assert Product.objects.count() == 34 and Project.objects.count() > 50


def test_a_missing_file_is_reported_and_the_rest_goes_on(small_db, files):
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_flask_db", str(small_db), "--files", str(files), stdout=out)
    text = out.getvalue()
    assert (
        "design_files #37: skipped (JB-2025-10-CL0004-002: file '20251017_085323_4c69c6bf.dxf' or "
        "'0001-Square 200x200mm 4 holes-MS-3mm-x1.dxf' not found under"
    ) in text
    assert FileIngest.objects.filter(original_name="0002-L cut 100mm-Galv-1.2mm-x28.dxf").exists()
    assert Project.objects.count() == 59


def test_a_file_that_is_not_the_old_database_is_refused_and_nothing_is_written(tmp_path):
    before = model_counts()
    not_sqlite = tmp_path / "notes.db"
    not_sqlite.write_text("hello")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (id INTEGER)").connection.close()
    with pytest.raises(CommandError, match="not an SQLite database"):
        call_command("import_flask_db", str(not_sqlite))
    with pytest.raises(CommandError, match="no clients, projects table; not the old Laser OS"):
        call_command("import_flask_db", str(other))
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_flask_db", str(tmp_path / "missing.db"))
    with pytest.raises(CommandError, match="no such folder"):
        call_command("import_flask_db", str(SAMPLE), "--files", str(tmp_path / "nowhere"))
    assert model_counts() == before


def test_a_value_that_is_not_a_number_fails_its_row_only(small_db):
    with sqlite3.connect(small_db) as db:
        db.execute("UPDATE materials SET quantity = 'lots' WHERE id = 1")
        db.execute("UPDATE machine_settings_presets SET peak_power = '2 kW' WHERE id = 1")
    run = import_flask_db(small_db)
    failed = {
        (table, r.row): r.reason
        for table, _, report in run.reports
        for r in report.rows
        if r.outcome == FAILED
    }
    assert set(failed) == {("materials", 1), ("machine_settings_presets", 1), ("products", 18)}
    assert "'lots'" in failed[("materials", 1)]
    assert SheetStock.objects.count() == 31 and CutPreset.objects.count() == 34
