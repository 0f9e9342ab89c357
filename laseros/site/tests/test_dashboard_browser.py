"""The dashboard, the calendar and search in a real browser (Debian's chromium through
Playwright) on the demo shop, at a manager's 1440×900: screenshots in test-screenshots/
(<role>-1440-site-<page>.png) for a developer to look at; no console error, nothing asked of another
host, no sideways scroll, and the dashboard's charts drawn (SVG with bars)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from laseros.testing import chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "test-screenshots"

LAYOUT = """() => ({
  page: document.documentElement.scrollWidth,
  window: document.documentElement.clientWidth,
  charts: [...document.querySelectorAll('.panel svg')].map(svg => ({
    title: svg.getAttribute('aria-label'),
    width: svg.getBoundingClientRect().width,
    bars: svg.querySelectorAll('rect').length,
  })),
})"""


def _log_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def test_the_managers_pages_at_1440(shop, live_server):
    from laseros.site.demo.users import demo_password
    from projects.models import Project

    password = demo_password()
    client_name = Project.objects.select_related("client").first().client.name.split()[0]
    pages = {
        "dashboard": "/dashboard/",
        "calendar": "/calendar/",
        "search": f"/search/?q={client_name}",
    }
    SCREENSHOTS.mkdir(exist_ok=True)
    base = live_server.url
    host = urlsplit(base).netloc
    problems: list[str] = []
    with chromium() as browser:
        for username in ("manager", "operator"):
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            errors: list[str] = []
            foreign: list[str] = []

            def route(route, foreign=foreign):
                url = route.request.url
                if urlsplit(url).scheme in {"http", "https"} and urlsplit(url).netloc != host:
                    foreign.append(url)
                    return route.abort()
                return route.continue_()

            context.route("**/*", route)
            context.on("console", lambda m, e=errors: m.type == "error" and e.append(m.text))
            context.on("weberror", lambda err, e=errors: e.append(f"page error: {err.error}"))
            page = context.new_page()
            _log_in(page, base, username, password)
            for name, url in pages.items():
                response = page.goto(base + url)
                page.screenshot(
                    path=str(SCREENSHOTS / f"{username}-1440-site-{name}.png"), full_page=True
                )
                if response.status != 200:
                    problems.append(f"{username} {name}: {response.status}")
                    continue
                layout = page.evaluate(LAYOUT)
                if layout["page"] > layout["window"]:
                    problems.append(f"{username} {name}: scrolls sideways ({layout})")
                if name == "dashboard":
                    if len(layout["charts"]) < 3:
                        problems.append(f"{username}: too few charts {layout['charts']}")
                    for chart in layout["charts"]:
                        if chart["width"] < 300 or not chart["bars"]:
                            problems.append(f"{username}: a chart is not drawn: {chart}")
                    money = page.locator(".kpi-value.money").count()
                    if (money > 0) != (username == "manager"):
                        problems.append(f"{username}: money KPIs shown: {money}")
            problems += [f"{username}: console: {e}" for e in errors]
            problems += [f"{username}: asked another host for {u}" for u in foreign]
            context.close()
    assert not problems, "\n".join(problems)
