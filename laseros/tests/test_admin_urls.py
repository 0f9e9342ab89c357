"""Every admin URL that carries an id answers a non-numeric or unknown one with "not found"
(or the admin's own "does not exist" redirect), never a server error."""

import re

import pytest
from django.contrib import admin
from django.urls import URLPattern

pytestmark = pytest.mark.django_db

BAD_IDS = ("not-a-number", "%27%3B--", "9" * 25)


def _urls_with_ids() -> list[tuple[str, str, bool]]:
    """(URL with every path argument replaced by {id}, its route, whether the app wrote it)."""
    urls = []
    for model, model_admin in admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        default = {str(p.pattern) for p in admin.ModelAdmin(model, admin.site).get_urls()}
        for pattern in model_admin.get_urls():
            route = str(pattern.pattern)
            if isinstance(pattern, URLPattern) and "<" in route:
                url = base + re.sub(r"<[^>]+>", "{id}", route)
                urls.append((url, route, route not in default))
    return urls


def test_the_app_has_admin_urls_with_ids_of_its_own():
    own = [url for url, _, is_own in _urls_with_ids() if is_own]
    assert any("/transition/" in url for url in own) and any("/quote-sent/" in url for url in own)


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_a_bad_id_in_any_admin_url_is_not_found_not_a_crash(admin_user_client, bad_id):
    for url, route, is_own in _urls_with_ids():
        for method in ("get", "post"):
            response = getattr(admin_user_client, method)(url.format(id=bad_id))
            status = response.status_code
            if is_own and "<int:" not in route:
                assert status == 404, (method, url, bad_id, status)
            else:
                # the admin's own pages redirect to its index with "does not exist" (or refuse),
                # and its <path:object_id>/ takes what an <int:...> route of ours refuses
                assert status < 500, (method, url, bad_id, status)


@pytest.mark.parametrize(
    "url",
    ["/admin/projects/project/{id}/transition/quoted/", "/admin/projects/project/{id}/quote-sent/"],
)
def test_a_non_numeric_project_id_in_the_transition_urls_is_a_404(admin_user_client, url):
    assert admin_user_client.get(url.format(id="abc")).status_code == 404
    assert admin_user_client.post(url.format(id="abc")).status_code == 404
