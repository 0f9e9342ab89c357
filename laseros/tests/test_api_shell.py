"""The API shell: authentication, role permissions, schema and docs served without internet."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_anonymous_is_refused():
    assert APIClient().get("/api/v1/me/").status_code in (401, 403)


def test_token_authentication(make_user):
    user = make_user("api-bot", role="Viewer")
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    body = client.get("/api/v1/me/").json()
    assert body == {"username": "api-bot", "roles": ["Viewer"], "is_superuser": False}


def test_token_is_issued_for_a_password(make_user):
    make_user("api-user", password="pw-Laser-123")
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "api-user", "password": "pw-Laser-123"}
    )
    assert response.status_code == 200 and len(response.json()["token"]) == 40


def test_schema_and_docs_need_no_internet(admin_user_client):
    schema = admin_user_client.get("/api/schema/")
    assert schema.status_code == 200 and b"Laser OS API" in schema.content
    docs = admin_user_client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()


def test_throttling_and_pagination_are_on(settings):
    conf = settings.REST_FRAMEWORK
    assert "laseros.api.throttling.UserRateThrottle" in conf["DEFAULT_THROTTLE_CLASSES"]
    assert conf["PAGE_SIZE"] == 50
    assert conf["DEFAULT_PERMISSION_CLASSES"] == ["laseros.api.permissions.RoleModelPermissions"]
