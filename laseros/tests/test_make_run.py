"""`make run` (scripts/serve.sh): DEBUG off, a secret key made once and kept in data/, static files
through WhiteNoise, and still a working login over plain http on 127.0.0.1."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from laseros.secret_key import read_or_create_secret_key
from laseros.testing import run_at_once

ROOT = Path(__file__).resolve().parents[2]

SHOW = (
    "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) "
    "for k in ('DEBUG', 'SECRET_KEY', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
    "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'ALLOWED_HOSTS', 'MIDDLEWARE', 'STORAGES')}, "
    "default=str))"
)
# Variables a developer's shell may hold that would change what `make run` decides.
CLEARED = (
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "SITE_HTTPS",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "ALLOWED_HOSTS",
)


def _serve(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    full_env.update(DATA_DIR=str(data_dir), **env)
    return subprocess.run(
        ["scripts/serve.sh", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _settings_of_make_run(data_dir: Path, **env: str) -> dict:
    result = _serve(data_dir, "manage", "shell", "-c", SHOW, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_make_run_has_debug_off_and_a_secret_key_kept_in_data(tmp_path):
    values = _settings_of_make_run(tmp_path)
    assert values["DEBUG"] is False
    key_file = tmp_path / "secret-key"
    key = key_file.read_text().strip()
    assert values["SECRET_KEY"] == key and len(key) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600  # readable by its owner only
    # the second start reads the same key (sessions survive a restart)
    assert _settings_of_make_run(tmp_path)["SECRET_KEY"] == key
    # static files: WhiteNoise, hashed and compressed
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in values["MIDDLEWARE"]
    assert "CompressedManifest" in values["STORAGES"]["staticfiles"]["BACKEND"]


def test_make_dev_and_a_bare_manage_py_share_make_runs_key(tmp_path):
    # django-q2 signs queued tasks with the key: a worker drops a task signed with another, so
    # the seeding in `make run`'s set-up or a `manage.py ingest` must use the worker's key
    run_key = _settings_of_make_run(tmp_path)["SECRET_KEY"]
    full_env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    bare = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SHOW],
        cwd=ROOT,
        env={**full_env, "DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bare.returncode == 0, bare.stderr
    values = json.loads(bare.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is True and values["SECRET_KEY"] == run_key


def test_make_run_serves_plain_http_on_the_laptop_so_logging_in_works(tmp_path):
    values = _settings_of_make_run(tmp_path)
    assert values["SESSION_COOKIE_SECURE"] is False and values["CSRF_COOKIE_SECURE"] is False
    assert values["SECURE_SSL_REDIRECT"] is False and values["SECURE_HSTS_SECONDS"] == 0
    assert {"127.0.0.1", "localhost"} <= set(values["ALLOWED_HOSTS"])
    # behind a proxy that ends TLS, one variable makes it https-only again
    https = _settings_of_make_run(tmp_path, SITE_HTTPS="1")
    assert https["SESSION_COOKIE_SECURE"] is True and https["CSRF_COOKIE_SECURE"] is True
    assert https["SECURE_SSL_REDIRECT"] is True and https["SECURE_HSTS_SECONDS"] > 0


def test_the_secret_key_from_the_environment_wins_and_no_file_is_made(tmp_path):
    values = _settings_of_make_run(
        tmp_path, SECRET_KEY="k" * 20 + "-from-the-environment-5e4d3c2b1a"
    )
    assert values["SECRET_KEY"].endswith("-from-the-environment-5e4d3c2b1a")
    assert not (tmp_path / "secret-key").exists()


def test_a_key_file_holding_the_development_key_is_refused(tmp_path):
    (tmp_path / "secret-key").write_text("dev-insecure-laseros-change-me\n")
    result = _serve(tmp_path, "manage", "check")
    assert result.returncode != 0
    assert "secret key" in result.stderr.lower()


def test_processes_starting_together_get_one_key(tmp_path):
    path = tmp_path / "data" / "secret-key"
    keys = []
    errors = run_at_once(lambda n: keys.append(read_or_create_secret_key(path)), 8)
    assert errors == [] and len(keys) == 8
    assert set(keys) == {path.read_text().strip()}
    assert [p.name for p in path.parent.iterdir()] == ["secret-key"]  # no drafts left behind


@pytest.mark.parametrize("content", ["", "short\n"])
def test_an_empty_or_short_key_file_is_refused_with_what_to_do(tmp_path, content):
    from django.core.exceptions import ImproperlyConfigured

    path = tmp_path / "secret-key"
    path.write_text(content)
    with pytest.raises(ImproperlyConfigured, match="Delete the file"):
        read_or_create_secret_key(path)


def test_static_files_are_collected_again_only_when_one_changed(settings, tmp_path, monkeypatch):
    from django.core.management import call_command

    from laseros.management.commands import collectstatic_when_changed as command

    source = tmp_path / "static"
    source.mkdir()
    (source / "shop.css").write_text("body { color: black }")
    settings.STATICFILES_DIRS = [source]
    settings.STATIC_ROOT = tmp_path / "collected"
    runs = []
    real = command.call_command
    monkeypatch.setattr(command, "call_command", lambda *a, **k: runs.append(a) or real(*a, **k))

    call_command("collectstatic_when_changed")
    call_command("collectstatic_when_changed")  # nothing changed: skipped
    assert len(runs) == 1 and (tmp_path / "collected/shop.css").exists()
    (source / "shop.css").write_text("body { color: red }")
    later = (source / "shop.css").stat().st_mtime + 5  # collectstatic compares whole seconds
    os.utime(source / "shop.css", (later, later))
    call_command("collectstatic_when_changed")
    assert len(runs) == 2
    assert (tmp_path / "collected/shop.css").read_text() == "body { color: red }"
    (tmp_path / "collected/shop.css").unlink()  # the collected files were removed
    (tmp_path / "collected" / command.STAMP_NAME).unlink()
    call_command("collectstatic_when_changed")
    assert len(runs) == 3 and (tmp_path / "collected/shop.css").exists()
    settings.WHITENOISE_SKIP_COMPRESS_EXTENSIONS = ["css"]  # a setting that changes the output
    call_command("collectstatic_when_changed")
    assert len(runs) == 4


def test_without_a_writable_data_dir_debug_falls_back_and_production_refuses(tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    path = blocker / "data" / "secret-key"
    assert read_or_create_secret_key(path, fallback="the-development-key") == "the-development-key"
    with pytest.raises(ImproperlyConfigured, match="Make DATA_DIR writable"):
        read_or_create_secret_key(path)


def test_the_data_folder_with_the_key_is_never_committed():
    import shutil

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(
        ["git", "check-ignore", "data/secret-key", "data/demo-login.txt"],
        cwd=ROOT,
        capture_output=True,
    )
    assert ignored.returncode == 0 and len(ignored.stdout.split()) == 2  # both ignored
