"""The PDF work that decodes images, run in a child process with a time and memory limit.

Rendering a page (for the preview and OCR) and finding tables (which renders parts of the page)
make MuPDF decode the page's images. On damaged or hostile files that can take minutes, eat
tens of gigabytes (a damaged JBIG2 scan was seen taking 24 GB) or crash the process outright (a
native double free in the table finder), none of which Python can interrupt or catch. So that
work runs here, in a child the parser kills after a time limit and caps in memory; the parser
keeps whatever the child finished.

Run as a script: `python pdf_isolated.py FILE` with a JSON job on stdin; one JSON object per
line comes back on stdout as each piece of work finishes. It needs only PyMuPDF.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MEMORY_LIMIT_MB = 2048


@dataclass(frozen=True)
class RenderJob:
    """One page to render: `key` names it in the answer; `zoom` x 72 dpi."""

    key: str
    page: int  # 0-based
    zoom: float
    grey: bool = False


@dataclass
class IsolatedResult:
    """What the child finished before it ended (or was stopped)."""

    renders: dict[str, bytes] = field(default_factory=dict)  # key -> PNG bytes
    render_errors: dict[str, str] = field(default_factory=dict)
    tables: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # page -> tables
    table_errors: dict[int, str] = field(default_factory=dict)
    timed_out: bool = False
    failed: str = ""  # why the child ended badly (crash, out of memory), "" when it did not


def run_isolated(
    path: Path,
    *,
    renders: list[RenderJob],
    table_pages: list[int],
    max_tables: int = 20,
    max_rows: int = 200,
    max_cell_chars: int = 200,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_limit_mb: int = DEFAULT_MEMORY_LIMIT_MB,
) -> IsolatedResult:
    """Render pages and find tables of the PDF at `path` in a child process."""
    result = IsolatedResult()
    if not renders and not table_pages:
        return result
    job = {
        "renders": [job.__dict__ for job in renders],
        "table_pages": table_pages,
        "max_tables": max_tables,
        "max_rows": max_rows,
        "max_cell_chars": max_cell_chars,
        "memory_limit_mb": memory_limit_mb,
    }
    command = [sys.executable, str(Path(__file__).resolve()), str(path)]
    try:
        done = subprocess.run(
            command,
            input=json.dumps(job).encode(),
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
        output, returncode, stderr = done.stdout, done.returncode, done.stderr
    except subprocess.TimeoutExpired as exc:
        output, returncode, stderr = exc.stdout or b"", None, b""
        result.timed_out = True
    except OSError as exc:
        result.failed = f"the PDF worker could not start ({exc})"
        return result
    for line in output.splitlines():
        try:
            answer = json.loads(line)
        except ValueError:  # the last line, cut off by the time limit
            continue
        _take(answer, result)
    if returncode not in (0, None):
        result.failed = _why(returncode, stderr)
    return result


def _take(answer: dict[str, Any], result: IsolatedResult) -> None:
    if "render" in answer:
        if "png" in answer:
            result.renders[answer["render"]] = base64.b64decode(answer["png"])
        else:
            result.render_errors[answer["render"]] = str(answer.get("error", "failed"))
    elif "tables" in answer:
        page = int(answer["tables"])
        if "items" in answer:
            result.tables[page] = answer["items"]
        else:
            result.table_errors[page] = str(answer.get("error", "failed"))


def _why(returncode: int, stderr: bytes) -> str:
    if returncode < 0:
        return f"the PDF worker was stopped by signal {-returncode} (a crash in MuPDF)"
    if b"MemoryError" in stderr or b"out of memory" in stderr.lower():
        return "the PDF worker ran out of memory"
    return f"the PDF worker failed (exit status {returncode})"


# --- the child -----------------------------------------------------------------------------


def _limit_memory(megabytes: int) -> None:
    try:
        import resource
    except ImportError:  # not on this platform: only the time limit applies
        return
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


_ANSWERS: Any = None  # the child's real stdout; everything else printed goes to stderr


def _emit(answer: dict[str, Any]) -> None:
    _ANSWERS.write(json.dumps(answer) + "\n")
    _ANSWERS.flush()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def main(argv: list[str]) -> int:
    """The child: read the job from stdin, answer one line per finished piece of work."""
    global _ANSWERS
    job = json.loads(sys.stdin.read())
    _limit_memory(int(job.get("memory_limit_mb") or DEFAULT_MEMORY_LIMIT_MB))
    # Answers keep the real stdout; MuPDF's messages and anything else printed go to stderr.
    _ANSWERS = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)

    doc = pymupdf.open(argv[1], filetype="pdf")
    for render in job["renders"]:
        try:
            page = doc.load_page(render["page"])
            colorspace = pymupdf.csGRAY if render["grey"] else pymupdf.csRGB
            matrix = pymupdf.Matrix(render["zoom"], render["zoom"])
            pixmap = page.get_pixmap(matrix=matrix, colorspace=colorspace, alpha=False)
            png = base64.b64encode(pixmap.tobytes("png")).decode("ascii")
            _emit({"render": render["key"], "png": png})
        except Exception as exc:  # one page's failure must not lose the others
            _emit({"render": render["key"], "error": _one_line(exc)})
    found = 0
    for number in job["table_pages"]:
        if found >= job["max_tables"]:
            break
        try:
            tables = doc.load_page(number).find_tables().tables[: job["max_tables"] - found]
            items = [_table(t, job["max_rows"], job["max_cell_chars"]) for t in tables]
            found += len(items)
            _emit({"tables": number, "items": items})
        except Exception as exc:  # as above
            _emit({"tables": number, "error": _one_line(exc)})
    return 0


def _table(table: Any, max_rows: int, max_cell_chars: int) -> dict[str, Any]:
    rows = table.extract()
    return {
        "bbox": [round(v, 1) for v in table.bbox],
        "row_count": table.row_count,
        "col_count": table.col_count,
        "rows": [
            [None if cell is None else str(cell)[:max_cell_chars] for cell in row]
            for row in rows[:max_rows]
        ],
        "rows_truncated": len(rows) > max_rows,
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv))
