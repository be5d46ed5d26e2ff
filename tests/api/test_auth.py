"""Tokens, the current user, session sign-in, and who may do anything at all."""

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.base import API, CONTRACT_FIELDS
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-123"  # what UserFactory gives everyone
LISTS = [f"{API}{endpoint}/" for endpoint in CONTRACT_FIELDS]


def token_for(client, username, password=PASSWORD):
    return client.post(f"{API}auth/token/", {"username": username, "password": password}, format="json")


# The token endpoint -------------------------------------------------------------------------------


def test_it_exchanges_a_username_and_password_for_a_token(anon_api, editor):
    response = token_for(anon_api, "editor")
    assert response.status_code == 200, response.content
    assert response.json() == {"token": Token.objects.get(user=editor).key}
    assert token_for(anon_api, "editor").json() == response.json()


@pytest.mark.parametrize("username, password", [("editor", "wrong-password"), ("nobody-at-all", PASSWORD)])
def test_it_refuses_wrong_credentials_with_401(anon_api, editor, username, password):
    response = token_for(anon_api, username, password)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "token" not in response.json()


def test_it_refuses_a_token_to_a_deactivated_user(anon_api):
    UserFactory(username="gone", is_active=False, role="editor")
    assert token_for(anon_api, "gone").status_code == 401


def test_it_names_the_missing_credentials(anon_api):
    response = anon_api.post(f"{API}auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_it_throttles_guessing_passwords(anon_api, editor):
    # Other names each time: the per-user lockout (tests/hardening/test_throttling.py) stays out of the way.
    answers = [token_for(anon_api, f"someone-{i}", f"guess-{i}").status_code for i in range(21)]
    assert answers[:20] == [401] * 20
    assert answers[20] == 429


# Sending the token --------------------------------------------------------------------------------


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "bearer"])
def test_it_accepts_the_token_with_either_keyword(editor, keyword):
    client = APIClient()
    token = token_for(client, "editor").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {token}")
    response = client.get(f"{API}auth/me/")
    assert response.status_code == 200, response.content
    assert response.json()["username"] == "editor"


@pytest.mark.parametrize(
    "header",
    ["Token", "Token a b", "Token not-a-token", "Bearer \x00", "Token " + "x" * 65, "Token 令牌"],
    ids=["no key", "two keys", "unknown key", "NUL", "too long", "not ASCII"],
)
def test_it_refuses_a_bad_authorization_header_with_401(editor, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.encode().decode("latin-1"))
    response = client.get(f"{API}companies/")
    assert response.status_code == 401, response.content


def test_it_refuses_the_token_of_a_deactivated_user(editor):
    client = client_for(editor)
    editor.is_active = False
    editor.save()
    assert client.get(f"{API}companies/").status_code == 401


# auth/me/ -----------------------------------------------------------------------------------------


def test_it_tells_the_current_user_who_they_are(editor_api, editor):
    body = editor_api.get(f"{API}auth/me/").json()
    assert body["id"] == editor.pk
    assert body["username"] == "editor"
    assert body["groups"] == ["editor"]
    assert body["is_superuser"] is False
    assert CONTRACT_FIELDS["users"] <= set(body)


def test_it_asks_an_anonymous_visitor_to_sign_in(anon_api):
    response = anon_api.get(f"{API}auth/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_it_only_reads_the_current_user(editor_api):
    assert editor_api.patch(f"{API}auth/me/", {"full_name": "x"}).status_code == 405


# Users in no role, anonymous visitors -----------------------------------------------------------------


def test_a_user_in_no_role_may_only_ask_who_they_are(nobody_api):
    assert nobody_api.get(f"{API}auth/me/").json()["groups"] == []
    answers = {url: nobody_api.get(url).status_code for url in LISTS}
    answers[f"{API}companies/ (POST)"] = nobody_api.post(f"{API}companies/", {"name": "x"}).status_code
    assert answers == dict.fromkeys(answers, 403)


def test_it_asks_an_anonymous_visitor_to_sign_in_everywhere(anon_api):
    assert {url: anon_api.get(url).status_code for url in LISTS} == dict.fromkeys(LISTS, 401)


def test_it_answers_an_anonymous_browser_with_401_not_an_error_page(anon_api):
    answers = {url: anon_api.get(url, HTTP_ACCEPT="text/html").status_code for url in LISTS}
    assert answers == dict.fromkeys(LISTS, 401)


# Session sign-in, for the same-origin frontend and the browsable API ----------------------------------


def test_a_signed_in_session_reads_and_needs_csrf_to_write(editor):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor)  # the login form itself is tested in tests/frontend/test_session_auth.py
    assert client.get(f"{API}companies/").status_code == 200
    refused = client.post(f"{API}companies/", {"name": "无CSRF"}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    csrf = "k" * 32  # a CSRF secret, as the cookie of any page of the site would hold it
    client.cookies[settings.CSRF_COOKIE_NAME] = csrf
    created = client.post(f"{API}companies/", {"name": "有CSRF"}, format="json", HTTP_X_CSRFTOKEN=csrf)
    assert created.status_code == 201, created.content


def test_a_session_of_a_user_in_no_role_is_refused(nobody):
    client = APIClient()
    client.force_login(nobody)
    assert client.get(f"{API}companies/").status_code == 403
