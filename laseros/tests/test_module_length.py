"""House rule (STYLE.md rule 1): a module past ~600 lines is split (`models.py` becomes `models/`
with re-exports; ingest's names read and names written are two modules). A module past LIMIT
fails here by name; tests and migrations are not counted."""

from __future__ import annotations

from pathlib import Path

from laseros.tests.test_function_length import APPS, ROOT, app_sources

LIMIT = 650  # "~600": room for a docstring's worth, not for a second module


def long_modules(root: Path = ROOT) -> dict[str, int]:
    lengths = {name: len(text.splitlines()) for name, text in app_sources(root)}
    return {name: lines for name, lines in lengths.items() if lines > LIMIT}


def test_no_module_is_longer_than_the_house_allows():
    found = long_modules()
    assert not found, "\n".join(
        f"{name} is {lines} lines (limit ~600): split it by what its parts do"
        for name, lines in sorted(found.items())
    )


def test_the_check_finds_a_long_module(tmp_path):
    app = tmp_path / APPS[0]
    app.mkdir()
    (app / "big.py").write_text("x = 1\n" * (LIMIT + 1), encoding="utf-8")
    (app / "small.py").write_text("x = 1\n", encoding="utf-8")
    assert long_modules(tmp_path) == {f"{APPS[0]}/big.py": LIMIT + 1}
