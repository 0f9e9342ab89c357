"""The daily backup (scheduled by laseros.backup.schedule; the worker runs it)."""

from __future__ import annotations

from .services import backup_create


def daily_backup() -> str:
    run = backup_create(trigger="schedule")
    return f"{run.name}: {run.rows} rows, {run.files} files, {run.size_bytes} bytes"
