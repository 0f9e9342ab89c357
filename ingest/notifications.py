"""Ingest's cause for the bell: a file that failed to read. Registered in laseros.notifications
by IngestConfig.ready(); comms (beside ingest, so it may not import it) evaluates it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse

from laseros.notifications import EVERYONE, Cause, register_cause_source

from .models import FileIngest


def failed_files(now: dt.datetime) -> Iterator[Cause]:
    """Live files whose reading failed, each with the reason a person can act on."""
    files = FileIngest.objects.failed().select_related("project").order_by("pk")
    for file in files:
        job = f" ({file.project.code})" if file.project_id else ""
        yield Cause(
            key=f"file_failed:ingest:{file.pk}",
            kind="file_failed",
            title=f"A file failed to read: {file.original_name}{job}"[:200],
            text=file.failure_reason[:500],
            url=reverse("admin:ingest_fileingest_change", args=[file.pk]),
            severity="warning",
            audience=EVERYONE,
        )


def register() -> None:
    register_cause_source("ingest.failed_files", prefix="file_failed:", evaluate=failed_files)
