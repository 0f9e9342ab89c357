"""Start-up (issue 8): setting Django up, listing and choosing parsers and reading a DXF load none
of the other readers' libraries (PyMuPDF, openpyxl, Pillow, pytesseract), and `manage.py inspect`
does not import the URLconf; each parser can still load its own libraries before a reading's
memory ceiling. Each case runs in a fresh interpreter: in this one, other tests have loaded
everything. The time and memory figures are printed by bench/startup.py.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "ingest/tests/samples"
SMALL_DXF = SAMPLES / "dxf/ezdxf__AC1003_LINE_Example.dxf"
PDF = SAMPLES / "pdf/pdfminer__pdf-with-jbig2.pdf"
WORKBOOK = SAMPLES / "xlsx/fdlb__test_cutting_list.xlsx"
PHOTO = SAMPLES / "images/pillow__flower.jpg"
# What a DXF never needs. ("fitz" is PyMuPDF's old name.)
READER_LIBRARIES = ("fitz", "pymupdf", "openpyxl", "PIL", "pytesseract")
# Nor these: the other parsers' own modules (choosing a parser imports every parser module, so
# each keeps its heavy parts for when it reads), the safe XML reader LightBurn projects need, and
# numpy.ma (np.median and np.unique import it, about 20 ms, to ask whether an array is masked).
OTHER_READERS_MODULES = (
    "ingest.content.textscan",
    "ingest.content.ocr",
    "ingest.parsers.pdf_isolated",
    "ingest.parsers.lightburn.reader",
    "ingest.parsers.lightburn.geometry",
    "defusedxml",
    "numpy.ma",
)

PRELUDE = f"""
import json, os, sys
sys.path.insert(0, {str(ROOT)!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laseros.settings")
LIBRARIES = {READER_LIBRARIES + ("ezdxf", "numpy")!r}
MODULES = {OTHER_READERS_MODULES!r}
seen = {{}}
modules = {{}}

def snapshot(step):
    seen[step] = sorted(m for m in LIBRARIES if m in sys.modules)
    modules[step] = sorted(m for m in MODULES if m in sys.modules)

"""


def run_fresh(code: str, tmp_path: Path) -> dict:
    """Run `code` after PRELUDE in a new interpreter; returns what it printed last (JSON)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DATA_DIR"] = str(tmp_path / "data")
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_choosing_a_parser_and_reading_a_dxf_load_no_other_reader_library(tmp_path):
    answer = run_fresh(
        f"""
import django
django.setup()
snapshot("django")
from ingest.content import pipeline
from ingest.content.detect import detect_type
from ingest.parsers import registry
from ingest.parsers.base import ParseContext
names = sorted(p.name for p in registry.registered())
chosen = {{
    str(path): registry.parser_for(detect_type(path)).name
    for path in map(__import__("pathlib").Path, {[str(p) for p in (SMALL_DXF, PDF, WORKBOOK, PHOTO)]!r})
}}
snapshot("chosen")
result = pipeline.analyse({str(SMALL_DXF)!r}, ParseContext(make_preview=False))
snapshot("read")
print(json.dumps({{"names": names, "chosen": chosen, "seen": seen, "modules": modules,
                  "cut": result.metadata.get("cut_length_mm")}}))
""",
        tmp_path,
    )
    assert answer["names"] == ["dxf", "excel", "image", "lightburn", "pdf"]
    assert answer["chosen"] == {
        str(SMALL_DXF): "dxf",
        str(PDF): "pdf",
        str(WORKBOOK): "excel",
        str(PHOTO): "image",
    }
    assert answer["seen"]["django"] == []
    assert answer["seen"]["chosen"] == []  # the registry lists and chooses without libraries
    assert answer["cut"] and answer["cut"] > 0  # the DXF really was read...
    assert answer["seen"]["read"] == ["ezdxf", "numpy"]  # ...with its own libraries only
    assert answer["modules"]["chosen"] == []  # the parser modules are light until they read
    assert answer["modules"]["read"] == []  # and the DXF reader needs none of the others' parts


def test_manage_py_inspect_on_a_dxf_loads_no_other_reader_library_nor_the_urls(tmp_path):
    answer = run_fresh(
        f"""
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", "inspect", {str(SMALL_DXF)!r}, "--json"])
snapshot("inspected")
from django.conf import settings
print()
admin_modules = sorted(m for m in sys.modules if m.endswith(".admin") and not m.startswith("django"))
print(json.dumps({{"seen": seen, "modules": modules,
                  "urls_loaded": settings.ROOT_URLCONF in sys.modules,
                  "admin_modules": admin_modules}}))
""",
        tmp_path,
    )
    assert answer["seen"]["inspected"] == ["ezdxf", "numpy"]
    assert answer["modules"]["inspected"] == []  # no other reader's modules, nor numpy.ma
    assert answer["urls_loaded"] is False  # no system checks: they import every view
    assert answer["admin_modules"] == []  # nor every app's admin, with its services and forms


def test_the_admin_is_found_when_served_and_when_checked(tmp_path):
    """The apps' admin modules are not loaded at start-up, but the root URLconf and the system
    checks find them: `manage.py check` still checks every registered ModelAdmin."""
    answer = run_fresh(
        """
import django
django.setup()
from django.contrib import admin
before = len(admin.site._registry)
from django.core.checks import run_checks
run_checks(tags=["admin"])
labels = sorted({model._meta.app_label for model in admin.site._registry})
print(json.dumps({"before": before, "labels": labels}))
""",
        tmp_path,
    )
    assert answer["before"] == 0
    assert {"clients", "projects", "ingest", "inventory", "production", "auth"} <= set(
        answer["labels"]
    )


def test_each_parser_loads_its_own_libraries_before_the_reading(tmp_path):
    """What a caller that limits a reading's memory runs first (ingest.memory)."""
    answer = run_fresh(
        f"""
import django
django.setup()
from ingest.content import pipeline
from ingest.parsers.base import ParseContext
for path in {[str(p) for p in (SMALL_DXF, WORKBOOK, PHOTO, PDF)]!r}:
    pipeline.load_libraries(path, ParseContext())
    snapshot(path)
pipeline.load_libraries({str(tmp_path / "missing.dxf")!r}, ParseContext())  # analyse says why
print(json.dumps({{"seen": seen}}))
""",
        tmp_path,
    )
    seen = answer["seen"]
    assert seen[str(SMALL_DXF)] == ["ezdxf", "numpy"]
    assert "openpyxl" in seen[str(WORKBOOK)]  # (openpyxl itself imports Pillow)
    assert not {"pymupdf", "pytesseract"} & set(seen[str(WORKBOOK)])
    assert {"PIL", "pytesseract"} <= set(seen[str(PHOTO)])
    assert "pymupdf" not in seen[str(PHOTO)]
    assert "pymupdf" in seen[str(PDF)]


def test_the_drawing_is_freed_before_it_is_measured_and_nothing_stays_frozen(monkeypatch):
    """The DXF reader frees the ezdxf document (cycles: only the collector can) before the numpy
    work, collecting only what the reading allocated (the rest is frozen meanwhile, so a small
    drawing does not pay for walking every object Django and ezdxf made): the document is gone
    by then, and no object is left frozen, whether the reading succeeds or fails."""
    from ingest.geometry import analysis
    from ingest.parsers.base import ParseContext, ParseError

    documents = []
    alive_when_measured = []
    load_drawing, analyse_flat = analysis.load_drawing, analysis._analyse_flat

    def load_and_watch(path):
        loaded = load_drawing(path)
        documents.append(weakref.ref(loaded.doc))
        return loaded

    def measure_and_check(*args):
        alive_when_measured.append(documents[-1]() is not None)
        return analyse_flat(*args)

    monkeypatch.setattr(analysis, "load_drawing", load_and_watch)
    monkeypatch.setattr(analysis, "_analyse_flat", measure_and_check)
    result = analysis.analyse_dxf(SMALL_DXF, ParseContext(make_preview=False))
    assert result.metadata["cut_length_mm"] > 0
    assert alive_when_measured == [False]
    assert gc.get_freeze_count() == 0

    def flatten_fails(*args, **kwargs):
        raise ParseError("broken on purpose")

    monkeypatch.setattr(analysis, "flatten_modelspace", flatten_fails)
    with pytest.raises(ParseError, match="broken on purpose"):
        analysis.analyse_dxf(SMALL_DXF, ParseContext(make_preview=False))
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("enabled", [True, False])
def test_loading_a_readers_libraries_leaves_the_collector_as_it_was(enabled):
    """The collector is paused while a reader's libraries are imported (they live as long as the
    process; walking them and everything Django made, again and again, freed nothing): it is
    on again afterwards if it was on, nothing stays frozen, and garbage made before is still
    collected."""
    from ingest.content import pipeline
    from ingest.parsers.base import ParseContext

    class Node:
        pass

    garbage = Node()
    garbage.cycle = garbage  # type: ignore[attr-defined]
    watch = weakref.ref(garbage)
    del garbage
    was_enabled = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        pipeline.load_libraries(SMALL_DXF, ParseContext())
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was_enabled else gc.disable)()
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert watch() is None


def test_when_the_libraries_are_loaded_already_no_object_changes_generation():
    """A worker's next file imports nothing: the collector's generations are left alone."""
    from ingest.content import pipeline
    from ingest.parsers.base import ParseContext

    pipeline.load_libraries(SMALL_DXF, ParseContext())  # loaded now, if no other test did

    class Node:
        pass

    was_enabled = gc.isenabled()
    gc.disable()  # no automatic collection moves it meanwhile
    try:
        young = Node()
        assert any(o is young for o in gc.get_objects(generation=0))
        pipeline.load_libraries(SMALL_DXF, ParseContext())
        assert any(o is young for o in gc.get_objects(generation=0))
    finally:
        if was_enabled:
            gc.enable()
