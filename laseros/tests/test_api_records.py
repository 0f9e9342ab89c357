"""The core's read-only record endpoints' generated tests (laseros.api_testing): the audit trail
and the backups, read by Admins and Managers (the matrix's laseros row)."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from laseros.api_testing import EndpointTests, Filter, dates, set_fields, someone
from laseros.audit import record
from laseros.models import ActivityLog, BackupRun
from laseros.roles import ADMIN, MANAGER


class TestActivityLog(EndpointTests):
    prefix = "activity-log"
    model = ActivityLog
    readers = (ADMIN, MANAGER)
    filters = (
        Filter("action", lambda entry: entry.action),
        Filter("actor", lambda entry: entry.actor.username),
        *dates("created_at"),
        Filter(
            "content_type",
            lambda entry: entry.content_type_id,
            arrange=lambda match, other: set_fields(
                match, content_type=ContentType.objects.get_for_model(BackupRun)
            ),
        ),
        Filter("object_id", lambda entry: entry.object_id),
        Filter("entry_hash", lambda entry: entry.entry_hash),
    )

    def make(self, n):
        action = (ActivityLog.Action.OTHER, ActivityLog.Action.IMPORT)[n % 2]
        user, subject = someone(f"auditor-{n}"), someone(f"audited-{n}")
        return record(action=action, obj=subject, user=user, message=f"entry {n}")


class TestBackups(EndpointTests):
    prefix = "backups"
    model = BackupRun
    readers = (ADMIN, MANAGER)
    filters = (
        Filter(
            "status",
            lambda run: "failed",
            arrange=lambda match, other: set_fields(match, status="failed"),
        ),
        *dates("started_at"),
        *dates("finished_at"),
        Filter(
            "encrypted",
            lambda run: "true",
            arrange=lambda match, other: set_fields(match, encrypted=True),
        ),
    )

    def make(self, n):
        now = timezone.now()
        return BackupRun.objects.create(
            started_at=now,
            finished_at=now + dt.timedelta(seconds=5),
            status="ok",
            trigger="command",
            name=f"laseros-{n}.tar",
        )
