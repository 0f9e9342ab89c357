"""The file stores a backup holds: every storage in settings.STORAGES but the static files
(`collectstatic` makes them again from the code) and the backups' own folder when backups are
written to a store. Read and written through Django's storage API, so a store on S3 is backed up
and restored as a folder on disk is."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.core.files.storage import Storage, storages

NOT_BACKED_UP = {"staticfiles"}


def backup_prefix() -> str:
    return str(getattr(settings, "BACKUP_STORAGE_PREFIX", "backups")).strip("/") + "/"


def store_aliases() -> list[str]:
    return [alias for alias in settings.STORAGES if alias not in NOT_BACKED_UP]


def store(alias: str) -> Storage:
    return storages[alias]


def _skipped(alias: str, name: str) -> bool:
    """The backups themselves, when they are kept in this store; /healthz's probe files."""
    in_backups = alias == getattr(settings, "BACKUP_STORAGE", "") and name.startswith(
        backup_prefix()
    )
    return in_backups or name.startswith("healthz/")


def file_names(alias: str) -> Iterator[str]:
    """Every file's name in the store, as its records hold it ("projects/12/plate.dxf")."""
    yield from (name for name in _walk(store(alias), "") if not _skipped(alias, name))


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a store nothing was ever saved in
        return
    for name in sorted(files):
        yield f"{folder}{name}"
    for sub in sorted(folders):
        yield from _walk(storage, f"{folder}{sub}/")
