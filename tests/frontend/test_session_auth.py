"""auth/csrf/, auth/login/ and auth/logout/: a session for a same-origin page, always behind the CSRF check."""

import json

import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories import UserFactory

PASSWORD = "session-pass-for-tests-2024"


@pytest.fixture
def same_origin(db):
    """A same-origin page's client: CSRF is checked as for a real browser request."""
    cache.clear()  # the login shares the token endpoint's throttle
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def staff(db):
    return UserFactory(username="zhangwei", password=PASSWORD, role="editor")


def csrf_token(client: Client) -> str:
    response = client.get("/api/v1/auth/csrf/")
    assert response.status_code == 200
    return response.json()["csrf_token"]


def login(client: Client, token: str | None, username="zhangwei", password=PASSWORD):
    headers = {"X-CSRFToken": token} if token else {}
    return client.post(
        "/api/v1/auth/login/",
        json.dumps({"username": username, "password": password}),
        content_type="application/json",
        headers=headers,
    )


def test_the_csrf_endpoint_sets_the_cookie_and_returns_the_token(same_origin):
    response = same_origin.get("/api/v1/auth/csrf/")

    assert response.status_code == 200
    assert response.json()["csrf_token"]
    assert response.cookies["csrftoken"].value
    assert "no-cache" in response["Cache-Control"]


def test_it_signs_in_with_the_csrf_token_and_the_session_then_works(same_origin, staff):
    token = csrf_token(same_origin)

    response = login(same_origin, token)

    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == "zhangwei"
    assert body["user"]["groups"] == ["editor"]
    assert body["csrf_token"] and body["csrf_token"] != token  # signing in rotates the token
    assert response.cookies["sessionid"].value
    me = same_origin.get("/api/v1/auth/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "zhangwei"


def test_it_refuses_a_login_without_the_csrf_token(same_origin, staff):
    csrf_token(same_origin)  # the cookie alone is not enough

    response = login(same_origin, None)

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert "sessionid" not in response.cookies


def test_it_refuses_a_login_with_a_wrong_csrf_token(same_origin, staff):
    csrf_token(same_origin)

    response = login(same_origin, "x" * 32)

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_wrong_password_is_a_401_with_the_one_error_shape(same_origin, staff):
    response = login(same_origin, csrf_token(same_origin), password="wrong")

    assert response.status_code == 401
    assert set(response.json()) == {"detail"}
    assert response["WWW-Authenticate"]
    assert "sessionid" not in response.cookies


def test_an_inactive_user_cannot_sign_in(same_origin, staff):
    staff.is_active = False
    staff.save()

    assert login(same_origin, csrf_token(same_origin)).status_code == 401


def test_missing_credentials_are_a_400_naming_the_fields(same_origin):
    response = same_origin.post(
        "/api/v1/auth/login/", "{}", content_type="application/json", headers={"X-CSRFToken": csrf_token(same_origin)}
    )

    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_a_session_write_needs_the_csrf_token(same_origin, staff):
    from tests.factories import CompanyFactory

    company = CompanyFactory()
    token = login(same_origin, csrf_token(same_origin)).json()["csrf_token"]
    url = f"/api/v1/companies/{company.pk}/"
    patch = {"content_type": "application/json", "data": json.dumps({"city": "苏州"})}

    refused = same_origin.patch(url, headers={"If-Match": '"1"'}, **patch)
    accepted = same_origin.patch(url, headers={"If-Match": '"1"', "X-CSRFToken": token}, **patch)

    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert accepted.status_code == 200
    assert accepted["ETag"] == '"2"'


def test_logout_needs_the_csrf_token_and_ends_the_session(same_origin, staff):
    token = login(same_origin, csrf_token(same_origin)).json()["csrf_token"]

    refused = same_origin.post("/api/v1/auth/logout/")
    assert refused.status_code == 403
    assert same_origin.get("/api/v1/auth/me/").status_code == 200

    response = same_origin.post("/api/v1/auth/logout/", headers={"X-CSRFToken": token})
    assert response.status_code == 204
    assert same_origin.get("/api/v1/auth/me/").status_code == 401


def test_logout_without_a_session_is_harmless(same_origin):
    assert same_origin.post("/api/v1/auth/logout/", headers={"X-CSRFToken": csrf_token(same_origin)}).status_code == 204


def test_the_endpoints_are_in_the_schema_with_typed_answers(openapi_json):
    schema = json.loads(openapi_json.read_text())
    paths = schema["paths"]

    def body(path, method, status):
        return paths[path][method]["responses"][status]["content"]["application/json"]["schema"]["$ref"]

    assert body("/api/v1/auth/csrf/", "get", "200") == "#/components/schemas/CsrfToken"
    assert body("/api/v1/auth/login/", "post", "200") == "#/components/schemas/LoginResponse"
    assert body("/api/v1/auth/login/", "post", "400") == "#/components/schemas/ValidationError"
    for status in ("401", "403", "429"):
        assert body("/api/v1/auth/login/", "post", status) == "#/components/schemas/ErrorDetail"
    assert set(paths["/api/v1/auth/logout/"]["post"]["responses"]) == {"204", "403"}
    assert schema["components"]["schemas"]["LoginResponse"]["properties"]["user"] == {"$ref": "#/components/schemas/Me"}


def test_repeated_wrong_passwords_lock_the_session_sign_in_out_like_the_token_one(same_origin, staff, settings):
    token = csrf_token(same_origin)
    statuses = [login(same_origin, token, password="wrong").status_code for _ in range(settings.AXES_FAILURE_LIMIT)]

    locked = login(same_origin, token)  # even the right password, for a while

    assert statuses[0] == 401
    assert locked.status_code == 429
    assert set(locked.json()) >= {"detail"}
    assert "sessionid" not in locked.cookies
