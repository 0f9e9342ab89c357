"""What serving a stored file costs through the permission-checked views (laseros/files.py).

    .venv/bin/python bench/file_serving.py [--mb 200] [--rows 2000]

Makes a throwaway database and media folder, stores one file of --mb megabytes as a drawing
among --rows other file records, and fetches it as a signed-in Admin (Django's test client, in
process) three ways, each once to warm up and once measured: /media/<name> streamed by Django, the files API's download, and /media/ with
FILES_SENDFILE_HEADER=X-Accel-Redirect (the web server would send the bytes). Prints, for each,
the queries, the time to the last byte and the peak Python memory (tracemalloc) while reading it.
Asserts nothing; removes everything at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(data_dir: str) -> None:
    os.environ["DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laseros.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def fetch(client, url: str) -> tuple[int, int, int, float, float]:
    """(status, bytes, queries, seconds to the last byte, peak MB) of one GET."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tracemalloc.start()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        size = 0
        if getattr(response, "streaming", False):
            for chunk in response.streaming_content:
                size += len(chunk)
        else:
            size = len(response.content)
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return response.status_code, size, len(queries), seconds, peak / 1048576


def run(args: argparse.Namespace) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.files.storage import default_storage
    from django.test import Client
    from django.utils import timezone

    from ingest.models import FileIngest

    name = "CL-0001/JB-1/big-v001.dxf"
    path = Path(default_storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        block = os.urandom(1 << 20)
        for _ in range(args.mb):
            out.write(block)
    now = timezone.now()
    rows = [
        FileIngest(
            original_name=f"p{n}.dxf",
            file=f"rows/p{n}.dxf",
            stored_name=f"P{n}-v001.dxf",
            part=f"P{n}",
            version=1,
            sha256=f"{n:064x}",
            size_bytes=1,
            kind="dxf",
            mime="image/vnd.dxf",
            extension="dxf",
            status="processed",
            received_at=now,
            source="api",
        )
        for n in range(args.rows)
    ]
    FileIngest.objects.bulk_create(rows)
    big = FileIngest.objects.create(
        original_name="big.dxf",
        file=name,
        stored_name="Big-v001.dxf",
        part="Big",
        version=1,
        sha256="f" * 64,
        size_bytes=args.mb << 20,
        kind="dxf",
        mime="image/vnd.dxf",
        extension="dxf",
        status="processed",
        received_at=now,
        source="api",
    )
    user = get_user_model().objects.create_user("boss", password="x", is_superuser=True)
    client = Client()
    client.force_login(user)
    print(f"== one {args.mb} MB drawing among {args.rows} file records")
    print(f"{'route':<44} {'status':>6} {'MB out':>7} {'queries':>7} {'seconds':>8} {'peak MB':>8}")
    cases = [
        ("/media/ (streamed by Django)", f"/media/{name}", ""),
        ("files API download", f"/api/v1/files/{big.pk}/download/", ""),
        ("/media/ with X-Accel-Redirect", f"/media/{name}", "X-Accel-Redirect"),
    ]
    for label, url, header in cases:
        settings.FILES_SENDFILE_HEADER = header
        fetch(client, url)  # warm-up: imports, URL resolver, the file in the page cache
        status, size, queries, seconds, peak = fetch(client, url)
        print(
            f"{label:<44} {status:>6} {size / 1048576:>7.1f} {queries:>7} {seconds:>8.3f} "
            f"{peak:>8.2f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=200, help="size of the file (200 MB)")
    parser.add_argument("--rows", type=int, default=2000, help="other file records (2000)")
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="laseros-bench-")
    try:
        setup_django(folder)
        from django.db import connection
        from django.test.utils import setup_test_environment, teardown_test_environment

        setup_test_environment()
        old_name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
        try:
            run(args)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            teardown_test_environment()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
