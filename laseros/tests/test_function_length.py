"""House rule (issue 8): no function over ~60 lines unless it is a plain table — a longer one is
written as named steps (paperless-ngx's consumer is the model). A function past LIMIT fails here
by name; tests and migrations are not counted. (The 18 that were longer when the rule came were
split; none is excused.)"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("laseros", "clients", "inventory", "projects", "ingest", "comms", "production", "finance")
LIMIT = 60


def app_sources(root: Path = ROOT) -> Iterator[tuple[str, str]]:
    """(path from the root, text) of every app module the house rules measure: not tests, not
    migrations."""
    for app in APPS:
        for path in (root / app).rglob("*.py"):
            name = path.relative_to(root)
            if not {"migrations", "tests"} & set(name.parts):
                yield str(name), path.read_text(encoding="utf-8")


def long_functions(root: Path = ROOT) -> dict[str, int]:
    found = {}
    for name, text in app_sources(root):
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > LIMIT:
                    found[f"{name}:{node.name}"] = length
    return found


def test_no_function_is_longer_than_the_house_allows():
    found = long_functions()
    assert not found, "\n".join(
        f"{name} is {length} lines (limit {LIMIT}): write it as named steps"
        for name, length in sorted(found.items())
    )


def test_the_check_finds_a_long_function(tmp_path):
    app = tmp_path / APPS[0]
    (app / "tests").mkdir(parents=True)
    body = "".join(f"    x{n} = {n}\n" for n in range(LIMIT))
    (app / "steps.py").write_text(f"def short():\n    return 1\n\n\ndef long():\n{body}", "utf-8")
    (app / "tests" / "test_long.py").write_text(f"def test_long():\n{body}", "utf-8")
    assert long_functions(tmp_path) == {f"{APPS[0]}/steps.py:long": LIMIT + 1}
