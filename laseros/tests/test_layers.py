"""The layers of ARCHITECTURE.md, kept true: an app imports only apps on a lower line.

    6  laseros.site (the top wiring: root urls, the API's url list, the demo shop)
    5  finance
    4  production
    3  ingest, comms
    2  projects
    1  clients, inventory
    0  laseros (the core: settings, roles, audit, sequences, registries, test helpers)

A lower app that must react to a higher one listens to a signal the lower one sends. Apps on one
line do not import each other either. Tests follow the same rule (an app's tests import their own
app, lower ones and laseros.testing); the top wiring's tests see everything. Every import
counts, also one inside a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LAYERS: dict[str, int] = {
    "laseros": 0,
    "clients": 1,
    "inventory": 1,
    "projects": 2,
    "ingest": 3,
    "comms": 3,
    "production": 4,
    "finance": 5,
    "laseros.site": 6,
}
SKIP_DIRS = {"migrations", "samples", "__pycache__"}


def component(module: str) -> str | None:
    """The layered component a dotted module name belongs to (None: not ours)."""
    parts = module.split(".")
    if parts[:2] == ["laseros", "site"]:
        return "laseros.site"
    return parts[0] if parts[0] in LAYERS else None


def imported_modules(path: Path, module: str) -> list[tuple[int, str]]:
    """(line, dotted name) of every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            # `from laseros import site` names a component in the imported names
            for alias in node.names:
                if component(f"{name}.{alias.name}") != component(name):
                    found.append((node.lineno, f"{name}.{alias.name}"))
    return found


def layer_violations(root: Path = ROOT) -> list[str]:
    problems = []
    for top in sorted({name.split(".")[0] for name in LAYERS}):
        for path in sorted((root / top).rglob("*.py")):
            if SKIP_DIRS & set(path.relative_to(root).parts):
                continue
            module = ".".join(path.relative_to(root).with_suffix("").parts)
            source = component(module)
            for line, name in imported_modules(path, module):
                target = component(name)
                if target is None or target == source:
                    continue
                if name.startswith("laseros.testing"):
                    continue  # the shared test helpers: core, importable by every test
                if LAYERS[target] >= LAYERS[source]:
                    where = path.relative_to(root)
                    problems.append(
                        f"{where}:{line} imports {name}: {source} (layer {LAYERS[source]}) may "
                        f"not import {target} (layer {LAYERS[target]}); send a signal instead"
                    )
    return sorted(set(problems))


def test_no_app_imports_an_app_on_its_own_line_or_above():
    problems = layer_violations()
    assert not problems, "\n".join(problems)


def test_the_check_finds_an_import_upward_and_across(tmp_path):
    for top in ("laseros", "clients", "inventory", "projects"):
        (tmp_path / top).mkdir()
        (tmp_path / top / "__init__.py").write_text("")
    (tmp_path / "laseros" / "site").mkdir()
    (tmp_path / "laseros" / "site" / "urls.py").write_text("import projects.api\n")
    (tmp_path / "laseros" / "roles.py").write_text("from .site import urls\n")
    (tmp_path / "clients" / "services.py").write_text(
        "def f():\n    from projects.models import Project\n    from inventory import models\n"
    )
    (tmp_path / "projects" / "models.py").write_text("from clients.models import Client\n")
    problems = layer_violations(tmp_path)
    assert len(problems) == 3, problems
    assert problems[0].startswith(
        "clients/services.py:2 imports projects.models: clients (layer 1)"
    )
    assert problems[1].startswith("clients/services.py:3 imports inventory: clients (layer 1)")
    assert problems[2].startswith("laseros/roles.py:1 imports laseros.site: laseros (layer 0)")
