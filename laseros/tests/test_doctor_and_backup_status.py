"""What tells the shop its backups and its deployment are in order (issue 15, part 4): /healthz
reports the last backup's age and the queue's backlog, the admin index warns after 26 hours
without a good backup, and `manage.py doctor` says what to fix, exiting 1 on a failure."""

from __future__ import annotations

import datetime as dt
import io
import secrets
import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import OrmQ, Schedule

from laseros import workers
from laseros.backup.schedule import first_run
from laseros.models import BackupRun

pytestmark = pytest.mark.django_db


def _backup(hours_ago: float, status: str = BackupRun.Status.OK, **fields) -> BackupRun:
    at = timezone.now() - dt.timedelta(hours=hours_ago)
    return BackupRun.objects.create(
        started_at=at - dt.timedelta(minutes=1), finished_at=at, status=status, **fields
    )


# --- /healthz -------------------------------------------------------------------------------------


def test_healthz_reports_the_last_good_backup_and_the_queue(client):
    workers.register(name="cluster-a", label="alpha")
    _backup(2)
    _backup(1, status=BackupRun.Status.FAILED, error="disk full")
    broker = get_broker()
    now = timezone.now()
    for minutes in (10, 3, 0):
        OrmQ.objects.create(
            key=broker.list_key, payload="task", lock=now - dt.timedelta(minutes=minutes)
        )
    OrmQ.objects.create(key=broker.list_key, payload="taken", lock=now + dt.timedelta(minutes=5))

    response = client.get("/healthz")
    assert response.status_code == 200
    checks = response.json()["checks"]
    backup = checks["backup"]
    assert backup["ok"] and not backup["stale"] and "warning" not in backup
    assert 2 * 3600 <= backup["age_seconds"] < 3 * 3600
    assert backup["last_failed_at"]
    queue = checks["queue"]
    assert queue["backlog"] == 3  # the one a worker holds is not waiting
    assert 600 <= queue["oldest_waiting_seconds"] < 700


def test_healthz_warns_without_a_recent_backup_but_stays_up(client):
    workers.register(name="cluster-a", label="alpha")
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert (
        body["checks"]["backup"]["stale"]
        and "no good backup yet" in body["checks"]["backup"]["warning"]
    )
    assert body["checks"]["queue"] == {
        "ok": True, "backlog": 0, "oldest_waiting_at": None, "oldest_waiting_seconds": None,
    }  # fmt: skip
    _backup(27)
    backup = client.get("/healthz").json()["checks"]["backup"]
    assert backup["stale"] and "26 hours" in backup["warning"]


# --- the admin index and the schedule -------------------------------------------------------------


def test_the_admin_index_shows_the_last_good_backup_and_warns_after_26_hours(admin_user_client):
    page = admin_user_client.get(reverse("admin:index")).content.decode()
    assert 'class="laseros-backup warn"' in page and "No good backup yet." in page
    _backup(30)
    page = admin_user_client.get(reverse("admin:index")).content.decode()
    assert 'class="laseros-backup warn"' in page and "No backup in the last 26 hours" in page
    _backup(3)
    page = admin_user_client.get(reverse("admin:index")).content.decode()
    assert 'class="laseros-backup"' in page and "Last good backup:" in page
    assert "No backup in the last" not in page


def test_an_operator_does_not_see_the_backup_line(client, make_user):
    client.force_login(make_user("op", role="Operator"))
    assert "laseros-backup" not in client.get(reverse("admin:index")).content.decode()


def test_the_daily_backup_is_scheduled_by_migrate(settings):
    from laseros.tasks import declare_schedules

    declare_schedules()  # what migrate's post_migrate runs
    schedule = Schedule.objects.get(name="laseros.backup")
    assert schedule.func == "laseros.backup.tasks.daily_backup"
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1
    settings.TIME_ZONE = "UTC"
    at = dt.datetime(2026, 12, 5, 15, 0, tzinfo=dt.UTC)
    assert first_run("02:15", at) == dt.datetime(2026, 12, 6, 2, 15, tzinfo=dt.UTC)
    assert first_run("23:30", at) == dt.datetime(2026, 12, 5, 23, 30, tzinfo=dt.UTC)


# --- manage.py doctor -----------------------------------------------------------------------------


def _doctor() -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command("doctor", stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


@pytest.mark.skipif(not shutil.which("tesseract"), reason="Tesseract is not installed here")
def test_doctor_passes_a_good_deployment(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["shop.example.com"]
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "mail.example.com"
    settings.SECURE_SSL_REDIRECT = settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    workers.register(name="cluster-a", label="alpha")
    _backup(1)
    output, failed = _doctor()
    assert failed is None, output
    assert "FAIL" not in output
    for check in ("secret key", "debug", "database", "migrations", "storage", "worker",
                  "tesseract", "backup"):  # fmt: skip
        assert any(
            line.startswith("OK") and f" {check} " in line for line in output.splitlines()
        ), (check, output)


def test_doctor_fails_a_bad_deployment_and_says_what_to_fix(settings):
    settings.DEBUG = True
    settings.ALLOWED_HOSTS = []
    settings.SECRET_KEY = "django-insecure-abc"
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    output, failed = _doctor()
    assert failed is not None and "failed" in str(failed)
    lines = output.splitlines()

    def finding(check: str) -> str:
        return next(line for line in lines if f" {check} " in line)

    assert finding("secret key").startswith("FAIL")
    assert finding("debug").startswith("FAIL") and "fix: set DEBUG=0 in .env" in output
    assert finding("allowed hosts").startswith("FAIL")
    assert finding("e-mail").startswith("WARN") and "EMAIL_URL" in output
    assert finding("worker").startswith("FAIL") and "manage.py qcluster" in output
    assert finding("backup").startswith("WARN")
    assert any(line.startswith("WARN  check --deploy  security.W") for line in lines), output


def test_doctor_checks_pg_dump_against_the_server_on_postgresql():
    from django.db import connection

    output, _failed = _doctor()
    tools = [line for line in output.splitlines() if " backup tools " in line]
    if connection.vendor != "postgresql":
        assert tools == []  # SQLite is copied by Python's sqlite3
        return
    server = connection.pg_version // 10000
    assert tools and tools[0].startswith("OK") and f"version {server} server" in tools[0], output
