"""Two of everything on one PostgreSQL: two gunicorn web servers take 200 drawings through the
upload API, four clients at a time, while two workers (`manage.py qcluster`) read them. None is
lost (each is stored once and ends read) and none is read twice (one claim, one reading per file,
one task result each); both workers did part of the work. The PostgreSQL leg of `make test` runs
it (the processes share the test's database); elsewhere it is skipped."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from ingest.models import FileExtraction, FileIngest, FileStatus
from ingest.tests.factories import dxf_bytes
from laseros.testing_servers import (
    LaserOSProcesses,
    needs_postgresql_processes,
    postgres_test_database_url,
    wait_until,
)

pytestmark = [
    pytest.mark.servers,
    pytest.mark.postgres,
    pytest.mark.slow,
    needs_postgresql_processes(),
]

FILES = 200
CLIENTS = 4  # uploads in flight at once


def _drawing(index: int) -> tuple[str, bytes]:
    """A different plate each time (the same bytes twice would be one file, a duplicate)."""
    return f"{index + 1:04d}-Plate-MS-3mm-x1.dxf", dxf_bytes(width=100.0 + index, height=50.0)


def test_two_web_servers_and_two_workers_take_200_files_once_each(transactional_db, tmp_path):
    import requests
    from django.contrib.auth import get_user_model
    from django_q.models import OrmQ, Task
    from rest_framework.authtoken.models import Token

    from laseros.models import WorkerHeartbeat

    shop = LaserOSProcesses(
        tmp_path,
        DATABASE_URL=postgres_test_database_url(),
        REDIS_URL="",
        CACHE_URL="locmemcache://laseros",
    )
    user = get_user_model().objects.create_superuser("uploader", password="x-Upload-123")
    token = Token.objects.create(user=user).key
    try:
        workers = [shop.worker("worker-1"), shop.worker("worker-2")]
        webs = [shop.web("web-1"), shop.web("web-2")]
        wait_until(  # both workers polling before the first file arrives
            lambda: WorkerHeartbeat.objects.filter(stopped_at__isnull=True).count() == 2,
            seconds=60,
            what=lambda: f"two workers beat\n{shop.logs()}",
        )

        def upload(job: tuple[int, str]) -> tuple[str, int, dict | str]:
            index, web = job
            name, data = _drawing(index)
            response = requests.post(
                f"{web}/api/v1/files/",
                files={"file": (name, data, "application/dxf")},
                headers={"Authorization": f"Token {token}"},
                timeout=60,
            )
            body = response.json() if response.status_code == 202 else response.text[:500]
            return name, response.status_code, body, response.headers.get("X-Request-ID")

        jobs = list(zip(range(FILES), itertools.cycle(webs), strict=False))
        with ThreadPoolExecutor(CLIENTS) as pool:
            answers = list(pool.map(upload, jobs))
        refused = [(name, code, body) for name, code, body, _ in answers if code != 202]
        assert not refused, refused[:3]
        assert all(body[0]["created"] for _, _, body, _ in answers)

        def all_read() -> bool:
            return FileIngest.objects.exclude(status__in=FileStatus.done()).count() == 0

        wait_until(
            all_read, seconds=150, what=lambda: f"the workers read {FILES} files\n{shop.logs()}"
        )
        files = list(FileIngest.objects.all())
        assert sorted(f.original_name for f in files) == sorted(
            _drawing(i)[0] for i in range(FILES)
        )
        assert Counter(f.status for f in files) == {FileStatus.PROCESSED: FILES}
        assert Counter(f.attempts for f in files) == {1: FILES}  # each claimed once
        readings = Counter(FileExtraction.objects.values_list("file_id", flat=True))
        assert readings == {f.pk: 1 for f in files}  # each read once
        by_worker = Counter(f.worker for f in files)
        assert len(by_worker) == 2 and "" not in by_worker, by_worker  # both workers took part

        wait_until(
            lambda: Task.objects.filter(func="ingest.tasks.process_file").count() >= FILES,
            seconds=30,
            what="every task's result saved",
        )
        results = Counter(
            Task.objects.filter(func="ingest.tasks.process_file").values_list("result", flat=True)
        )
        assert results == {f"file #{f.pk}: processed": 1 for f in files}, results.most_common(3)
        # no file's reading left in the queue (the schedules, e.g. the webhook sweep every
        # minute, may have just put theirs there)
        left = [queued.func() for queued in OrmQ.objects.all()]
        assert "ingest.tasks.process_file" not in left, left

        # the web servers' log lines are JSON (LOG_FORMAT=json), each upload's carry its id
        logged = [
            json.loads(line)
            for name in ("web-1", "web-2")
            for line in shop.log(name).splitlines()
            if line.startswith("{")  # gunicorn's own lines are its own format
        ]
        ids = {entry["request_id"] for entry in logged if entry["request_id"]}
        assert {request_id for *_, request_id in answers} <= ids
        assert all(process.poll() is None for process in workers)
    finally:
        shop.stop_all()
