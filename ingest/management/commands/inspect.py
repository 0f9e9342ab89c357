"""manage.py inspect FILE [--json] [--preview OUT.png]: read a file and print what it measures,
storing nothing.

It runs exactly what the worker runs (ingest.content.pipeline.analyse with the settings' context, under
the same INGEST_MEMORY_LIMIT_MB ceiling). With --json it prints one JSON object
(ingest.content.pipeline.result_as_json) and nothing else on stdout. A file that cannot be read gives exit
status 1 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import logging
import os
import sys
import warnings
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ingest.content.context import build_parse_context
from ingest.memory import memory_ceiling, out_of_memory_reason, ran_out_of_memory
from ingest.parsers.base import ParseError


class Command(BaseCommand):
    help = "Read a drawing (DXF, LightBurn, PDF, Excel, image) and print what it measures."
    # It stores nothing and serves no page: the system checks (which import every URLconf and
    # view, DRF and drf-spectacular included) would double its start-up. `manage.py check` runs
    # them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="The file to read (its folders are read as hints too).")
        parser.add_argument(
            "--json", action="store_true", help="Print one JSON object instead of a table."
        )
        parser.add_argument("--preview", metavar="OUT.png", help="Also write the preview here.")

    def handle(self, *args, **options):
        from ingest.content.pipeline import analyse, load_libraries, result_as_json

        name = options["file"]
        path = Path(name)
        if not path.exists():
            raise CommandError(f"{name}: no such file")
        if path.is_dir():
            raise CommandError(f"{name}: is a folder, not a file")
        if not os.access(path, os.R_OK):
            raise CommandError(f"{name}: cannot be read (permission denied)")
        context = build_parse_context(
            original_name=str(path), make_preview=bool(options["preview"])
        )
        verbose = options["verbosity"] >= 2
        limit_mb = int(settings.INGEST_MEMORY_LIMIT_MB)
        # A one-shot command: at its exit Python would walk every object Django, ezdxf and numpy
        # made in a last collection (about 0.3 s CPU of a small drawing's 1.5 s). Frozen, they are
        # left to the process's end. The atexit calls registered before (temporary files'
        # clean-up) still run after this one; only a reference cycle's __del__ at exit does not.
        atexit.register(gc.freeze)
        load_libraries(path, context)  # the reader's libraries are imported before the ceiling
        try:
            with _quiet(verbose), memory_ceiling(limit_mb):
                result = analyse(path, context)
        except Exception as exc:
            if ran_out_of_memory(exc):
                raise CommandError(f"{name}: {out_of_memory_reason(limit_mb)}") from None
            if isinstance(exc, ParseError):
                raise CommandError(_one_line(f"{name}: {exc}")) from None
            # anything else still ends as one line
            raise CommandError(
                _one_line(f"{name}: could not be read: {type(exc).__name__}: {exc}")
            ) from None
        if options["preview"]:
            self._write_preview(result.preview_png, options["preview"])
        output = result_as_json(result)
        if options["json"]:
            self.stdout.write(json.dumps(output, ensure_ascii=False, allow_nan=False))
            return
        self.stdout.write(_table(name, output))

    def _write_preview(self, png: bytes | None, target: str) -> None:
        if not png:
            self.stderr.write("no preview for this file")
            return
        Path(target).write_bytes(png)
        self.stderr.write(f"preview written to {target}")


@contextlib.contextmanager
def _quiet(verbose: bool):
    """Parsers' log lines, warnings and stray prints stay off stdout (and off stderr unless -v2)."""
    if verbose:
        with contextlib.redirect_stdout(sys.stderr):
            yield
        return
    logging.disable(logging.CRITICAL)
    try:
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(sys.stderr),
        ):
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(logging.NOTSET)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _num(value, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{float(value):,.{digits}f}".replace(",", " ") + (f" {unit}" if unit else "")


def _table(name: str, data: dict) -> str:
    from ingest.geometry.outlines import cutouts_text

    bbox = data.get("bbox_mm")
    holes = data.get("holes") or []
    counts = data.get("entity_counts") or {}
    hole_text = "—"
    if holes:
        sizes: dict[str, int] = {}
        for hole in holes:
            key = _num(hole.get("diameter_mm"), "", 2)
            sizes[key] = sizes.get(key, 0) + 1
        hole_text = f"{len(holes)}: " + ", ".join(f"{n}× Ø{d}" for d, n in sorted(sizes.items()))
    rows = [
        ("file", name),
        (
            "type",
            " ".join(
                filter(
                    None, [data.get("type"), f"({data['detail']})" if data.get("detail") else ""]
                )
            ),
        ),
        ("parser", " ".join(filter(None, [data.get("parser"), data.get("parser_version")])) or "—"),
        ("units", data.get("units") or "—"),
        ("size", f"{_num(bbox[0])} × {_num(bbox[1], 'mm')}" if bbox else "—"),
        ("cut length", _num(data.get("cut_length_mm"), "mm")),
        ("pierces", data.get("pierce_count") if data.get("pierce_count") is not None else "—"),
        ("parts", data.get("part_count") if data.get("part_count") is not None else "—"),
        ("area", _num(data.get("area_mm2"), "mm²", 0)),
        ("holes", hole_text),
        ("cut-outs", cutouts_text(data.get("cutouts") or [], most=12) or "—"),
        (
            "contours",
            f"{data.get('closed_contours') or 0} closed, {data.get('open_contours') or 0} open"
            if data.get("closed_contours") is not None
            else "—",
        ),
        ("entities", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "—"),
        ("layers", ", ".join(str(layer) for layer in data.get("layers") or []) or "—"),
        ("material", data.get("material") or "—"),
        (
            "thickness",
            _num(data.get("thickness_mm"), "mm", 2).replace(".00 ", " ")
            if data.get("thickness_mm") is not None
            else "—",
        ),
        ("quantity", data.get("quantity") if data.get("quantity") is not None else "—"),
    ]
    width = max(len(label) for label, _ in rows)
    lines = [f"{label.ljust(width)}  {value}" for label, value in rows]
    found = data.get("warnings") or []
    lines.append(f"{'warnings'.ljust(width)}  {len(found) or 'none'}")
    lines.extend(f"  - {w.get('code')}: {w.get('message')}" for w in found)
    return "\n".join(lines)
