"""The whole API under a fuzzer (issue 9): schemathesis sends every operation of /api/schema/
generated requests, valid and invalid, as an admin with a token, against a small seeded demo
shop. No request may end in a server error, and every answer must be what the schema says.

Sizing: the coverage phase sends each operation its boundary values (the longest strings, the
largest numbers, NUL characters, ...) of valid requests; the fuzzing phase MAX_EXAMPLES random
ones, valid and invalid. derandomize=True makes every run send the same requests, so a failure
in CI fails again on a laptop. Timing figures go to stdout (pytest -s), never into assertions.

It runs on the PostgreSQL leg of `make test`, the stricter of the two databases: every request
that ends in a server error on SQLite fails there too (a number past its column, a decimal past
its digits, an invalid pattern), and PostgreSQL also refuses what SQLite lets through (text
longer than its column, a NUL character, a number past a 4-byte integer). On both legs it cost
the SQLite leg a fifth of its time.
"""

from __future__ import annotations

import io
import time
import zlib

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from laseros.testing import needs_postgresql

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    needs_postgresql("the fuzzer runs on the PostgreSQL leg, the stricter database"),
]

MAX_EXAMPLES = 8  # random requests per operation, on top of its boundary values

FUZZ_CONFIG = schemathesis.Config.from_dict(
    {
        "phases": {
            "coverage": {
                # Boundary values of valid requests: the invalid ones are the fuzzing phase's
                # (all of both took five minutes of CPU for ~90 operations).
                "generation": {"mode": "positive"},
                # Methods an operation does not have are Django's and DRF's 405, not ours.
                "unexpected-methods": [],
            }
        }
    }
)


class CountingApp:
    """The Django WSGI app, counting the requests the fuzzer makes."""

    def __init__(self, app):
        self.app = app
        self.requests = 0

    def __call__(self, environ, start_response):
        self.requests += 1
        return self.app(environ, start_response)


@pytest.fixture
def fuzz_app(db, settings, tmp_path):
    from django.core.wsgi import get_wsgi_application

    from laseros import settings as declared  # every throttle scope, as the project has them

    settings.DATA_DIR = tmp_path  # the demo password file goes here
    # At the default throttle a fuzzer gets 429 on most operations.
    rates = declared.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(rates, "1000000/min"),
    }
    started = time.monotonic()
    call_command("seed_demo", "--size", "8", stdout=io.StringIO())
    print(f"\nseeded the demo shop in {time.monotonic() - started:.1f} s")
    # Requests run inside the test's transaction, as with Django's test client: the handler
    # must not close the connection (in a transaction it looks unusable) around each request.
    # (SQLite's in-memory test database ignores a close; PostgreSQL's connection would go.)
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    app = CountingApp(get_wsgi_application())
    started = time.monotonic()
    yield app
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)
    print(f"fuzzed: {app.requests} requests in {time.monotonic() - started:.1f} s")


@pytest.fixture
def admin_token(fuzz_app):
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=get_user_model().objects.get(username="admin"))
    return token.key


@pytest.fixture
def api_schema(fuzz_app, request):
    # schemathesis 4.32 names each operation's subtest through `Node._nodeid`, which pytest 9.2
    # no longer has (it keeps `_id`): give it the attribute it reads and writes back.
    request.node._nodeid = request.node.nodeid
    loaded = schemathesis.openapi.from_wsgi("/api/schema/", fuzz_app, config=FUZZ_CONFIG)
    print(f"{len(list(loaded.get_all_operations()))} operations")
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")

# The operations are shared out among SHARDS tests by their path (a stable hash, so every run
# gives each test the same operations, and together they test every one): pytest-xdist can then
# spread the fuzzer over its workers instead of running it as one long test on one of them.
SHARDS = 4


def _in_shard(number: int):
    def matches(ctx) -> bool:
        return zlib.crc32(ctx.operation.path.encode()) % SHARDS == number

    return matches


def _fuzz_test(number: int):
    @schema.include(_in_shard(number)).parametrize()
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,  # a request's time depends on the machine's load
        derandomize=True,
        database=None,  # no .hypothesis/ folder: the same requests every run anyway
        # the seeded shop makes some operations slow to generate for and to answer
        suppress_health_check=list(HealthCheck),
    )
    def test(case, admin_token):
        case.call_and_validate(
            headers={"Authorization": f"Token {admin_token}"},
            checks=[not_a_server_error, response_schema_conformance],
        )

    test.__name__ = f"test_no_server_errors_and_answers_match_the_schema_{number + 1}_of_{SHARDS}"
    return test


for _number in range(SHARDS):
    _test = _fuzz_test(_number)
    globals()[_test.__name__] = _test
del _number, _test


def test_the_shards_share_out_every_operation():
    """Each operation falls in exactly one shard, so the shards together fuzz the whole API."""
    from drf_spectacular.generators import SchemaGenerator

    paths = set(SchemaGenerator().get_schema(request=None, public=True)["paths"])
    counts = [sum(_in_shard(n)(_Ctx(path)) for n in range(SHARDS)) for path in paths]
    assert paths and set(counts) == {1}
    # no shard is left empty (it would test nothing and hide a mistake in the hash)
    assert all(any(_in_shard(n)(_Ctx(path)) for path in paths) for n in range(SHARDS))


class _Ctx:
    def __init__(self, path: str):
        self.operation = type("Operation", (), {"path": path})()
