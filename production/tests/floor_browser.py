"""What the floor's browser tests share: the tablet and phone sizes, running ORM work off
Playwright's thread, watching the console, looking at a page at both sizes, and a finger's drag."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

SCREENSHOTS = Path(settings.BASE_DIR) / "test-screenshots"
TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}
PASSWORD = "pw-Floor-2026"
MIN_TARGET = 44

# the page's width against the window's
FITS = "() => ({page: document.documentElement.scrollWidth, window: innerWidth})"


def orm(function, *args):
    """Run ORM work off Playwright's thread (its event loop forbids it in this one)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


def queue_order(machine: str = "X3") -> list[str]:
    """The job codes of the machine's active queue, in order."""
    from production.models import QueueItem

    rows = QueueItem.objects.filter(machine__code=machine, status__in=["queued", "cutting"])
    return list(rows.order_by("position").values_list("project__code", flat=True))


def watch(context, base: str) -> tuple[list[str], list[str]]:
    """Console errors and page errors (a CSP refusal is one); requests to other hosts."""
    errors: list[str] = []
    foreign: list[str] = []
    host = urlsplit(base).netloc

    def route(route):
        url = route.request.url
        if urlsplit(url).scheme in {"http", "https"} and urlsplit(url).netloc != host:
            foreign.append(url)
            return route.abort()
        return route.continue_()

    def console(message) -> None:
        if message.type == "error":
            errors.append(message.text)

    context.route("**/*", route)
    context.on("console", console)
    context.on("weberror", lambda e: errors.append(f"page error: {e.error}"))
    return errors, foreign


def look(page, name: str, problems: list[str], *, small_targets: str, prefix: str) -> None:
    """At both sizes: no sideways scroll, no target the `small_targets` script finds under
    MIN_TARGET px; a screenshot of each, `<prefix><name>-<width>.png`."""
    for size in (TABLET, PHONE):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)
        fits = page.evaluate(FITS)
        if fits["page"] > fits["window"]:
            problems.append(f"{name}@{size['width']}: the page scrolls sideways ({fits})")
        small = page.evaluate(small_targets, MIN_TARGET)
        if small:
            problems.append(f"{name}@{size['width']}: targets under {MIN_TARGET} px: {small}")
        page.screenshot(
            path=str(SCREENSHOTS / f"{prefix}{name}-{size['width']}.png"), full_page=True
        )
    page.set_viewport_size(TABLET)


def drag(page, source_code: str, target_code: str) -> None:
    """Drag `source_code`'s row by its handle onto `target_code`'s row, as a finger would."""
    handle = page.locator(".queue-row", has_text=source_code).locator(".queue-row__handle")
    target = page.locator(".queue-row", has_text=target_code)
    start = handle.bounding_box()
    end = target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    steps = 12
    y_to = end["y"] + 4
    for step in range(1, steps + 1):
        y = start["y"] + (y_to - start["y"]) * step / steps
        page.mouse.move(start["x"] + start["width"] / 2, y)
        page.wait_for_timeout(30)
    page.wait_for_timeout(200)
    page.mouse.up()
