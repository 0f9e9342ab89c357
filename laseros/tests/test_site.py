"""The admin shell, base template, settings and demo data a new user meets first."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import RequestFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_admin_is_branded_and_grouped(admin_user_client):
    page = admin_user_client.get("/admin/")
    html = page.content.decode()
    assert page.status_code == 200 and "Laser OS" in html
    # the core app comes before auth and the task queue
    assert html.index("Activity log") < html.index("Groups") < html.index("Scheduled tasks")


@pytest.mark.django_db
def test_base_template_sends_csrf_with_htmx(make_user):
    request = RequestFactory().get("/")
    request.user = make_user("u")
    html = render_to_string("base.html", request=request)
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert "vendor/htmx/htmx.min.js" in html and "unpkg" not in html
    assert (ROOT / "static/vendor/htmx/htmx.min.js").stat().st_size > 10_000


def test_south_african_defaults():
    assert settings.TIME_ZONE == "Africa/Johannesburg" and settings.USE_TZ
    assert str(settings.VAT_RATE) == "0.15" and settings.SHOP_CURRENCY == "ZAR"
    assert settings.SHOP_WORKING_HOURS[4] == ("07:00", "14:30")
    assert 5 not in settings.SHOP_WORKING_HOURS


def _manage(*args, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG")}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_the_development_secret_key():
    result = _manage("check", DEBUG="0", SECRET_KEY="dev-insecure-laseros-change-me")
    assert result.returncode != 0
    assert "refuses to start" in result.stderr


def test_deploy_check_is_clean_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="x" * 20 + "a-real-production-secret-9f8e7d6c5b4a3",
        ALLOWED_HOSTS="laseros.example.co.za",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_env_example_lists_every_variable_the_settings_read():
    import re

    # laseros/settings.py and the parts it imports (settings_api.py, settings_webhooks.py)
    source = "\n".join(path.read_text() for path in sorted((ROOT / "laseros").glob("settings*.py")))
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_0-9]+)"', source))
    read |= set(re.findall(r'env\.get_value\(\s*"([A-Z_0-9]+)"', source))
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z_0-9]+)=", example, re.M))
    assert read - listed == set(), "add these to .env.example"


@pytest.mark.django_db
def test_seed_demo_makes_a_login_per_role_and_is_idempotent(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    call_command("seed_demo", "--size", "3")
    call_command("seed_demo", "--size", "3", "--if-empty")
    call_command("seed_demo", "--size", "3")
    for name, role in [
        ("admin", "Admin"),
        ("manager", "Manager"),
        ("operator", "Operator"),
        ("viewer", "Viewer"),
    ]:
        user = User.objects.get(username=name)
        assert list(user.groups.values_list("name", flat=True)) == [role]
    password = (tmp_path / "demo-login.txt").read_text().split("password:")[1].strip()
    assert User.objects.get(username="manager").check_password(password)
