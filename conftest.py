"""Test settings shared by every app's tests."""

import os

import pytest

# Fixtures through which a test reaches the database (pytest-django's, and the live server).
DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "live_server",
}


def uses_database(item) -> bool:
    fixtures = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("django_db") is not None or bool(fixtures & DATABASE_FIXTURES)


def counts_queries(item) -> bool:
    """Whether the test asks if a page's queries grow with its rows (assert_constant_queries):
    the ORM writes the queries, the same ones on either database. (The exact counts of every
    page, laseros/site/tests/test_query_counts.py, are kept per database and run on both.)"""
    function = getattr(item, "function", None)
    code = getattr(function, "__code__", None)
    return code is not None and "assert_constant_queries" in code.co_names


def database_dependent(item) -> bool:
    """Whether a test can answer differently on PostgreSQL than on SQLite: it uses the database,
    and it is not a browser test (a page's layout and its script are the same whichever database
    filled it; the data behind every page is tested on both by the tests that read it), nor one
    of a private server's (Redis, S3: what they keep is the same either way), nor one that counts
    a page's queries as its rows grow. A test marked `postgres` is, whatever else it is (several
    processes on one PostgreSQL, the API fuzzer)."""
    if item.get_closest_marker("postgres") is not None:
        return True
    return (
        uses_database(item)
        and item.get_closest_marker("browser") is None
        and item.get_closest_marker("servers") is None
        and not counts_queries(item)
    )


def pytest_collection_modifyitems(config, items):
    """LASEROS_TESTS_DATABASE_ONLY=1 (the PostgreSQL leg of `make test`, scripts/test-postgres.sh)
    runs only the tests whose answer may depend on the database: a parser, a file check or a
    page seen in a browser reads the same on either, and the SQLite leg has already run them."""
    if os.environ.get("LASEROS_TESTS_DATABASE_ONLY") != "1":
        return
    kept = [item for item in items if database_dependent(item)]
    if len(kept) < len(items):
        kept_ids = {id(item) for item in kept}
        config.hook.pytest_deselected(items=[item for item in items if id(item) not in kept_ids])
        items[:] = kept


@pytest.fixture(autouse=True)
def _laseros_test_settings(request, tmp_path):
    """Files go to a fresh folder per test; background tasks run inline after the commit."""
    if not request.config.pluginmanager.has_plugin("django"):
        yield  # pure tests run with `-p no:django`
        return
    settings = request.getfixturevalue("settings")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS_RUN_INLINE = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # the bell read on every page: a test sees what it just opened (comms/tests/test_bell.py
    # tests the seconds a web process keeps it)
    settings.NOTIFY_BELL_SECONDS = 0
    # DRF's throttles read their rates once, at import, into a class attribute: changing the
    # setting alone does nothing. Counts live in the cache, which outlives a test, and user ids
    # come round again after a rollback, so a long run in one worker used to hit "429 Too Many
    # Requests" in unrelated tests. Every test starts with no counts and generous anon/user rates
    # (the token scope keeps its real rate: its own tests check it).
    from django.core.cache import cache
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch = request.getfixturevalue("monkeypatch")
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "anon": "10000/min", "user": "100000/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True, scope="session")
def _static_files_not_collected(request, tmp_path_factory):
    """Tests see the static files as a clean clone has them: not collected. WhiteNoise lists the
    collected folder (`staticfiles/`, left by `make run`) each time a test client starts, so
    with it every test paid for listing ~500 files (a third of an API test's time), and the
    suite ran slower on a machine that had served the shop than in CI. Pages in a browser get
    their files from the live server, which finds them where the apps keep them."""
    if not request.config.pluginmanager.has_plugin("django"):
        yield
        return
    from django.test import override_settings

    with override_settings(STATIC_ROOT=tmp_path_factory.mktemp("static") / "not-collected"):
        yield


@pytest.fixture(autouse=True, scope="session")
def _admin_modules_found(request):
    """Tests see the admin as a served site does: every app's admin module registered (a command
    finds them only when it needs them, laseros.apps.LaserOSAdminConfig)."""
    if request.config.pluginmanager.has_plugin("django"):
        from django.contrib import admin

        admin.autodiscover()


@pytest.fixture
def make_user(db):
    """make_user("operator", role="Operator") -> a staff user in that role's group."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    def _make(username="user", *, role=None, password="pw-Laser-123", superuser=False, **extra):
        user = get_user_model().objects.create_user(
            username=username, password=password, is_staff=True, is_superuser=superuser, **extra
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        return user

    return _make


@pytest.fixture
def admin_user_client(client, make_user):
    user = make_user("boss", role="Admin", superuser=True)
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def api(make_user):
    """api("Operator") -> a DRF APIClient signed in as a staff user in that role (Admin is also
    a superuser); the user is `client.user`."""
    from rest_framework.test import APIClient

    def _as(role="Admin"):
        user = make_user(f"api-{role.lower()}", role=role, superuser=role == "Admin")
        user.get_all_permissions()  # cached on the user, as on any later request of a session
        client = APIClient()
        client.force_authenticate(user)
        client.user = user
        return client

    return _as


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs the block's on-commit work (events, the inline worker) at its
    end, as a real commit would."""

    def _committed():
        return django_capture_on_commit_callbacks(execute=True)

    return _committed
