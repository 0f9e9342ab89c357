"""The PostgreSQL leg of `make test` (LASEROS_TESTS_DATABASE_ONLY=1) runs the tests whose answer
can depend on the database, and leaves the others to the SQLite leg (the root conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

import conftest as root
from laseros.testing import assert_constant_queries


def _a_list_page_test():
    assert_constant_queries(lambda: None, lambda rows: None)  # never called


@dataclass(eq=False)
class Item:
    name: str
    fixturenames: tuple[str, ...] = ()
    markers: tuple[str, ...] = ()
    function: object = None

    def get_closest_marker(self, name):
        return name if name in self.markers else None


@dataclass
class Config:
    deselected: list = field(default_factory=list)

    @property
    def hook(self):
        return self

    def pytest_deselected(self, items):
        self.deselected.extend(items)


ITEMS = [
    Item("a parser", ()),
    Item("a service", ("db",)),
    Item("a model", (), ("django_db",)),
    Item("a page in a browser", ("live_server", "page"), ("browser",)),
    Item("a race", ("transactional_db",), ("postgres",)),
    Item("a file on S3", ("db",), ("servers",)),
    Item("two workers on one PostgreSQL", ("transactional_db",), ("servers", "postgres")),
    Item("a list's queries as its rows grow", ("db",), (), _a_list_page_test),
]


@pytest.mark.parametrize(
    ("database_only", "kept"),
    [
        ("1", ["a service", "a model", "a race", "two workers on one PostgreSQL"]),
        (
            "",
            [
                "a parser",
                "a service",
                "a model",
                "a page in a browser",
                "a race",
                "a file on S3",
                "two workers on one PostgreSQL",
                "a list's queries as its rows grow",
            ],
        ),
    ],
)
def test_the_postgresql_leg_runs_the_database_tests_but_not_browser_parser_or_count_ones(
    monkeypatch, database_only, kept
):
    monkeypatch.setenv("LASEROS_TESTS_DATABASE_ONLY", database_only)
    items, config = list(ITEMS), Config()

    root.pytest_collection_modifyitems(config, items)

    assert [item.name for item in items] == kept
    assert [item.name for item in config.deselected] == [
        item.name for item in ITEMS if item.name not in kept
    ]
