"""/healthz: is the database answering, is storage writable, is a worker alive, and what the apps
declare (ingest: files stuck with a dead worker)? 503 when any says no. It also tells how old the
last good backup is and how much work waits in the queue: reported, never a 503 (a load balancer
must not take the site down because last night's backup did not run; the admin index warns)."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .redaction import without_server_paths

MAX_NAMED = 20  # workers or files named in one check

# More checks (name -> dotted path of a function() -> {"ok": bool, ...}); apps add theirs with
# `declare_check` in AppConfig.ready().
CHECKS: dict[str, str] = {}


def declare_check(name: str, func: str) -> None:
    CHECKS[name] = func


def _error(exc: Exception) -> str:
    """What failed, for anyone who asks: no path on the server (the log has the whole story)."""
    return without_server_paths(f"{type(exc).__name__}: {exc}")


def _declared(path: str) -> dict:
    try:
        return import_string(path)()
    except Exception as exc:  # reported, not raised
        return {"ok": False, "error": _error(exc)}


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # reported, not raised: this is the health check
        return {"ok": False, "error": _error(exc)}


def check_storage() -> dict:
    name = f"healthz/{uuid.uuid4().hex}.txt"
    try:
        saved = default_storage.save(name, ContentFile(b"ok"))
        default_storage.delete(saved)
        return {"ok": True, "backend": type(default_storage).__name__}
    except Exception as exc:
        return {"ok": False, "error": _error(exc)}


def check_worker() -> dict:
    """Alive when at least one cluster beat within WORKER_HEARTBEAT_STALE_SECONDS (and, on this
    machine, its process still runs); the dead ones are named."""
    from . import workers

    try:
        alive, dead = workers.clusters()
    except Exception as exc:
        return {"ok": False, "error": _error(exc)}
    result: dict[str, Any] = {
        "ok": bool(alive),
        "alive": [_cluster(row) for row in alive],
        "dead": [_cluster(row) for row in dead[:MAX_NAMED]],
    }
    if alive:
        newest = alive[0]
        result["last_heartbeat"] = newest.beat_at.isoformat()
        result["age_seconds"] = int((timezone.now() - newest.beat_at).total_seconds())
    elif not dead:
        result["error"] = "no heartbeat yet: is the worker (manage.py qcluster) running?"
    else:
        named = "; ".join(f"{_name(row)}: {row.dead_because}" for row in dead[:MAX_NAMED])
        result["error"] = f"no worker is alive: {named}"
    return result


def check_backup() -> dict:
    """The last good backup's age; `stale` past BACKUP_STALE_HOURS (or with none yet)."""
    from .backup.selectors import backup_status

    try:
        status = backup_status()
    except Exception as exc:
        return {"ok": False, "error": _error(exc)}
    last = status["last"]
    result: dict[str, Any] = {
        "ok": True,
        "last_good_at": last.finished_at.isoformat() if last else None,
        "age_seconds": int((timezone.now() - last.finished_at).total_seconds()) if last else None,
        "stale": status["stale"],
    }
    if status["stale"]:
        result["warning"] = (
            f"no good backup in the last {status['stale_hours']} hours"
            if last
            else "no good backup yet: run manage.py backup"
        )
    if status["last_failed"]:
        result["last_failed_at"] = status["last_failed"].finished_at.isoformat()
    return result


def check_queue() -> dict:
    """Tasks waiting for a worker, and how long the oldest has waited (the database broker
    knows when each was queued; Redis tells only how many)."""
    from django_q.brokers import get_broker
    from django_q.models import OrmQ

    try:
        broker = get_broker()
        result: dict[str, Any] = {"ok": True, "backlog": broker.queue_size()}
        oldest = None
        if type(broker).__name__ == "ORM":
            oldest = (
                OrmQ.objects.filter(key=broker.list_key, lock__lte=timezone.now())
                .order_by("lock")
                .values_list("lock", flat=True)
                .first()
            )
        result["oldest_waiting_at"] = oldest.isoformat() if oldest else None
        result["oldest_waiting_seconds"] = (
            int((timezone.now() - oldest).total_seconds()) if oldest else None
        )
        return result
    except Exception as exc:
        return {"ok": False, "error": _error(exc)}


def _name(row) -> str:
    pid = f" pid {row.pid}" if row.pid else ""
    return f"worker {row.label or row.name} on {row.host or '?'}{pid}"


def _cluster(row) -> dict[str, Any]:
    data = {
        "name": row.name,
        "label": row.label,
        "host": row.host,
        "pid": row.pid,
        "started_at": row.started_at.isoformat() if row.started_at else None,
        "last_heartbeat": row.beat_at.isoformat(),
        "age_seconds": int((timezone.now() - row.beat_at).total_seconds()),
    }
    if row.dead_because:
        data["dead_because"] = row.dead_because
    return data


@never_cache
@require_GET
def healthz(request):
    checks = {
        "database": check_database(),
        "storage": check_storage(),
        "worker": check_worker(),
        "backup": check_backup(),
        "queue": check_queue(),
    }
    for name, path in CHECKS.items():
        checks[name] = _declared(path)
    failed = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "ok" if not failed else "fail", "failed": failed, "checks": checks}
    return JsonResponse(body, status=200 if not failed else 503)
