"""Where backups are written: a folder (BACKUP_DIR), or a file store from settings.STORAGES
(BACKUP_STORAGE, e.g. "default" on S3: the backups go under BACKUP_STORAGE_PREFIX in the bucket,
through django-storages)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File

from . import rotation, stores


class FolderDestination:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def __str__(self) -> str:
        return str(self.folder)

    def staging_path(self, name: str) -> Path:
        """Where the backup is written before it is complete (then `put` renames it)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / f".{name}.partial"

    def put(self, staged: Path, name: str) -> str:
        final = self.folder / name
        os.replace(staged, final)
        return str(final)

    def names(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(path.name for path in self.folder.iterdir() if rotation.taken_at(path.name))

    def delete(self, name: str) -> None:
        (self.folder / name).unlink(missing_ok=True)

    def fetch(self, name: str, target: Path) -> Path:
        return self.folder / name


class StorageDestination:
    def __init__(self, alias: str) -> None:
        self.alias = alias
        self.prefix = stores.backup_prefix()

    def __str__(self) -> str:
        return f"storage {self.alias!r}, {self.prefix}"

    def staging_path(self, name: str) -> Path:
        handle, path = tempfile.mkstemp(prefix=".laseros-backup-", suffix=".partial")
        os.close(handle)
        return Path(path)

    def put(self, staged: Path, name: str) -> str:
        storage = stores.store(self.alias)
        try:
            with staged.open("rb") as handle:
                saved = storage.save(self.prefix + name, File(handle, name=name))
        finally:
            staged.unlink(missing_ok=True)
        return saved

    def names(self) -> list[str]:
        try:
            _folders, files = stores.store(self.alias).listdir(self.prefix)
        except FileNotFoundError:
            return []
        return sorted(name for name in files if rotation.taken_at(name))

    def delete(self, name: str) -> None:
        stores.store(self.alias).delete(self.prefix + name)

    def fetch(self, name: str, target: Path) -> Path:
        with (
            stores.store(self.alias).open(self.prefix + name, "rb") as source,
            target.open("wb") as out,
        ):
            shutil.copyfileobj(source, out)
        return target


def configured(output: str | Path | None = None) -> FolderDestination | StorageDestination:
    """`--output DIR` when given; else BACKUP_STORAGE when set; else BACKUP_DIR."""
    if output:
        return FolderDestination(Path(output))
    alias = getattr(settings, "BACKUP_STORAGE", "")
    if alias:
        return StorageDestination(alias)
    return FolderDestination(Path(settings.BACKUP_DIR))
