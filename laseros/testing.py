"""Test helpers every app uses (STYLE.md rule 8: query counts do not grow with rows)."""

from __future__ import annotations

import csv
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(func: Callable[[], object]) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        result = func()
    return len(ctx.captured_queries), result


def grow_to(model, make: Callable[[int], object]) -> Callable[[int], None]:
    """A `grow` for assert_constant_queries: make(i) until `model` holds n rows."""

    def grow(n: int) -> None:
        for i in range(model.objects.count(), n):
            make(i)

    return grow


def assert_constant_queries(
    fetch: Callable[[], object], grow: Callable[[int], None], *, small: int = 5, large: int = 50
) -> tuple[int, int]:
    """`grow(n)` makes the list hold n rows; `fetch()` fetches it (and must succeed).

    Fails when the larger list needs more queries than the smaller one, and when the list did
    not really grow between the two counts (a `grow` that stops at rows made before: the same
    rows counted twice prove nothing).
    """
    grow(small)
    n_small, response = count_queries(fetch)
    rows_small = _check(response)
    grow(large)
    n_large, response = count_queries(fetch)
    rows_large = _check(response)
    assert rows_large > rows_small, (
        f"the list showed {rows_small} rows after grow({small}) and {rows_large} after "
        f"grow({large}): it did not grow, so the two query counts compare nothing"
    )
    assert n_small == n_large, (
        f"{n_small} queries at {rows_small} rows but {n_large} at {rows_large} rows"
    )
    return n_small, n_large


def listed_rows(response) -> int:
    """How many rows a list answered: an admin changelist's result count, or an API list's
    `count` (paginated) or length."""
    context = getattr(response, "context", None)
    if context is not None and "cl" in context:
        return context["cl"].result_count
    data = getattr(response, "data", None)
    if isinstance(data, dict) and "count" in data:
        return data["count"]
    if isinstance(data, list):
        return len(data)
    raise AssertionError(f"cannot tell how many rows {response!r} lists")


def _check(response) -> int:
    status = getattr(response, "status_code", 200)
    assert status == 200, f"the list answered {status}"
    return listed_rows(response)


@contextmanager
def unchanged(*sources, audit: bool = True) -> Iterator[None]:
    """A refused write changes nothing: every row of each model or queryset in `sources` (every
    field) and, unless audit=False, the audit log are the same after the block as before.

        with unchanged(Project, ProjectStatusChange):
            assert viewer.post(url, data).status_code == 403
    """
    from laseros.models import ActivityLog

    querysets = [getattr(source, "objects", source).all() for source in sources]
    if audit:
        querysets.append(ActivityLog.objects.all())
    before = [_rows_of(queryset) for queryset in querysets]
    yield
    problems = []
    for queryset, old in zip(querysets, before, strict=True):
        new = _rows_of(queryset)
        if new != old:
            added = [pk for pk in new if pk not in old]
            removed = [pk for pk in old if pk not in new]
            changed = {
                pk: {k: (v, new[pk][k]) for k, v in row.items() if new[pk][k] != v}
                for pk, row in old.items()
                if pk in new and new[pk] != row
            }
            problems.append(
                f"{queryset.model._meta.label}: added {added}, removed {removed}, changed {changed}"
            )
    assert not problems, "a refused write changed rows:\n  " + "\n  ".join(problems)


def _rows_of(queryset) -> dict:
    return {row["pk"]: row for row in queryset.order_by("pk").values("pk", *_columns(queryset))}


def _columns(queryset) -> list[str]:
    return [field.attname for field in queryset.model._meta.concrete_fields]


def run_import(command: str, path, *args) -> str:
    """Run an import command and return what it printed (the report and its summary).

    An import with failed rows exits with CommandError (exit status 1) after printing its
    report; that is expected here: the report says which rows failed and why.
    """
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    try:
        call_command(command, str(path), *args, stdout=out)
    except CommandError as exc:
        if "row(s) failed" not in str(exc):
            raise
        return out.getvalue()
    return out.getvalue()


def as_xlsx(csv_path: Path, target: Path) -> Path:
    """The rows of a CSV as an Excel workbook, the way a person would save the template."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    with csv_path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    workbook.save(target)
    return target


SQLITE_RACE = "threads against one SQLite file only queue; the real race needs PostgreSQL"


def needs_postgresql(reason: str = SQLITE_RACE):
    """Mark a race test: it runs against PostgreSQL (make test runs the suite on both)."""
    return pytest.mark.skipif(connection.vendor != "postgresql", reason=reason)


def run_at_once(worker: Callable[[int], object], count: int) -> list[Exception]:
    """Call worker(0) .. worker(count - 1) in `count` threads released together (a barrier),
    each on its own database connection (closed after); returns what they raised."""
    barrier = threading.Barrier(count)
    errors: list[Exception] = []

    def run(n: int) -> None:
        try:
            barrier.wait()
            worker(n)
        except Exception as exc:  # surfaced by the caller's assert
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


# --- admin change forms -----------------------------------------------------------------------
# Build an admin change form's POST data from the page itself, inlines included (also those that
# higher apps add), so tests change only what they mean to change.


def _value(bound):
    value = bound.value()
    if value is None:
        return None
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if hasattr(value, "read"):  # files are not sent back
        return None
    return str(value)


def _form_data(form, data):
    for name in form.fields:
        value = _value(form[name])
        if value is not None:
            data[form.add_prefix(name)] = value


def change_form_data(http, url, **overrides):
    response = http.get(url)
    assert response.status_code == 200
    data = {}
    _form_data(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _form_data(formset.management_form, data)
        data[formset.management_form.add_prefix("TOTAL_FORMS")] = str(formset.initial_form_count())
        for form in formset.initial_forms:
            _form_data(form, data)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- a real browser -------------------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def chromium() -> Iterator:
    """Debian's chromium driven by Playwright (never a downloaded browser); the test is skipped
    where chromium or Playwright is missing. Yields the browser; it is closed afterwards."""
    sync_api = pytest.importorskip("playwright.sync_api")
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not shutil.which(path):
        pytest.skip("chromium is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
