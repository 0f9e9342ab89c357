"""Backups made and restored (manage.py backup / restore, the daily schedule)."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, transaction
from django.utils import timezone

from . import archive, database, destinations, rotation, stores

logger = logging.getLogger(__name__)


class BackupFailed(Exception):
    """The backup could not be made; a failed BackupRun records why."""


class RestoreRefused(Exception):
    """The restore was not started (the target holds data, the backup is of another kind of
    database...); nothing was changed."""


@dataclass
class RestoreResult:
    name: str
    taken_at: str
    tables: int = 0
    rows: int = 0
    files: int = 0
    kept_files: int = 0  # files in the store that the backup does not hold (left in place)
    count_mismatches: dict[str, tuple[int, int]] = field(default_factory=dict)
    audit_broken_at: str | None = None


def encryption_key() -> str:
    return str(getattr(settings, "BACKUP_ENCRYPTION_KEY", "") or "")


# --- backup ---------------------------------------------------------------------------------------


def backup_create(*, output: str | Path | None = None, trigger: str = "command"):
    """Write a backup of the database and every file store, then rotate the old ones.

    A backup that fails leaves no partial file and records a failed BackupRun."""
    from laseros.models import BackupRun

    started = timezone.now()
    destination = destinations.configured(output)
    name = rotation.backup_name(started, encrypted=bool(encryption_key()))
    staged = destination.staging_path(name)
    try:
        written = _write_archive(staged, started)
        location = destination.put(staged, name)
        pruned = _rotate(destination, keep=name)
    except Exception as exc:
        staged.unlink(missing_ok=True)
        logger.exception("backup to %s failed", destination)
        BackupRun.objects.create(
            started_at=started, finished_at=timezone.now(), status=BackupRun.Status.FAILED,
            trigger=trigger, name=name, location=str(destination), error=f"{type(exc).__name__}: {exc}",
        )  # fmt: skip
        raise BackupFailed(f"The backup failed: {exc}") from exc
    return BackupRun.objects.create(
        started_at=started, finished_at=timezone.now(), status=BackupRun.Status.OK,
        trigger=trigger, name=name, location=location, size_bytes=written["size"],
        sha256=written["sha256"], encrypted=bool(encryption_key()), tables=written["tables"],
        rows=written["rows"], files=written["files"], pruned=pruned,
    )  # fmt: skip


def _write_archive(staged: Path, started: dt.datetime) -> dict:
    with tempfile.TemporaryDirectory(prefix="laseros-backup-") as work:
        dump = Path(work) / database.dump_name(database.vendor())
        counts = database.dump(dump)
        with archive.ArchiveWriter(staged, encryption_key()) as writer:
            with dump.open("rb") as handle:
                dump_sum = writer.add_file(dump.name, handle, dump.stat().st_size)
            store_listings = {alias: _add_store(writer, alias) for alias in stores.store_aliases()}
            writer.add_manifest(
                {
                    "format": archive.FORMAT,
                    "version": archive.VERSION,
                    "created_at": started.isoformat(),
                    "database": {
                        "vendor": database.vendor(),
                        "file": dump.name,
                        "sha256": dump_sum,
                        "size": dump.stat().st_size,
                        "tables": counts,
                    },
                    "stores": {alias: {"files": files} for alias, files in store_listings.items()},
                }
            )
    return {
        "sha256": writer.sha256,
        "size": writer.size,
        "tables": len(counts),
        "rows": sum(counts.values()),
        "files": sum(len(files) for files in store_listings.values()),
    }


def _add_store(writer: archive.ArchiveWriter, alias: str) -> dict[str, dict]:
    storage = stores.store(alias)
    listing = {}
    for name in stores.file_names(alias):
        try:
            size = storage.size(name)
            with storage.open(name, "rb") as handle:
                digest = writer.add_file(f"{archive.STORES}{alias}/{name}", handle, size)
        except FileNotFoundError:  # deleted since it was listed: it is not part of the backup
            continue
        listing[name] = {"sha256": digest, "size": size}
    return listing


def _rotate(destination, *, keep: str) -> int:
    doomed = rotation.to_delete(
        destination.names(),
        daily=settings.BACKUP_KEEP_DAILY,
        weekly=settings.BACKUP_KEEP_WEEKLY,
        monthly=settings.BACKUP_KEEP_MONTHLY,
    )
    for name in doomed:
        if name != keep:
            destination.delete(name)
    return len([name for name in doomed if name != keep])


# --- restore --------------------------------------------------------------------------------------


def backup_restore(*, path: str | Path, force: bool = False) -> RestoreResult:
    """Put the backup at `path` back: every checksum is checked first, and a target that holds
    data is refused unless `force`; then the database and files are replaced, the row counts
    compared with the manifest and the audit chain checked (the restore is recorded in it)."""
    local = _local_copy(Path(path))
    try:
        unpacked = archive.unpack(local, encryption_key=encryption_key())
    finally:
        if local != Path(path):  # fetched from BACKUP_STORAGE
            shutil.rmtree(local.parent, ignore_errors=True)
    try:
        manifest = unpacked.manifest
        _check_target(manifest, force=force)
        database.restore(unpacked.database_file)
        _reset_caches()
        result = RestoreResult(name=Path(path).name, taken_at=manifest["created_at"])
        _restore_files(unpacked, result)
        _compare_counts(manifest["database"]["tables"], result)
    finally:
        unpacked.cleanup()
    _check_and_record_audit(result)
    return result


def _local_copy(path: Path) -> Path:
    """The file itself, or (a bare name with BACKUP_STORAGE set) a copy fetched from the store."""
    if path.exists() or path.name != str(path) or not getattr(settings, "BACKUP_STORAGE", ""):
        return path
    destination = destinations.configured()
    target = Path(tempfile.mkdtemp(prefix="laseros-fetch-")) / path.name
    return destination.fetch(path.name, target)


def _check_target(manifest: dict, *, force: bool) -> None:
    backup_vendor = manifest["database"]["vendor"]
    if backup_vendor != database.vendor():
        raise RestoreRefused(
            f"This backup is of a {backup_vendor} database; this site runs on "
            f"{database.vendor()}. Restore it into a site configured with {backup_vendor}."
        )
    if force:
        return
    held = target_contents()
    if held:
        raise RestoreRefused(
            f"The target is not empty: it holds {', '.join(held)}. Restore into an empty database "
            "and file store, or pass --force to replace what is there."
        )


def target_contents() -> list[str]:
    """What the database and stores already hold that a restore would replace (empty: nothing
    a shop made; `migrate`'s own rows do not count)."""
    from django.contrib.auth import get_user_model

    from laseros.models import ActivityLog

    held = []
    for label, model in (("user", get_user_model()), ("audit entry", ActivityLog)):
        try:
            count = model._default_manager.count()
        except DatabaseError:  # no tables yet: an empty database
            count = 0
        if count:
            held.append(f"{count} {label}{'s' if count != 1 and label == 'user' else ''}")
    files = sum(1 for alias in stores.store_aliases() for _name in stores.file_names(alias))
    if files:
        held.append(f"{files} stored file{'s' if files != 1 else ''}")
    return held


def _reset_caches() -> None:
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


def _restore_files(unpacked: archive.UnpackedBackup, result: RestoreResult) -> None:
    wanted: dict[str, set[str]] = {}
    for (alias, name), path in unpacked.files.items():
        storage = stores.store(alias)
        if storage.exists(name):
            storage.delete(name)
        with path.open("rb") as handle:
            saved = storage.save(name, File(handle, name=name))
        if saved != name:
            raise archive.DamagedBackup(f"{name} was restored as {saved}: check the store")
        wanted.setdefault(alias, set()).add(name)
        result.files += 1
    result.kept_files = sum(
        1
        for alias in stores.store_aliases()
        for name in stores.file_names(alias)
        if name not in wanted.get(alias, set())
    )


def _compare_counts(expected: dict[str, int], result: RestoreResult) -> None:
    found = database.row_counts()
    result.tables, result.rows = len(found), sum(found.values())
    result.count_mismatches = {
        table: (count, found.get(table, 0))
        for table, count in expected.items()
        if found.get(table, 0) != count
    }


@transaction.atomic
def _check_and_record_audit(result: RestoreResult) -> None:
    from laseros.audit import verify_chain
    from laseros.audit.services import record
    from laseros.models import ActivityLog

    broken = verify_chain()
    if broken is not None:
        result.audit_broken_at = str(broken)
        return
    record(
        action=ActivityLog.Action.OTHER,
        message=f"Restored from backup {result.name} (taken {result.taken_at}): "
        f"{result.rows} rows in {result.tables} tables, {result.files} files.",
    )
