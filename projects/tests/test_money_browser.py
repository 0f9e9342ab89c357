"""An operator's job page in a real browser (Debian's chromium through Playwright): what to
cut is there, no price, no line total, no quote, invoice or proof of payment."""

from __future__ import annotations

import pytest

from laseros.testing import chromium
from projects.tests.test_money import AMOUNTS, MONEY_DOCUMENTS, MONEY_LABELS

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page():
    with chromium() as browser:
        yield browser.new_page(viewport={"width": 1280, "height": 1600})


def _log_in(page, base, username):
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-Laser-123")
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def test_the_operators_job_page_in_a_browser(live_server, make_user, priced_job, tmp_path, request):
    # made before the browser starts: Playwright's event loop forbids the ORM in this thread
    make_user("operator", role="Operator")
    make_user("manager", role="Manager")
    job_url = f"{live_server.url}/admin/projects/project/{priced_job.pk}/change/"
    page = request.getfixturevalue("browser_page")

    _log_in(page, live_server.url, "operator")
    page.goto(job_url)
    text = page.inner_text("body")
    page.screenshot(path=str(tmp_path / "operator-job.png"), full_page=True)
    assert priced_job.code in text and "bracket.dxf" in text  # the job and its drawing
    assert "What to cut" in text
    assert AMOUNTS.findall(text) == []
    assert [label for label in MONEY_LABELS if label in text.lower()] == []
    assert [name for name in MONEY_DOCUMENTS if name in text] == []

    page.context.clear_cookies()
    _log_in(page, live_server.url, "manager")
    page.goto(job_url)
    text = page.inner_text("body")
    assert AMOUNTS.findall(text) and all(name in text for name in MONEY_DOCUMENTS)
