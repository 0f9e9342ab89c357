"""The event outbox: an event is written in the transaction of the change it tells of."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import transaction

from laseros.event_types import EVENT_TYPES, UnknownEventType, types_markdown
from laseros.models import OutboxEvent
from laseros.outbox import event_recorded, record_event

pytestmark = pytest.mark.django_db

STOCK_LOW = {
    "stock_id": 7,
    "stock": "MS 3 mm 3000x1500",
    "material": "MS",
    "thickness_mm": Decimal("3.00"),
    "quantity_on_hand": 2,
    "reorder_level": 5,
    "to_order": 10,
}


class Boom(Exception):
    pass


def test_a_rolled_back_change_leaves_no_event_and_sends_nothing(
    django_capture_on_commit_callbacks,
):
    heard = []
    event_recorded.connect(heard.append, weak=False, dispatch_uid="test-heard")
    try:
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(Boom),
            transaction.atomic(),
        ):
            record_event(type="stock.low", payload=STOCK_LOW)
            raise Boom
    finally:
        event_recorded.disconnect(dispatch_uid="test-heard")
    assert OutboxEvent.objects.count() == 0
    assert heard == []


def test_a_committed_change_has_its_event_told_after_the_commit(
    django_capture_on_commit_callbacks,
):
    heard = []

    def listen(sender, event, **kwargs):
        heard.append(event.pk)

    event_recorded.connect(listen, weak=False, dispatch_uid="test-heard")
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            event = record_event(type="stock.low", payload=STOCK_LOW)
            assert heard == []  # not before the commit
    finally:
        event_recorded.disconnect(dispatch_uid="test-heard")
    assert heard == [event.pk]
    stored = OutboxEvent.objects.get()
    assert isinstance(stored.event_id, uuid.UUID)
    assert stored.type == "stock.low" and stored.version == EVENT_TYPES["stock.low"].version
    assert stored.payload["thickness_mm"] == "3.00"  # JSON as the receiver reads it
    assert stored.dispatched_at is None
    assert abs(stored.occurred_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_the_event_ids_are_distinct():
    first = record_event(type="stock.low", payload=STOCK_LOW)
    second = record_event(type="stock.low", payload=STOCK_LOW)
    assert first.event_id != second.event_id


def test_an_unknown_type_or_a_missing_field_is_refused_and_writes_nothing():
    with pytest.raises(UnknownEventType, match="stock.lowish"):
        record_event(type="stock.lowish", payload=STOCK_LOW)
    payload = {k: v for k, v in STOCK_LOW.items() if k != "reorder_level"}
    with pytest.raises(ValueError, match="lacks reorder_level"):
        record_event(type="stock.low", payload=payload)
    assert OutboxEvent.objects.count() == 0


def test_every_event_the_issue_names_is_listed_and_documented():
    named = {
        "file.ingested",
        "file.processed",
        "file.failed",
        "file.deleted",
        "file.restored",
        "project.created",
        "project.status_changed",
        "quote.sent",
        "quote.accepted",
        "invoice.issued",
        "payment.received",
        "run.finished",
        "stock.low",
    }
    assert named <= set(EVENT_TYPES)
    table = types_markdown()
    for name in named:
        assert f"`{name}`" in table


def test_the_readme_shows_the_table_of_events():
    from django.conf import settings

    readme = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")
    assert types_markdown() in readme, "README.md's table of events: paste types_markdown()"
