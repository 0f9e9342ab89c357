"""deploy/ holds what a deployment runs: docker-compose.yml (web, worker, PostgreSQL, Redis,
MinIO), the image, systemd units for the web server and the worker, an nginx site. Docker and
nginx are not run here; their files are read and checked against the code: the services are
there, every variable handed to Laser OS is one the settings read, every command is a real one,
and nginx proxies to the socket gunicorn listens on and never serves stored files by their path.
"""

from __future__ import annotations

import configparser
import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
INSTALLED_AT = "/srv/laseros/"  # where the units and the nginx site expect the checkout
# Read by the database and MinIO images, not by Laser OS.
CONTAINER_VARIABLES = {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"} | {
    "MINIO_ROOT_USER",
    "MINIO_ROOT_PASSWORD",
}


def settings_variables() -> set[str]:
    """Every environment variable the settings read (env.str("NAME"...), env.db_url...), in
    laseros/settings.py and the parts it imports (laseros/settings_*.py)."""
    source = "\n".join(path.read_text() for path in sorted((ROOT / "laseros").glob("settings*.py")))
    return set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", source))


def env_file_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.add(line.split("=", 1)[0].strip())
    return names


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def test_the_settings_variables_are_found():
    found = settings_variables()
    assert {"DATABASE_URL", "REDIS_URL", "CACHE_URL", "SECRET_KEY", "LOG_FORMAT"} <= found
    assert {"STORAGE_BACKEND", "AWS_S3_ENDPOINT_URL", "ALLOWED_HOSTS"} <= found


def test_compose_runs_web_and_worker_on_postgresql_redis_and_minio(compose):
    services = compose["services"]
    assert {"web", "worker", "db", "redis", "minio"} <= set(services)
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert services["minio"]["image"].startswith("minio/minio")
    web, worker = services["web"], services["worker"]
    assert "command" not in web  # the image's: gunicorn laseros.wsgi
    assert worker["command"] == ["python", "manage.py", "qcluster"]
    assert worker["stop_signal"] == "SIGINT"  # the cluster stops cleanly on one SIGINT
    for app in (web, worker, services["migrate"]):
        assert app["env_file"] == ".env" and app["build"]["dockerfile"] == "deploy/Dockerfile"
        environment = app["environment"]
        assert "@db:5432/" in environment["DATABASE_URL"]
        assert environment["REDIS_URL"].startswith("redis://redis:6379/")
        assert environment["CACHE_URL"].startswith("redis://redis:6379/")
        assert environment["STORAGE_BACKEND"] == "s3"
        assert environment["AWS_S3_ENDPOINT_URL"] == "http://minio:9000"
        assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_every_variable_handed_to_laser_os_is_one_the_settings_read(compose):
    known = settings_variables()
    for name in ("web", "worker", "migrate"):
        unknown = set(compose["services"][name]["environment"]) - known
        assert not unknown, f"{name}: {unknown}"
    assert "TRUSTED_PROXIES=unix" in (DEPLOY / "env.example").read_text().splitlines()
    unknown = env_file_names(DEPLOY / "env.example") - known - CONTAINER_VARIABLES
    assert not unknown, f"deploy/env.example: {unknown}"
    # the root .env.example lists every variable too (its lines are commented out)
    listed = set(re.findall(r"^# ([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    assert env_file_names(DEPLOY / "env.example") - CONTAINER_VARIABLES <= listed


def test_the_image_installs_the_requirements_and_the_run_packages():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "FROM python:3.11" in dockerfile
    assert "pip install -r requirements.txt" in dockerfile
    joined = dockerfile.replace("\\\n", " ")  # continued lines as one
    command = json.loads(re.search(r"^CMD (\[.*\])$", joined, re.M).group(1))
    assert command[:4] == [
        "gunicorn",
        "laseros.wsgi:application",
        "--config",
        "scripts/gunicorn.conf.py",
    ]
    assert (ROOT / command[3]).is_file()
    script = (ROOT / "scripts" / "system-packages.sh").read_text()
    run_block = script.split("run_pkgs=(", 1)[1].split(")", 1)[0]
    packages = {
        word
        for line in run_block.splitlines()
        for word in line.split("#", 1)[0].split()
        if word != "python3-venv"  # the image's Python has venv
    }
    assert packages and all(package in dockerfile for package in packages), packages
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "data", ".env"} <= set(ignored)  # no local state or secrets in the image


def _unit(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser["Service"]


def _in_checkout(path: str) -> Path:
    assert path.startswith(INSTALLED_AT), path
    return ROOT / path.removeprefix(INSTALLED_AT)


def test_the_units_start_real_commands():
    from django.core.management import get_commands

    web, worker = _unit("laseros-web.service"), _unit("laseros-worker.service")
    for unit in (web, worker):
        assert unit["WorkingDirectory"] == INSTALLED_AT.rstrip("/")
        assert unit["EnvironmentFile"] == INSTALLED_AT + ".env"
    program, *args = shlex.split(web["ExecStart"])
    assert program == INSTALLED_AT + ".venv/bin/gunicorn"
    assert "gunicorn==" in (ROOT / "requirements.txt").read_text()
    assert args[0] == "laseros.wsgi:application" and (ROOT / "laseros" / "wsgi.py").is_file()
    assert _in_checkout(args[args.index("--config") + 1]).is_file()
    assert args[args.index("--bind") + 1] == "unix:/run/laseros/gunicorn.sock"
    assert web["RuntimeDirectory"] == "laseros"  # makes /run/laseros for the socket

    program, manage, command = shlex.split(worker["ExecStart"])
    assert program == INSTALLED_AT + ".venv/bin/python"
    assert _in_checkout(manage).is_file() and command in get_commands()
    assert get_commands()[command] == "laseros"  # Laser OS' own, with the heartbeat
    assert worker["KillSignal"] == "SIGINT"
    _, manage, command, *_ = shlex.split(web["ExecStartPre"])
    assert _in_checkout(manage).is_file() and command == "migrate"


def test_nginx_proxies_to_gunicorns_socket_and_serves_no_stored_file_by_its_path():
    site = (DEPLOY / "nginx" / "laseros.conf").read_text()
    upstream = re.search(r"upstream (\w+) \{\s*server unix:([^ ;]+)", site)
    assert upstream, "no upstream"
    name, socket = upstream.groups()
    web = shlex.split(_unit("laseros-web.service")["ExecStart"])
    assert f"unix:{socket}" == web[web.index("--bind") + 1]
    assert f"proxy_pass http://{name};" in site
    for header in (
        "Host $host",
        "X-Forwarded-Proto $scheme",
        "X-Request-ID $request_id",
        "X-Real-IP $remote_addr",  # the client's address; TRUSTED_PROXIES=unix believes it
    ):
        assert f"proxy_set_header {header};" in site
    locations = dict(re.findall(r"location (\S+) \{(.*?)\n    \}", site, re.S))
    assert set(locations) == {"/static/", "/protected-media/", "/"}  # no /media/ alias
    assert "alias /srv/laseros/staticfiles/;" in locations["/static/"]
    protected = locations["/protected-media/"]
    assert "internal;" in protected and "alias /srv/laseros/data/media/;" in protected
    assert "Content-Security-Policy \"default-src 'none'; sandbox\"" in protected
    limit_mb = int(re.search(r"client_max_body_size (\d+)m;", site).group(1))
    from django.conf import settings

    assert limit_mb >= settings.INGEST_MAX_UPLOAD_MB
