"""The manager's workplace in a real browser (Debian's chromium through Playwright), on the demo
shop: the pages a shop is run from, for every role, at a manager's two screen sizes.

Screenshots land in test-screenshots/ at the repository's root (git-ignored), named
<role>-<width>-<page>.png, for a developer to look at. The checks: a page a role may not open is
refused (never half drawn); no page writes an error to the console or asks another host for
anything; the job list fits the screen with no sideways scroll, its key columns in view and each
job on one line, at both sizes, and so does the stock list (material, thickness, size, on hand,
reorder level, what to order, location); the queue fits too; the drawings' thumbnails on a job's
page and a file's page are loaded pictures whose lines show at the size they are drawn.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from laseros.testing import chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "test-screenshots"
SIZES = {1440: 900, 1024: 768}
ROLES = {"admin": "Admin", "manager": "Manager", "operator": "Operator", "viewer": "Viewer"}
# pages each role may not open (the role matrix: viewers only look)
REFUSED = {"viewer": {"run-form"}, "operator": {"invoices", "invoice", "payment"}}
# the job list's columns a manager reads a job by (the value only for roles that see money)
JOB_COLUMNS = ["code", "client", "material", "qty", "status", "due"]
MONEY_ROLES = {"admin", "manager", "viewer"}
# the stock list's columns a manager runs the rack by (the value only for roles that see money)
STOCK_COLUMNS = ["material", "thickness", "size", "on hand", "reorder", "to order", "location"]

# the width of the page against the window's, and of the job table against its box
FITS = """() => {
  const doc = document.documentElement;
  const table = document.querySelector('#result_list');
  const box = table.closest('.results');
  return {page: doc.scrollWidth, window: doc.clientWidth,
          table: table.getBoundingClientRect().width, box: box.clientWidth};
}"""
# the header cells' names (their text, not a sorted column's sort widgets) and whether each lies
# inside the window, left to right
HEADERS = """() => [...document.querySelectorAll('#result_list thead th')].map(th => {
  const r = th.getBoundingClientRect();
  const name = (th.querySelector('.text') || th).innerText.trim().toLowerCase();
  return {name: name, inside: r.left >= 0 && r.right <= innerWidth};
})"""
# the cells of the job list whose text takes more than one line
WRAPPED = """() => [...document.querySelectorAll('#result_list tbody td, #result_list tbody th')]
  .filter(cell => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
                                                    .map(r => Math.round(r.top)));
    return tops.size > 1;
  }).map(cell => cell.innerText.trim())"""
# each preview picture as drawn: loaded, its natural width, and the darkest grey of its pixels at
# its drawn size (0 black, 255 white; a thumbnail shrunk into a pale square is near 255)
THUMBNAILS = """() => [...document.querySelectorAll('img[alt^="preview of"]')].map(img => {
  let darkest = null;
  if (img.complete && img.naturalWidth) {
    const canvas = document.createElement('canvas');
    canvas.width = img.width; canvas.height = img.height;
    const context = canvas.getContext('2d');
    context.imageSmoothingQuality = 'high';
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    const scale = Math.min(img.width / img.naturalWidth, img.height / img.naturalHeight, 1);
    context.drawImage(img, 0, 0, img.naturalWidth * scale, img.naturalHeight * scale);
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    darkest = 255;
    for (let i = 0; i < data.length; i += 4) {
      darkest = Math.min(darkest, (data[i] * 299 + data[i + 1] * 587 + data[i + 2] * 114) / 1000);
    }
  }
  return {src: img.currentSrc, naturalWidth: img.naturalWidth, darkest};
})"""


def _pages(shop_ids: dict[str, int]) -> dict[str, str]:
    return {
        "dashboard": "/admin/",
        "jobs": "/admin/projects/project/",
        "job": f"/admin/projects/project/{shop_ids['job']}/change/",
        "file": f"/admin/ingest/fileingest/{shop_ids['file']}/change/",
        "queue": "/admin/production/queueitem/",
        "run-form": "/admin/production/laserrun/record/",
        "stock": "/admin/inventory/sheetstock/",
        "invoices": "/admin/finance/invoice/",
        "invoice": f"/admin/finance/invoice/{shop_ids.get('invoice', 0)}/change/",
        "payment": f"/admin/finance/payment/{shop_ids.get('payment', 0)}/change/",
    }


def _shop_ids() -> dict[str, int]:
    """The job a manager would open (one with drawings, runs and history) and a read file."""
    from django.db.models import Count

    from finance.models import Invoice, Payment
    from ingest.models import FileIngest
    from projects.models import Project

    job = (
        Project.objects.annotate(
            n_runs=Count("laser_runs", distinct=True),
            n_files=Count("files", distinct=True),
            n_moves=Count("status_changes", distinct=True),
        )
        .order_by("-n_runs", "-n_files", "-n_moves", "pk")
        .first()
    )
    file = FileIngest.objects.filter(status="processed").order_by("pk").first()
    # the invoice a bookkeeper would open: paid, then credited in part (the most on its page)
    invoices = Invoice.objects.order_by("pk")
    invoice = invoices.filter(credit_notes__isnull=False).first() or invoices.first()
    payment = Payment.objects.order_by("-unallocated", "pk").first()
    return {"job": job.pk, "file": file.pk, "invoice": invoice.pk, "payment": payment.pk}


def _widest_status_first() -> None:
    """The widest status a job's row shows, on the list's first row: on hold from Approved and
    urgent (at 1440 such a row pushed the value column out of view)."""
    from projects.models import Project, ProjectPriority, ProjectStatus

    newest = Project.objects.order_by("-created_at", "-id").values("pk")[:1]
    Project.objects.filter(pk__in=newest).update(
        status=ProjectStatus.ON_HOLD,
        status_before_hold=ProjectStatus.APPROVED,
        priority=ProjectPriority.URGENT,
    )


def _log_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def _watch(context, base: str) -> tuple[list[str], list[str]]:
    """Console errors and page errors; requests to any other host (refused, and recorded)."""
    errors: list[str] = []
    foreign: list[str] = []
    host = urlsplit(base).netloc

    def route(route):
        url = route.request.url
        if urlsplit(url).scheme in {"http", "https"} and urlsplit(url).netloc != host:
            foreign.append(url)
            return route.abort()
        return route.continue_()

    context.route("**/*", route)
    context.on("console", lambda m: m.type == "error" and errors.append(m.text))
    context.on("weberror", lambda e: errors.append(f"page error: {e.error}"))
    return errors, foreign


def _check_fits(page, what: str) -> list[str]:
    fits = page.evaluate(FITS)
    problems = []
    if fits["page"] > fits["window"]:
        problems.append(f"{what}: the page scrolls sideways ({fits})")
    if fits["table"] > fits["box"] + 1:
        problems.append(f"{what}: the table is wider than its box, so it scrolls ({fits})")
    return problems


def _check_thumbnails(page, what: str) -> list[str]:
    thumbnails = page.evaluate(THUMBNAILS)
    if not thumbnails:
        return [f"{what}: no drawing thumbnails"]
    problems = []
    for thumbnail in thumbnails:
        if not thumbnail["naturalWidth"]:
            problems.append(f"{what}: a thumbnail did not load ({thumbnail['src']})")
        elif thumbnail["darkest"] > 128:
            problems.append(f"{what}: a thumbnail looks blank ({thumbnail})")
    return problems


def _check_job_list(page, role: str, width: int) -> list[str]:
    return _check_list(page, role, width, "jobs", JOB_COLUMNS)


def _check_stock_list(page, role: str, width: int) -> list[str]:
    """The stock list fits as the job list does: no sideways scroll, the columns a manager needs
    in view, one line per kind of sheet."""
    return _check_list(page, role, width, "stock", STOCK_COLUMNS)


def _check_list(page, role: str, width: int, name: str, columns: list[str]) -> list[str]:
    problems = _check_fits(page, f"{role}@{width} {name}")
    headers = page.evaluate(HEADERS)
    wanted = columns + (["value"] if role in MONEY_ROLES else [])
    for column in wanted:
        found = [h for h in headers if h["name"].startswith(column)]
        if not found:
            problems.append(f"{role}@{width}: no {column!r} column in {headers}")
        elif not found[0]["inside"]:
            problems.append(f"{role}@{width}: the {column!r} column is outside the window")
    if role not in MONEY_ROLES and any(h["name"].startswith("value") for h in headers):
        problems.append(f"{role}@{width}: a role that sees no money is shown the value")
    wrapped = page.evaluate(WRAPPED)
    if wrapped:
        problems.append(f"{role}@{width}: cells on more than one line: {wrapped}")
    return problems


@pytest.mark.parametrize("username", ROLES)  # one test per role: the workers share them out
def test_the_shop_pages_for_every_role_at_both_sizes(shop, live_server, username):
    # the ORM before the browser: Playwright's event loop forbids it in this thread
    from laseros.site.demo.users import demo_password

    password = demo_password()
    pages = _pages(_shop_ids())
    _widest_status_first()
    SCREENSHOTS.mkdir(exist_ok=True)
    base = live_server.url
    problems: list[str] = []
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        errors, foreign = _watch(context, base)
        page = context.new_page()
        _log_in(page, base, username, password)
        for width, height in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            for name, url in pages.items():
                errors.clear()
                response = page.goto(base + url)
                refused = response.status == 403 or urlsplit(page.url).path != url
                if refused != (name in REFUSED.get(username, ())):
                    problems.append(
                        f"{username}@{width} {name}: {'refused' if refused else 'opened'}"
                        f" ({response.status} at {page.url})"
                    )
                page.screenshot(
                    path=str(SCREENSHOTS / f"{username}-{width}-{name}.png"), full_page=True
                )
                if response.status >= 500:
                    problems.append(f"{username}@{width} {name}: {response.status}")
                if refused:
                    continue
                problems += [f"{username}@{width} {name}: console: {e}" for e in errors]
                if name == "jobs":
                    problems += _check_job_list(page, username, width)
                if name == "stock":
                    problems += _check_stock_list(page, username, width)
                if name in ("queue", "invoices"):
                    problems += _check_fits(page, f"{username}@{width} {name}")
                if name in ("job", "file"):
                    problems += _check_thumbnails(page, f"{username}@{width} {name}")
        problems += [f"{username}: asked another host for {url}" for url in foreign]
        context.close()
    assert not problems, "\n".join(problems)


def test_the_stock_list_fits_a_managers_screen(shop, live_server):
    """The stock list alone (`-k stock`), for a role that sees money and one that does not: at
    1440×900 and at 1024×768 no sideways scroll, material, thickness, size, on hand, reorder
    level, what to order and the location in view, one line per kind of sheet."""
    from laseros.site.demo.users import demo_password

    password = demo_password()
    url = _pages({"job": 0, "file": 0})["stock"]
    SCREENSHOTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with chromium() as browser:
        for username in ("manager", "operator"):
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            errors, foreign = _watch(context, live_server.url)
            page = context.new_page()
            _log_in(page, live_server.url, username, password)
            for width, height in SIZES.items():
                page.set_viewport_size({"width": width, "height": height})
                response = page.goto(live_server.url + url)
                assert response.status == 200, (username, width, response.status)
                page.screenshot(
                    path=str(SCREENSHOTS / f"{username}-{width}-stock.png"), full_page=True
                )
                problems += _check_stock_list(page, username, width)
            problems += [f"{username}: console: {e}" for e in errors]
            problems += [f"{username}: asked another host for {u}" for u in foreign]
            context.close()
    assert not problems, "\n".join(problems)
