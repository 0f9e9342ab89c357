"""Error pages with DEBUG off: the shop's own 403/404/500 pages, no URL patterns, traceback,
settings or server paths; JSON under /api/."""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import Client
from django.urls import path

from laseros.site import urls as site_urls


def _explode(request):
    raise RuntimeError(f"boom: {settings.MEDIA_ROOT} / SECRET_KEY={settings.SECRET_KEY}")


def _refuse(request):
    raise PermissionDenied("Only a manager may re-open a paid job.")


# This module is the URLconf of the tests below: the site's URLs and error handlers, plus views
# that fail.
urlpatterns = [
    path("test-explode/", _explode),
    path("api/v1/test-explode/", _explode),
    path("test-refuse/", _refuse),
    *site_urls.urlpatterns,
]
handler403 = getattr(site_urls, "handler403", "django.views.defaults.permission_denied")
handler404 = getattr(site_urls, "handler404", "django.views.defaults.page_not_found")
handler500 = getattr(site_urls, "handler500", "django.views.defaults.server_error")

pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]

LEAKS = ("Traceback", "URLconf", "healthz", "api/schema", "SECRET_KEY", "RuntimeError", "boom")


@pytest.fixture
def browser(settings):
    settings.DEBUG = False
    return Client(raise_request_exception=False)


def _assert_tells_nothing(html: str) -> None:
    for leak in (*LEAKS, str(settings.MEDIA_ROOT), str(settings.BASE_DIR)):
        assert leak not in html, leak


def test_a_missing_page_is_the_shops_404_without_the_url_patterns(browser):
    response = browser.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html and "Laser OS" in html and "/no-such-page/" in html
    assert "css/laseros.css" in html  # the shop's look
    _assert_tells_nothing(html)


def test_a_crash_is_the_shops_500_without_traceback_settings_or_paths(browser):
    response = browser.get("/test-explode/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Server error" in html and "Laser OS" in html and "css/laseros.css" in html
    _assert_tells_nothing(html)


def test_a_refusal_is_the_shops_403_with_its_reason(browser, make_user):
    browser.force_login(make_user("op", role="Operator"))
    response = browser.get("/test-refuse/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "Not allowed" in html and "Only a manager may re-open a paid job." in html
    assert "logged in as <strong>op</strong>" in html and "css/laseros.css" in html


def test_the_500_page_is_drawn_without_a_request_or_the_database():
    # no request (so no context processors) and no database: they may be what failed
    with pytest.MonkeyPatch.context() as patch:
        from django.db.backends.base.base import BaseDatabaseWrapper

        def no_database(*args, **kwargs):
            raise AssertionError("the 500 page touched the database")

        patch.setattr(BaseDatabaseWrapper, "cursor", no_database)
        html = render_to_string("500.html")
    assert "Server error" in html and "Laser OS" in html


def test_a_broken_500_page_still_answers_500(browser, monkeypatch):
    from django.views import defaults

    def broken(request, template_name="500.html"):
        raise ValueError("Missing staticfiles manifest entry for 'css/laseros.css'")

    monkeypatch.setattr(defaults, "server_error", broken)
    response = browser.get("/test-explode/")
    assert response.status_code == 500 and b"Server error" in response.content
    _assert_tells_nothing(response.content.decode())


def test_api_errors_stay_json(browser):
    missing = browser.get("/api/v1/nonexistent/")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    assert missing.json() == {"detail": "Not found."}
    crash = browser.get("/api/v1/test-explode/")
    assert crash.status_code == 500 and crash["Content-Type"] == "application/json"
    assert "detail" in crash.json()
    _assert_tells_nothing(crash.content.decode())
