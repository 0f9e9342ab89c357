"""The admin and Swagger UI work in a real browser under the site's Content-Security-Policy:
nothing is refused on the way (Debian's chromium through Playwright)."""

from __future__ import annotations

import pytest

from laseros.testing import chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Records every violation the page reports, whatever the console says.
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def browser_page():
    with chromium() as browser:
        page = browser.new_page()
        page.add_init_script(WATCH)
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        page.on("pageerror", lambda error: console.append(f"page error: {error}"))
        page.console_messages = console
        yield page


def _refused(page) -> list[str]:
    found = page.evaluate("window.__cspViolations || []")
    return found + [
        text
        for text in page.console_messages
        if "Content Security Policy" in text or text.startswith("page error")
    ]


@pytest.fixture
def boss(make_user):
    """Made before the browser starts: Playwright's event loop forbids the ORM in this thread."""
    return make_user("boss", role="Admin", superuser=True, password="pw-Laser-123")


def test_admin_and_api_docs_work_under_the_policy(live_server, boss, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/admin/login/")
    assert page.evaluate("document.querySelector('link[rel=stylesheet]').sheet !== null")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "pw-Laser-123")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    assert _refused(page) == []

    # a change form: its scripts run (the date widgets' calendar link appears)
    page.goto(f"{live_server.url}/admin/projects/project/add/")
    page.wait_for_selector(".datetimeshortcuts", timeout=10_000)
    assert _refused(page) == []

    # a list with actions: "select all" ticks every row (the admin's actions.js)
    page.goto(f"{live_server.url}/admin/auth/user/")
    page.check("#action-toggle")
    assert page.is_checked("input.action-select")
    assert _refused(page) == []

    # a page of our own with htmx (the shop's 404 page): htmx loads and adds no <style>
    page.goto(f"{live_server.url}/no-such-page/")
    page.wait_for_function("window.htmx !== undefined")
    assert _refused(page) == []

    # Swagger UI draws the operations from the local schema: those near the screen (Debian's
    # chromium 156 shows it drawing them as they scroll into view), so scroll through and
    # collect the operations it drew
    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".opblock").first.wait_for(timeout=20_000)
    drawn: set[str] = set()
    for _ in range(60):
        drawn |= set(page.eval_on_selector_all(".opblock", "blocks => blocks.map(b => b.id)"))
        if len(drawn) > 40:
            break
        page.mouse.move(600, 400)
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(200)
    assert len(drawn) > 40, sorted(drawn)
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # swagger.css
    assert _refused(page) == []
