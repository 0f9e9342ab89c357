"""Backups that restore (issue 15): backup -> wipe -> restore gives the same rows, the same files
and an intact audit chain, on SQLite and (scripts/test-postgres.sh) on PostgreSQL; a damaged
backup is refused and changes nothing; rotation keeps the right ones; encryption round-trips.

The tests that make or restore a backup commit (pg_dump reads committed rows; a restore replaces
the whole database), so they are transactional: pytest-django runs those last."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from laseros.audit import verify_chain
from laseros.audit.services import record
from laseros.backup import database, rotation
from laseros.models import ActivityLog, BackupRun

transactional = pytest.mark.django_db(transaction=True)

FILES = {
    "projects/CL-0001/plate 3mm.dxf": b"0\nSECTION\n2\nENTITIES\n0\nENDSEC\n0\nEOF\n",
    "projects/CL-0001/quote.pdf": b"%PDF-1.4\n" + bytes(range(256)) * 40,
    "clients/Ünïcode – naam/logo.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 3000,
}


def make_shop(make_user) -> None:
    """A few users, audit entries that chain, and files in the store."""
    boss = make_user("boss", role="Admin", superuser=True)
    make_user("operator", role="Operator")
    for number in range(5):
        record(action=ActivityLog.Action.OTHER, message=f"step {number}", user=boss)
    for name, data in FILES.items():
        assert default_storage.save(name, ContentFile(data)) == name


def file_sums() -> dict[str, str]:
    from laseros.backup.stores import file_names

    return {
        name: hashlib.sha256(default_storage.open(name).read()).hexdigest()
        for name in file_names("default")
    }


def wipe(settings) -> None:
    call_command("flush", interactive=False, verbosity=0)
    for name in list(file_sums()):
        default_storage.delete(name)
    assert not file_sums() and not ActivityLog.objects.exists()


def the_backup(folder: Path) -> Path:
    (path,) = [p for p in folder.iterdir() if rotation.taken_at(p.name)]
    return path


@transactional
def test_backup_wipe_restore_gives_the_same_rows_files_and_audit_chain(
    make_user, settings, tmp_path
):
    make_shop(make_user)
    rows_before, files_before = database.row_counts(), file_sums()
    out = io.StringIO()
    call_command("backup", output=str(tmp_path / "backups"), stdout=out)
    assert "Backup written" in out.getvalue()
    backup = the_backup(tmp_path / "backups")
    run = BackupRun.objects.get()
    assert run.status == BackupRun.Status.OK and run.files == len(FILES) and run.name == backup.name
    assert run.sha256 == hashlib.sha256(backup.read_bytes()).hexdigest()

    wipe(settings)
    out = io.StringIO()
    call_command("restore", str(backup), stdout=out)

    rows_after = database.row_counts()
    assert rows_after.pop("laseros_activitylog") == rows_before.pop("laseros_activitylog") + 1
    assert rows_after == rows_before  # the backup's own BackupRun row was written after it
    assert file_sums() == files_before
    assert verify_chain() is None
    assert "Audit chain intact" in out.getvalue()
    assert ActivityLog.objects.first().message.startswith(f"Restored from backup {backup.name}")


@transactional
def test_restore_refuses_a_target_that_holds_data_unless_forced(make_user, settings, tmp_path):
    make_shop(make_user)
    call_command("backup", output=str(tmp_path), stdout=io.StringIO())
    backup = the_backup(tmp_path)
    default_storage.save("projects/new since.dxf", ContentFile(b"new"))
    with pytest.raises(CommandError, match="not empty: it holds 2 users, 5 audit entr.*--force"):
        call_command("restore", str(backup), stdout=io.StringIO())
    assert default_storage.exists("projects/new since.dxf")

    out = io.StringIO()
    call_command("restore", str(backup), force=True, stdout=out)
    assert "1 files not in the backup were left" in out.getvalue()
    assert verify_chain() is None


# --- damaged backups: refused with a clear message, nothing changed ------------------------------


def _repacked(backup: Path, target: Path, change) -> Path:
    """The backup rewritten with `change(name, data) -> data` applied to each member."""
    out = io.BytesIO()
    with tarfile.open(backup, "r:gz") as source, tarfile.open(fileobj=out, mode="w:gz") as tar:
        for info in source:
            data = change(info.name, source.extractfile(info).read())
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    target.write_bytes(out.getvalue())
    return target


def _alter_a_drawing(name: str, data: bytes) -> bytes:
    return data.replace(b"ENTITIES", b"ENTITIEZ") if name.endswith(".dxf") else data


def _alter_the_manifest(name: str, data: bytes) -> bytes:
    if name != "manifest.json":
        return data
    manifest = json.loads(data)
    manifest["database"]["tables"]["auth_user"] += 1
    return json.dumps(manifest).encode()


def _written(target: Path, data: bytes) -> Path:
    target.write_bytes(data)
    return target


DAMAGES = {
    "truncated": (lambda b, t: _written(t, b.read_bytes()[: len(b.read_bytes()) // 2]),
                  "damaged or cut short"),
    "a byte flipped": (lambda b, t: _written(t, _flip(b.read_bytes())), "damaged"),
    "a drawing altered": (lambda b, t: _repacked(b, t, _alter_a_drawing),
                          "plate 3mm.dxf does not match its checksum"),
    "the manifest altered": (lambda b, t: _repacked(b, t, _alter_the_manifest),
                             "the manifest was altered"),
    "not a backup": (lambda b, t: _written(t, gzip.compress(b"hello")), "damaged"),
    "empty": (lambda b, t: _written(t, b""), "damaged or cut short"),
}  # fmt: skip


def _flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x40]) + data[middle + 1 :]


@transactional
def test_a_damaged_backup_is_refused_and_changes_nothing(make_user, settings, tmp_path):
    make_shop(make_user)
    call_command("backup", output=str(tmp_path / "good"), stdout=io.StringIO())
    good = the_backup(tmp_path / "good")
    default_storage.save("projects/later.dxf", ContentFile(b"later"))
    rows, files = database.row_counts(), file_sums()
    for label, (damage, message) in DAMAGES.items():
        damaged = damage(good, tmp_path / f"{label}.tar.gz")
        with pytest.raises(CommandError, match="Backup refused, nothing was changed") as refused:
            call_command("restore", str(damaged), force=True, stdout=io.StringIO())
        assert message in str(refused.value), label
        assert database.row_counts() == rows, label
        assert file_sums() == files, label
    with pytest.raises(CommandError, match="there is no backup at"):
        call_command("restore", str(tmp_path / "missing.tar.gz"), stdout=io.StringIO())


@transactional
def test_a_backup_with_an_extra_file_is_refused(make_user, tmp_path):
    make_shop(make_user)
    call_command("backup", output=str(tmp_path / "good"), stdout=io.StringIO())
    good = the_backup(tmp_path / "good")
    out = io.BytesIO()
    with tarfile.open(good, "r:gz") as source, tarfile.open(fileobj=out, mode="w:gz") as tar:
        for info in source:
            tar.addfile(info, source.extractfile(info))
        extra = tarfile.TarInfo("stores/default/../../etc/cron.d/evil")
        extra.size = 4
        tar.addfile(extra, io.BytesIO(b"evil"))
    damaged = tmp_path / "extra.tar.gz"
    damaged.write_bytes(out.getvalue())
    with pytest.raises(CommandError, match="evil is not in the manifest"):
        call_command("restore", str(damaged), force=True, stdout=io.StringIO())


# --- encryption ---------------------------------------------------------------------------------


@transactional
def test_an_encrypted_backup_restores_with_its_key_and_is_refused_without_it(
    make_user, settings, tmp_path
):
    settings.BACKUP_ENCRYPTION_KEY = "correct horse battery staple"
    make_shop(make_user)
    rows_before, files_before = database.row_counts(), file_sums()
    call_command("backup", output=str(tmp_path), stdout=io.StringIO())
    backup = the_backup(tmp_path)
    assert backup.name.endswith(".tar.gz.enc")
    assert b"plate 3mm.dxf" not in backup.read_bytes()
    assert BackupRun.objects.get().encrypted

    wipe(settings)
    settings.BACKUP_ENCRYPTION_KEY = "wrong horse"
    with pytest.raises(CommandError, match="not the one it was made with"):
        call_command("restore", str(backup), stdout=io.StringIO())
    settings.BACKUP_ENCRYPTION_KEY = ""
    with pytest.raises(CommandError, match="this backup is encrypted: set BACKUP_ENCRYPTION_KEY"):
        call_command("restore", str(backup), stdout=io.StringIO())
    cut = tmp_path / "cut.tar.gz.enc"
    cut.write_bytes(backup.read_bytes()[:-10])
    settings.BACKUP_ENCRYPTION_KEY = "correct horse battery staple"
    with pytest.raises(CommandError, match="cut short"):
        call_command("restore", str(cut), stdout=io.StringIO())
    assert not ActivityLog.objects.exists() and not file_sums()

    call_command("restore", str(backup), stdout=io.StringIO())
    rows_after = database.row_counts()
    assert rows_after.pop("laseros_activitylog") == rows_before.pop("laseros_activitylog") + 1
    assert rows_after == rows_before
    assert file_sums() == files_before


# --- rotation -----------------------------------------------------------------------------------


def _names(*stamps: str) -> list[str]:
    return [f"laseros-backup-{stamp}.tar.gz" for stamp in stamps]


def test_rotation_keeps_the_newest_of_each_recent_day_week_and_month(settings):
    settings.TIME_ZONE = "UTC"
    start = dt.datetime(2026, 1, 1, 2, 15, tzinfo=dt.UTC)  # a Thursday
    daily = [start + dt.timedelta(days=n) for n in range(120)]  # to 30 April
    extra_same_day = start + dt.timedelta(days=119, hours=12)
    names = [rotation.backup_name(when, encrypted=False) for when in [*daily, extra_same_day]]
    names += ["notes.txt", "laseros-backup-garbage.tar.gz"]
    kept = rotation.to_keep(names, daily=3, weekly=2, monthly=3)
    kept_days = sorted(rotation.taken_at(name).strftime("%m-%d %H") for name in kept)
    # 3 days: 30 Apr (the later of two), 29 and 28 Apr; 2 weeks: Sunday 26 Apr ends the week
    # before; 3 months: the last of April (30), March (31) and February (28)
    assert kept_days == ["02-28 02", "03-31 02", "04-26 02", "04-28 02", "04-29 02", "04-30 14"]
    deleted = rotation.to_delete(names, daily=3, weekly=2, monthly=3)
    assert "notes.txt" not in deleted and "laseros-backup-garbage.tar.gz" not in deleted
    assert len(deleted) == 121 - 6


@transactional
def test_a_backup_rotates_the_old_ones_in_its_folder(settings, tmp_path):
    settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_WEEKLY, settings.BACKUP_KEEP_MONTHLY = 2, 0, 0
    old = _names("20200101T021500Z", "20200102T021500Z", "20200103T021500Z")
    for name in [*old, "keep-me.txt"]:
        (tmp_path / name).write_bytes(b"x")
    call_command("backup", output=str(tmp_path), stdout=io.StringIO())
    left = sorted(path.name for path in tmp_path.iterdir())
    new = BackupRun.objects.get()
    assert left == sorted(["keep-me.txt", old[2], new.name])
    assert new.pruned == 2


# --- backups written to a store (S3 through django-storages; a folder store stands in) ----------


@transactional
def test_backups_go_to_the_configured_store_and_restore_from_it(make_user, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "backups": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "bucket")},
        },
    }
    settings.BACKUP_STORAGE = "backups"
    make_shop(make_user)
    files_before = file_sums()
    call_command("backup", stdout=io.StringIO())
    run = BackupRun.objects.get()
    assert (tmp_path / "bucket" / "backups" / run.name).exists()
    wipe(settings)
    call_command("restore", run.name, stdout=io.StringIO())
    assert file_sums() == files_before


@transactional
def test_a_failed_backup_is_recorded_and_leaves_no_file(settings, tmp_path, monkeypatch):
    def broken(target):
        raise database.DatabaseBackupError("pg_dump failed: server version mismatch")

    monkeypatch.setattr(database, "dump", broken)
    with pytest.raises(CommandError, match="The backup failed: pg_dump failed"):
        call_command("backup", output=str(tmp_path), stdout=io.StringIO())
    assert list(tmp_path.iterdir()) == []
    run = BackupRun.objects.get()
    assert run.status == BackupRun.Status.FAILED and "version mismatch" in run.error


def test_a_freshly_migrated_database_and_empty_store_count_as_empty(db):
    from laseros.backup.services import target_contents

    assert target_contents() == []  # migrate's own rows (roles, rates, schedules) do not count


@transactional
def test_a_backup_of_another_kind_of_database_is_refused(make_user, tmp_path):
    make_shop(make_user)
    call_command("backup", output=str(tmp_path / "good"), stdout=io.StringIO())
    other = {"sqlite": "postgresql", "postgresql": "sqlite"}[database.vendor()]
    manifest_sum = {}

    def other_vendor(name: str, data: bytes) -> bytes:
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["database"]["vendor"] = other
            data = json.dumps(manifest).encode()
            manifest_sum["sum"] = hashlib.sha256(data).hexdigest().encode()
        elif name == "manifest.sha256":
            data = manifest_sum["sum"]
        return data

    moved = _repacked(the_backup(tmp_path / "good"), tmp_path / "other.tar.gz", other_vendor)
    rows = database.row_counts()
    with pytest.raises(CommandError, match=f"This backup is of a {other} database; this site runs"):
        call_command("restore", str(moved), force=True, stdout=io.StringIO())
    assert database.row_counts() == rows
