"""The bell across the layers: ingest's failed files reach comms' notifications through the
registry in laseros.notifications, and the demo shop has notifications (one per cause)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from comms.models import Notification
from comms.services.notifications import notifications_evaluate
from ingest.models import FileIngest
from ingest.tests.factories import file_row

pytestmark = pytest.mark.django_db


def test_a_file_that_failed_to_read_opens_one_notification_until_it_is_read_again():
    file = file_row(status="failed", metadata=False, failure_reason="Not a DXF: the header is cut.")
    key = f"file_failed:ingest:{file.pk}"

    assert notifications_evaluate().opened == 1
    assert notifications_evaluate().opened == 0
    notification = Notification.objects.get(cause_key=key)
    assert notification.is_open and notification.text == "Not a DXF: the header is cut."
    assert notification.audience == "everyone"

    FileIngest.objects.filter(pk=file.pk).update(status="processed")
    notifications_evaluate()
    notification.refresh_from_db()
    assert not notification.is_open


def test_the_demo_shop_has_notifications_one_per_cause(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    out = io.StringIO()
    call_command("seed_demo", "--size", "8", "--seed", "7", stdout=out)
    assert "notifications:" in out.getvalue()
    kinds = set(Notification.objects.open().values_list("kind", flat=True))
    assert "message_failed" in kinds  # the demo outbox's failed messages
    assert Notification.objects.count() > 0

    # a second run tops the shop up (it may use more sheets: more low stock), and its step
    # opens no second notification for a cause it already has
    first = set(Notification.objects.open().values_list("cause_key", flat=True))
    call_command("seed_demo", "--size", "8", "--seed", "7", stdout=io.StringIO())
    keys = list(Notification.objects.open().values_list("cause_key", flat=True))
    assert len(keys) == len(set(keys)) and first <= set(keys)
    assert notifications_evaluate().opened == 0
