"""Redis as the cache and as django-q2's broker (REDIS_URL, CACHE_URL), against a private
redis-server: the cache keeps its values in Redis; a task enqueued by one process waits in Redis
(not in the database) until a real worker (`manage.py qcluster`) takes it, and the worker's log
lines carry the id of the request that enqueued it. Skipped when redis-server is absent; the
worker test needs the PostgreSQL leg (the worker process shares the test's database)."""

from __future__ import annotations

import json
import logging

import environ
import pytest
import redis

from ingest.models import FileExtraction, FileIngest, FileStatus
from ingest.tests.factories import dxf_bytes
from laseros.testing_servers import (
    LaserOSProcesses,
    needs_postgresql_processes,
    postgres_test_database_url,
    redis_server,
    wait_until,
)

pytestmark = pytest.mark.servers

QUEUE_KEY = "django_q:laseros:q"  # django-q2's Redis list for the cluster named "laseros"
logger = logging.getLogger("laseros.tests.scaled")


def task_that_logs(word: str) -> str:
    """Run by the worker: one log line, and the word back as the result."""
    logger.info("the task says %s", word)
    return word


@pytest.fixture(scope="module")
def redis_url():
    with redis_server() as url:
        yield url


def test_the_cache_keeps_its_values_in_redis(settings, redis_url):
    cache_url = redis_url.replace("/0", "/1")
    settings.CACHES = {"default": environ.Env.cache_url_config(cache_url)}  # as CACHE_URL reads it
    from django.core.cache import cache

    cache.set("greeting", {"shop": "Laser OS"}, 60)
    cache.set("counter", 1, 60)
    assert cache.incr("counter") == 2
    assert cache.get("greeting") == {"shop": "Laser OS"}
    raw = redis.Redis.from_url(cache_url)
    keys = sorted(key.decode() for key in raw.keys("*"))
    assert [k.rsplit(":", 1)[-1] for k in keys] == ["counter", "greeting"]  # in Redis itself
    assert 0 < raw.ttl(next(k for k in keys if k.endswith("greeting"))) <= 60
    cache.delete("greeting")
    assert cache.get("greeting") is None and raw.exists(keys[1]) == 0


@pytest.mark.postgres
@needs_postgresql_processes()
def test_tasks_wait_in_redis_until_a_real_worker_takes_them(redis_url, transactional_db, tmp_path):
    from django_q.models import OrmQ, Task

    database_url = postgres_test_database_url()
    shop = LaserOSProcesses(
        tmp_path,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CACHE_URL=redis_url.replace("/0", "/1"),
    )
    broker = redis.Redis.from_url(redis_url)
    drawing = tmp_path / "0001-Bracket-MS-3mm-x4.dxf"
    drawing.write_bytes(dxf_bytes(width=90.0, height=45.0))
    try:
        # no worker yet: both tasks wait in Redis, none in the database's queue
        shop.manage("ingest", str(drawing))
        shop.manage(
            "shell",
            "-c",
            "from laseros.request_ids import bound\n"
            "from laseros.tasks import enqueue_on_commit\n"
            "with bound('req-redis-7'):\n"
            "    enqueue_on_commit('laseros.site.tests.test_scaled_redis.task_that_logs', 'hi')\n",
        )
        assert broker.llen(QUEUE_KEY) == 2
        assert OrmQ.objects.count() == 0
        assert FileIngest.objects.get().status == FileStatus.QUEUED

        worker = shop.worker("worker")
        wait_until(
            lambda: (
                FileIngest.objects.get().status == FileStatus.PROCESSED
                and Task.objects.filter(func__endswith="task_that_logs").exists()
            ),
            seconds=90,
            what=lambda: f"the worker reads the file and runs the task\n{shop.logs()}",
            process=worker,
        )
        assert broker.llen(QUEUE_KEY) == 0
        file = FileIngest.objects.get()
        assert file.attempts == 1 and FileExtraction.objects.filter(file=file).count() == 1
        task = Task.objects.get(func__endswith="task_that_logs")
        assert task.success and task.result == "hi"
        shop.stop_all()
        lines = [json.loads(line) for line in shop.log("worker").splitlines() if line[:1] == "{"]
        said = [line for line in lines if line["message"] == "the task says hi"]
        assert [line["request_id"] for line in said] == ["req-redis-7"], shop.log("worker")
    finally:
        shop.stop_all()
