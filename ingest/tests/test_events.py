"""Ingest's events in the outbox (laseros.outbox): file.ingested, processed, failed, deleted and
restored, each written in the transaction of its change with the payload its signal carries."""

from __future__ import annotations

import pytest

from ingest import services, tasks
from ingest.content import pipeline
from ingest.models import FileIngest
from laseros.models import OutboxEvent

from .factories import dxf_file

pytestmark = pytest.mark.django_db


def _types(file_id):
    return [
        e.type for e in OutboxEvent.objects.order_by("id") if e.payload.get("file_id") == file_id
    ]


def test_a_file_read_deleted_and_restored_records_each_event(committed, events):
    with committed():
        file = services.ingest(source_file=dxf_file(), original_name="0001-Bracket-MS-3mm-x4.dxf")
    file = file.file
    with committed():
        services.soft_delete(file=file)
    with committed():
        services.restore(file=file)
    assert _types(file.pk) == ["file.ingested", "file.processed", "file.deleted", "file.restored"]
    stored = {e.type: e.payload for e in OutboxEvent.objects.all()}
    sent = dict(events)
    for name in ("file.ingested", "file.processed", "file.deleted", "file.restored"):
        # the signal adds only its own envelope (event, occurred_at) to what the outbox keeps
        assert {k: v for k, v in sent[name].items() if k not in ("event", "occurred_at")} == (
            stored[name]
        )
    assert stored["file.processed"]["metadata"]["material"] == "MS"


def test_a_file_that_cannot_be_read_records_file_failed(monkeypatch, committed):
    file = services.ingest(source_file=dxf_file(), original_name="0001-Bracket-MS-3mm-x4.dxf").file

    def crash(path, context):
        raise RuntimeError("damaged header")

    monkeypatch.setattr(pipeline, "analyse", crash)
    with committed():
        tasks.process_file(file.pk)
    (failed,) = OutboxEvent.objects.filter(type="file.failed")
    assert failed.payload["file_id"] == file.pk and "damaged header" in failed.payload["reason"]


def test_an_upload_that_rolls_back_after_its_event_records_nothing(monkeypatch):
    def broken_queue(*args, **kwargs):  # the last step of the upload's transaction
        raise RuntimeError("queue unavailable")

    monkeypatch.setattr(services.receiving, "enqueue_on_commit", broken_queue)
    with pytest.raises(RuntimeError):
        services.ingest(source_file=dxf_file(), original_name="a.dxf")
    assert not FileIngest.objects.exists() and not OutboxEvent.objects.exists()
