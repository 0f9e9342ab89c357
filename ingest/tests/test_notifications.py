"""Ingest's cause for the bell: a live file whose reading failed is one cause, with the reason a
person can act on; a file read, waiting or deleted is none. (comms opens and closes the
notifications: laseros/site/tests/test_notifications.py runs the two together.)"""

from __future__ import annotations

import pytest
from django.utils import timezone

from ingest.notifications import failed_files
from ingest.tests.factories import file_row
from laseros.notifications import cause_sources

pytestmark = pytest.mark.django_db


def test_each_failed_file_is_one_cause_with_its_reason():
    failed = file_row(status="failed", metadata=False, failure_reason="The DXF has no entities.")
    file_row(status="processed")
    file_row(status="queued", metadata=False)
    gone = file_row(status="failed", metadata=False, failure_reason="Broken.")
    gone.deleted_at = timezone.now()
    gone.save(update_fields=["deleted_at"])

    causes = list(failed_files(timezone.now()))

    assert [c.key for c in causes] == [f"file_failed:ingest:{failed.pk}"]
    cause = causes[0]
    assert cause.kind == "file_failed" and cause.audience == "everyone"
    assert failed.original_name in cause.title and cause.text == "The DXF has no entities."
    assert cause.url.endswith(f"/admin/ingest/fileingest/{failed.pk}/change/")


def test_ingest_registers_its_cause_when_the_app_is_ready():
    sources = {source.name: source for source in cause_sources()}
    assert sources["ingest.failed_files"].prefix == "file_failed:"
