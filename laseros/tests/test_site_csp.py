"""The site's Content-Security-Policy: on the admin and the API docs, with no inline script or
<style> those pages would need it to allow (the browser check is in test_site_csp_browser.py)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def _inline(html: str) -> list[str]:
    """<script> elements without src and <style> elements: what the policy would block."""
    scripts = [s for s in re.findall(r"<script\b[^>]*>", html) if " src=" not in s]
    return scripts + re.findall(r"<style\b[^>]*>", html)


@pytest.mark.parametrize(
    "url", ["/admin/login/", "/admin/", "/admin/projects/project/add/", "/api/docs/"]
)
def test_admin_and_api_docs_carry_the_policy_and_need_no_inline_code(client, make_user, url):
    if url != "/admin/login/":
        client.force_login(make_user("boss", role="Admin", superuser=True))
    response = client.get(url)
    assert response.status_code == 200
    directives = _directives(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src-elem"] == ["'self'"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert _inline(response.content.decode()) == []


def test_the_api_docs_script_comes_from_this_site(admin_user_client):
    page = admin_user_client.get("/api/docs/").content.decode()
    [init] = re.findall(r'<script src="(/api/docs/\?[^"]*)"', page)
    script = admin_user_client.get(init.replace("&amp;", "&"))
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
