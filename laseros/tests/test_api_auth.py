"""Who the API says it cannot place: a token client with a bad or missing token is told to
authenticate (401 with `WWW-Authenticate: Token`, RFC 9110), not that it may not (403); a browser
session still works, and still needs its CSRF token to write."""

import pytest
from django.test import Client as BrowserClient
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("header", ["Token 0000000000000000000000000000000000000000", None])
def test_a_bad_or_missing_token_answers_401_with_the_scheme(header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    for url in ("/api/v1/me/", "/api/v1/projects/", "/api/v1/files/"):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == "Token", url


def test_a_good_token_still_reads(make_user):
    token = Token.objects.create(user=make_user("bot", role="Viewer"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/projects/").status_code == 200


def test_a_browser_session_still_reads_and_needs_csrf_to_write(make_user):
    browser = BrowserClient(enforce_csrf_checks=True)
    browser.force_login(make_user("manager", role="Manager"))
    assert browser.get("/api/v1/me/").json()["username"] == "manager"
    refused = browser.post("/api/v1/clients/", {"name": "No CSRF"}, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
