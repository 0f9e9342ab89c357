"""The client's tracking page on a phone (390×844, touch) in a real browser (Debian's chromium
through Playwright): a client opens the link from a message, reads where the job is, opens the
quote, accepts it, sends a photo that is not a proof (refused, said plainly), then the proof of
payment. No sideways scroll, touch targets of 44 px at least, nothing written to the console (a
CSP refusal is one), nothing asked of another host. Screenshots in test-screenshots/
(tracking-<step>-390.png) for a developer to look at."""

from __future__ import annotations

import pytest

from laseros.testing import chromium
from production.tests.floor_browser import FITS, MIN_TARGET, PHONE, SCREENSHOTS, orm, watch

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SMALL_TARGETS = """(least) => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), textarea, summary')]
  .filter(el => el.offsetParent !== null)
  .map(el => ({el, r: el.getBoundingClientRect()}))
  .filter(({r}) => r.width < least || r.height < least)
  .map(({el, r}) => `${el.tagName.toLowerCase()} "${el.innerText.trim().slice(0, 30)}" `
                    + `${Math.round(r.width)}×${Math.round(r.height)}`)"""
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _quoted_job() -> dict:
    """A job in Quoting with a sent quote (R 414 incl. VAT), its history, and a link."""
    from finance.services import quote_create, quote_line_add, quote_send
    from laseros.site.tracking.links import link_path, tracking_link_create
    from projects.tests.factories import ProjectFactory, design_document

    project = ProjectFactory(name="Base plates, 3 mm mild steel")
    project.client.name = "Ubuntu Signs (Pty) Ltd"
    project.client.save()
    design_document(project)
    quote = quote_create(project=project, by=None)
    quote_line_add(quote=quote, by=None, description="Base plate", unit_price="120", quantity=3)
    quote_send(quote=quote, by=None)
    link = tracking_link_create(project=project, by=None)
    return {"pk": project.pk, "code": project.code, "path": link_path(link), "link": link.pk}


def _job(pk: int) -> dict:
    from finance.models import Payment
    from ingest.models import FileIngest
    from projects.models import Project, ProjectStatusChange

    project = Project.objects.get(pk=pk)
    approved = ProjectStatusChange.objects.filter(project=project, to_status="approved").first()
    return {
        "status": project.status,
        "approved_reason": approved.reason if approved else "",
        "payments": list(Payment.objects.filter(project=project).values_list("amount", flat=True)),
        "files": FileIngest.objects.filter(project=project, source="tracking").count(),
    }


def _look(page, name: str, problems: list[str]) -> None:
    fits = page.evaluate(FITS)
    if fits["page"] > fits["window"]:
        problems.append(f"{name}: the page scrolls sideways ({fits})")
    small = page.evaluate(SMALL_TARGETS, MIN_TARGET)
    if small:
        problems.append(f"{name}: targets under {MIN_TARGET} px: {small}")
    page.screenshot(path=str(SCREENSHOTS / f"tracking-{name}-390.png"), full_page=True)


def test_a_client_follows_accepts_and_pays_on_a_phone(live_server):
    job = orm(_quoted_job)
    SCREENSHOTS.mkdir(exist_ok=True)
    base = live_server.url
    problems: list[str] = []
    with chromium() as browser:
        context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
        errors, foreign = watch(context, base)
        page = context.new_page()

        response = page.goto(base + job["path"])
        assert response.status == 200
        assert page.locator(".status-words").inner_text() == (
            "Your quote is ready. Please accept or decline it below."
        )
        assert job["code"] in page.locator(".job-code").inner_text()
        assert "R 414.00" in page.locator(".quote").inner_text()
        _look(page, "status", problems)

        quote_link = page.get_by_role("link", name="Open the quote (PDF)")
        pdf = page.request.get(base + quote_link.get_attribute("href"))  # as the link fetches it
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"

        page.get_by_role("button", name="Accept the quote").tap()
        page.wait_for_load_state()
        assert "you accepted the quote" in page.locator(".notice-done").inner_text()
        assert page.locator(".status-badge").inner_text() == "Approved"
        _look(page, "accepted", problems)

        page.set_input_files(
            "#proof", files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hi" * 40}]
        )
        page.get_by_role("button", name="Send the proof of payment").tap()
        page.wait_for_load_state()
        assert "not a PDF or a photo" in page.locator(".notice-error").inner_text()
        _look(page, "refused", problems)

        page.fill("#amount", "414.00")
        page.set_input_files(
            "#proof",
            files=[{"name": "EFT 0412.pdf", "mimeType": "application/pdf", "buffer": PDF}],
        )
        page.get_by_role("button", name="Send the proof of payment").tap()
        page.wait_for_load_state()
        assert "we have your proof of payment" in page.locator(".notice-done").inner_text()
        assert "Paid in full" in page.locator(".money").inner_text()
        _look(page, "paid", problems)

        gone = page.goto(base + job["path"][:-3] + "xx/")
        assert gone.status == 404
        _look(page, "not-found", problems)
        context.close()

    state = orm(_job, job["pk"])
    assert state["status"] in ("paid", "queued"), state  # production queues a paid job
    assert f"tracking link #{job['link']}" in state["approved_reason"]
    assert "127.0.0.1" in state["approved_reason"]
    assert [str(a) for a in state["payments"]] == ["414.00"]
    assert state["files"] == 1
    # the refused upload answers 400 and the bad link 404, on purpose; nothing else may be said
    expected = {f"the server responded with a status of {code}" for code in (400, 404)}
    unexpected = [e for e in errors if not any(text in e for text in expected)]
    assert not unexpected, unexpected
    assert not foreign, foreign
    assert not problems, problems
