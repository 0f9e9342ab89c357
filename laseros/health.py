"""/healthz: is the database answering, is storage writable, is the worker alive?"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # reported, not raised: this is the health check
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def check_storage() -> dict:
    name = f"healthz/{uuid.uuid4().hex}.txt"
    try:
        saved = default_storage.save(name, ContentFile(b"ok"))
        default_storage.delete(saved)
        return {"ok": True, "backend": type(default_storage).__name__}
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def check_worker() -> dict:
    from .models import WorkerHeartbeat

    try:
        beat = WorkerHeartbeat.objects.filter(name="qcluster").first()
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    if beat is None:
        return {
            "ok": False,
            "error": "no heartbeat yet: is the worker (manage.py qcluster) running?",
        }
    age = (timezone.now() - beat.beat_at).total_seconds()
    stale = settings.WORKER_HEARTBEAT_STALE_SECONDS
    result = {
        "ok": age <= stale,
        "last_heartbeat": beat.beat_at.isoformat(),
        "age_seconds": int(age),
    }
    if age > stale:
        result["error"] = f"last heartbeat {int(age)} s ago (more than {stale} s)"
    return result


@never_cache
@require_GET
def healthz(request):
    checks = {
        "database": check_database(),
        "storage": check_storage(),
        "worker": check_worker(),
    }
    failed = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "ok" if not failed else "fail", "failed": failed, "checks": checks}
    return JsonResponse(body, status=200 if not failed else 503)
