"""manage.py doctor: is this deployment fit to run the shop? Each check answers OK, WARN or FAIL
with what to fix; the command exits non-zero when any fails. /healthz asks "is it up now?";
the doctor also asks "is it set up right?" (settings, `check --deploy`, migrations, disk, OCR)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

OK, WARN, FAIL = "OK", "WARN", "FAIL"
GIB = 1024**3
DISK_FAIL_BYTES = 1 * GIB  # less free than this: uploads and backups fail soon
DISK_WARN_BYTES = 5 * GIB
DISK_WARN_FRACTION = 0.10
INSECURE_KEY_PREFIXES = ("django-insecure", "dev-insecure", "change-me", "changeme", "secret")


@dataclass(frozen=True)
class Finding:
    check: str
    status: str
    message: str
    fix: str = ""


def check_secret_key() -> Finding:
    key = str(settings.SECRET_KEY or "")
    if len(key) < 50 or len(set(key)) < 5 or key.lower().startswith(INSECURE_KEY_PREFIXES):
        return Finding(
            "secret key", FAIL, "SECRET_KEY is short, plain or a known example value",
            "set SECRET_KEY in .env to a long random value: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'",
        )  # fmt: skip
    return Finding("secret key", OK, f"SECRET_KEY is set ({len(key)} characters)")


def check_debug() -> Finding:
    if settings.DEBUG:
        return Finding(
            "debug", FAIL, "DEBUG is on: an error page shows code and settings to anyone",
            "set DEBUG=0 in .env",
        )  # fmt: skip
    return Finding("debug", OK, "DEBUG is off")


def check_allowed_hosts() -> Finding:
    hosts = list(settings.ALLOWED_HOSTS)
    if not hosts:
        return Finding(
            "allowed hosts", FAIL, "ALLOWED_HOSTS is empty: with DEBUG off every request gets 400",
            "set ALLOWED_HOSTS in .env to the site's names, e.g. shop.example.com,192.168.1.10",
        )  # fmt: skip
    if "*" in hosts:
        return Finding(
            "allowed hosts", WARN, "ALLOWED_HOSTS accepts any host name ('*')",
            "list the site's real names in ALLOWED_HOSTS",
        )  # fmt: skip
    return Finding("allowed hosts", OK, ", ".join(hosts))


def check_email() -> Finding:
    backend = str(getattr(settings, "EMAIL_BACKEND", ""))
    if any(word in backend for word in ("console", "dummy", "locmem", "filebased")):
        return Finding(
            "e-mail", WARN, f"e-mail is not sent ({backend.rsplit('.', 2)[-2]} backend): "
            "clients get no quotes or invoices by mail",
            "set EMAIL_URL in .env, e.g. smtp+tls://user:password@mail.example.com:587",
        )  # fmt: skip
    host = getattr(settings, "EMAIL_HOST", "")
    return Finding("e-mail", OK, f"sent through {host or backend}")


def check_deploy() -> list[Finding]:
    """Django's own `check --deploy` (and every app's checks)."""
    from django.core import checks

    found = [m for m in checks.run_checks(include_deployment_checks=True) if not m.is_silenced()]
    errors = [m for m in found if m.is_serious()]
    warnings = [m for m in found if not m.is_serious()]
    if not found:
        return [Finding("check --deploy", OK, "no issues")]
    return [
        Finding(
            "check --deploy", FAIL if m in errors else WARN, f"{m.id}: {m.msg}", str(m.hint or "")
        )
        for m in [*errors, *warnings]
    ]


def check_database() -> list[Finding]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from .health import check_database as answering

    result = answering()
    if not result["ok"]:
        return [
            Finding(
                "database",
                FAIL,
                f"not reachable: {result['error']}",
                "check DATABASE_URL and that the database server runs",
            )  # fmt: skip
        ]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    migrated = (
        Finding("migrations", OK, "every migration is applied")
        if not plan
        else Finding(
            "migrations",
            FAIL,
            f"{len(plan)} migrations are not applied "
            f"(first: {plan[0][0].app_label}.{plan[0][0].name})",
            "run: manage.py migrate",
        )  # fmt: skip
    )
    return [Finding("database", OK, f"{connection.vendor} answers"), migrated]


def check_storage() -> Finding:
    from .health import check_storage as writable

    result = writable()
    if not result["ok"]:
        return Finding(
            "storage", FAIL, f"files cannot be written: {result['error']}",
            "check MEDIA_ROOT's owner and permissions (or the S3 bucket and its keys)",
        )  # fmt: skip
    return Finding("storage", OK, f"writable ({result['backend']})")


def check_worker() -> Finding:
    from .health import check_worker as alive

    result = alive()
    if not result["ok"]:
        return Finding(
            "worker", FAIL, result.get("error", "no worker is alive"),
            "start the worker: manage.py qcluster (make run starts it; or its systemd unit)",
        )  # fmt: skip
    return Finding(
        "worker", OK, f"{len(result['alive'])} alive, last beat {result['age_seconds']} s ago"
    )


def check_tesseract() -> Finding:
    program = shutil.which("tesseract")
    fix = "apt-get install tesseract-ocr (and tesseract-ocr-<language>)"
    if not program:
        return Finding("tesseract", FAIL, "Tesseract is not installed: scans are not read", fix)
    try:
        done = subprocess.run(
            [program, "--list-langs"], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Finding("tesseract", FAIL, f"Tesseract does not run: {exc}", fix)
    languages = set(done.stdout.split()) | set(done.stderr.split())
    wanted = [lang for lang in str(settings.INGEST_OCR_LANGUAGE).split("+") if lang]
    missing = [lang for lang in wanted if lang not in languages]
    if missing:
        return Finding(
            "tesseract", WARN, f"Tesseract lacks the language(s) {', '.join(missing)}", fix
        )
    return Finding("tesseract", OK, f"{program}, languages {', '.join(wanted)}")


def _folders() -> dict[str, Path]:
    folders = {"data": Path(settings.DATA_DIR)}
    if settings.STORAGE_BACKEND == "local":
        folders["files (MEDIA_ROOT)"] = Path(settings.MEDIA_ROOT)
    if not settings.BACKUP_STORAGE:
        folders["backups (BACKUP_DIR)"] = Path(settings.BACKUP_DIR)
    return folders


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_disk() -> list[Finding]:
    findings, seen = [], set()
    for label, folder in _folders().items():
        usage = shutil.disk_usage(_existing(folder))
        if (usage.total, usage.free) in seen:
            continue  # the same disk as a folder already reported
        seen.add((usage.total, usage.free))
        free = f"{usage.free / GIB:.1f} GiB free of {usage.total / GIB:.1f} GiB at {folder}"
        fix = "free some space or move the folder to a larger disk (see README, Backups)"
        if usage.free < DISK_FAIL_BYTES:
            findings.append(Finding(f"disk: {label}", FAIL, free, fix))
        elif usage.free < DISK_WARN_BYTES or usage.free < DISK_WARN_FRACTION * usage.total:
            findings.append(Finding(f"disk: {label}", WARN, free, fix))
        else:
            findings.append(Finding(f"disk: {label}", OK, free))
    return findings


def check_backup() -> Finding:
    from .backup.selectors import backup_status

    status = backup_status()
    fix = "run manage.py backup; the worker makes one daily at BACKUP_AT"
    if status["last"] is None:
        return Finding("backup", WARN, "no good backup yet", fix)
    if status["stale"]:
        return Finding(
            "backup", WARN, f"the last good backup is {status['age_hours']} hours old", fix
        )
    return Finding("backup", OK, f"the last good backup is {status['age_hours']} hours old")


def check_backup_tools() -> list[Finding]:
    """On PostgreSQL: pg_dump, pg_restore and psql present, and pg_dump not older than the
    server (an older one refuses to dump it)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []  # SQLite is backed up through Python's own sqlite3
    fix = "apt-get install postgresql-client-<the server's major version> (or newer)"
    missing = [name for name in ("pg_dump", "pg_restore", "psql") if not shutil.which(name)]
    if missing:
        return [Finding("backup tools", FAIL, f"{', '.join(missing)} not installed", fix)]
    done = subprocess.run(
        ["pg_dump", "--version"], capture_output=True, text=True, timeout=20, check=False
    )
    found = re.search(r"(\d+)(?:\.\d+)?", done.stdout)
    client = int(found.group(1)) if found else 0
    connection.ensure_connection()
    server = int(getattr(connection, "pg_version", 0)) // 10000
    if client < server:
        return [
            Finding(
                "backup tools", FAIL, f"pg_dump {client} cannot dump a version {server} server", fix
            )
        ]
    return [Finding("backup tools", OK, f"pg_dump {client} for a version {server} server")]


CHECKS: list[Callable[[], Finding | list[Finding]]] = [
    check_secret_key, check_debug, check_allowed_hosts, check_email, check_deploy,
    check_database, check_storage, check_worker, check_tesseract, check_disk, check_backup,
    check_backup_tools,
]  # fmt: skip


def examine() -> list[Finding]:
    """Every check's findings; a check that raises is a FAIL naming the error."""
    findings: list[Finding] = []
    for check in CHECKS:
        name = check.__name__.removeprefix("check_")
        try:
            result = check()
        except Exception as exc:  # the doctor reports; it does not crash on what it examines
            result = Finding(name, FAIL, f"the check itself failed: {type(exc).__name__}: {exc}")
        findings.extend(result if isinstance(result, list) else [result])
    return findings
