"""/healthz tells the truth about the database, storage and worker; tasks run after commit."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from laseros.models import WorkerHeartbeat
from laseros.tasks import enqueue_on_commit, heartbeat

pytestmark = pytest.mark.django_db


def test_healthy_when_worker_beat_recently(client):
    heartbeat()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["storage"]["ok"]


def test_503_names_a_worker_that_never_beat(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["worker"]
    assert "qcluster" in response.json()["checks"]["worker"]["error"]


def test_503_names_a_stale_worker(client):
    WorkerHeartbeat.objects.create(beat_at=timezone.now() - dt.timedelta(minutes=10))
    body = client.get("/healthz").json()
    assert body["failed"] == ["worker"] and "600 s ago" in body["checks"]["worker"]["error"]


def test_503_names_unwritable_storage(client, settings, tmp_path):
    heartbeat()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker / "media"
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["failed"] == ["storage"]


def test_heartbeat_is_scheduled_in_code():
    schedule = Schedule.objects.get(name="laseros.heartbeat")
    assert schedule.func == "laseros.tasks.heartbeat" and schedule.minutes == 1


CALLS = []


def remember(value):
    CALLS.append(value)


def test_enqueue_runs_after_commit_and_not_on_rollback(django_capture_on_commit_callbacks):
    CALLS.clear()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue_on_commit("laseros.tests.test_health_and_worker.remember", "kept")
        assert CALLS == []  # not before the commit
    assert CALLS == ["kept"]
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                enqueue_on_commit("laseros.tests.test_health_and_worker.remember", "lost")
                raise RuntimeError
        except RuntimeError:
            pass
    assert CALLS == ["kept"]
