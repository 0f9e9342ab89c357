"""The shop's icon: a browser asks every page for /favicon.ico, and the admin links it."""

import pytest

pytestmark = pytest.mark.django_db


def test_favicon_is_answered_without_a_login(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    assert "max-age" in response["Cache-Control"]


def test_admin_pages_link_the_icon(client, admin_client):
    assert (
        '<link rel="icon" href="/static/favicon.ico"'
        in client.get("/admin/login/").content.decode()
    )
    for url in ("/admin/", "/admin/projects/project/", "/admin/projects/project/add/"):
        html = admin_client.get(url).content.decode()
        assert '<link rel="icon" href="/static/favicon.ico"' in html, url
