"""House rule (issue 8): no function over ~60 lines unless it is a plain table — a longer one is
written as named steps. The functions listed in LONGER_TODAY are the ones still to split; the
list may only shrink: a new long function, or a listed one that grew, fails here by name."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("laseros", "clients", "inventory", "projects", "ingest", "comms", "production", "finance")
LIMIT = 60

# path:function -> its length when it was listed. Split them; then take them off the list.
LONGER_TODAY: dict[str, int] = {}


def long_functions(root: Path = ROOT) -> dict[str, int]:
    found = {}
    for app in APPS:
        for path in (root / app).rglob("*.py"):
            parts = set(path.relative_to(root).parts)
            if parts & {"migrations", "tests"}:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = node.end_lineno - node.lineno + 1
                    if length > LIMIT:
                        found[f"{path.relative_to(root)}:{node.name}"] = length
    return found


def test_no_new_function_is_longer_than_the_house_allows():
    problems = []
    for name, length in sorted(long_functions().items()):
        listed = LONGER_TODAY.get(name)
        if listed is None:
            problems.append(f"{name} is {length} lines (limit {LIMIT}): write it as named steps")
        elif length > listed:
            problems.append(f"{name} grew to {length} lines (listed at {listed}): split it")
    assert not problems, "\n".join(problems)


def test_a_split_function_comes_off_the_list():
    found = long_functions()
    done = sorted(name for name in LONGER_TODAY if name not in found)
    assert not done, f"take these off LONGER_TODAY, they are short now: {done}"
