"""Password guessing is bounded twice: a rate per address and a lockout per username and address.

- DRF's ScopedRateThrottle (scope ``token``, TOKEN_THROTTLE_RATE, default 20/min) answers 429
  with Retry-After once an address asks for tokens too often, whatever the usernames.
- django-axes locks a username from an address after AXES_FAILURE_LIMIT (default 5) wrong
  passwords, for AXES_COOLOFF_TIME (1 hour): on the API's token endpoint (429, JSON) and on the
  admin's login page (429, a page) alike; even the right password is refused while locked.
"""

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings as django_settings
from rest_framework.throttling import ScopedRateThrottle

from tests.api.base import API

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def person(db):
    from tests.factories import UserFactory

    user = UserFactory(username="zhang", role="editor")
    user.set_password(PASSWORD)
    user.save()
    return user


def token(client, username, password, **extra):
    return client.post(f"{API}auth/token/", {"username": username, "password": password}, format="json", **extra)


def test_the_lockout_settings_are_as_documented():
    assert django_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert django_settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert django_settings.AXES_FAILURE_LIMIT == 5
    assert django_settings.AXES_COOLOFF_TIME == 1


def test_the_token_endpoint_answers_429_with_retry_after_beyond_its_rate(anon_api, monkeypatch):
    # DRF binds the rates to the throttle class when it is imported, so the settings fixture
    # cannot lower them; the class attribute is what a changed TOKEN_THROTTLE_RATE sets.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"token": "3/min"})
    answers = [token(anon_api, f"user{i}", "guess") for i in range(4)]  # other usernames: no lockout
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert int(answers[-1]["Retry-After"]) > 0
    assert answers[-1]["Content-Type"].startswith("application/json")
    assert "detail" in answers[-1].json()


def test_a_forged_forwarded_for_header_does_not_escape_the_throttle(anon_api, monkeypatch):
    # With no proxy configured, X-Forwarded-For is the client's own words: it must not pick the bucket.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"token": "2/min"})
    answers = [token(anon_api, f"user{i}", "guess", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}") for i in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 429]


def test_behind_one_proxy_the_address_it_saw_is_counted(anon_api, monkeypatch, settings):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"token": "1/min"})
    settings.REST_FRAMEWORK = {**django_settings.REST_FRAMEWORK, "NUM_PROXIES": 1}  # DRF reloads on the change
    assert token(anon_api, "a", "guess", HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 401
    assert token(anon_api, "b", "guess", HTTP_X_FORWARDED_FOR="203.0.113.2").status_code == 401
    assert token(anon_api, "c", "guess", HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.1").status_code == 429


def test_the_throttle_counts_per_address(anon_api, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"token": "2/min"})
    for i in range(2):
        token(anon_api, f"user{i}", "guess", REMOTE_ADDR="10.0.0.1")
    assert token(anon_api, "user9", "guess", REMOTE_ADDR="10.0.0.1").status_code == 429
    assert token(anon_api, "user9", "guess", REMOTE_ADDR="10.0.0.2").status_code == 401


def test_wrong_passwords_lock_the_username_out_of_the_api(anon_api, person):
    answers = [token(anon_api, "zhang", f"guess-{i}").status_code for i in range(6)]
    assert answers == [401, 401, 401, 401, 429, 429]
    locked = token(anon_api, "zhang", PASSWORD)
    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("application/json")
    assert locked.json()["code"] == "locked_out"
    assert "Too many failed sign-ins" in locked.json()["detail"]
    assert int(locked["Retry-After"]) == 3600
    assert "token" not in locked.json()


def test_a_lockout_answers_no_cors_grant_even_to_an_ajax_request(anon_api, person, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://crm.example.gov.cn"]
    for i in range(5):
        token(anon_api, "zhang", f"guess-{i}")
    locked = token(
        anon_api, "zhang", PASSWORD, HTTP_X_REQUESTED_WITH="XMLHttpRequest", HTTP_ORIGIN="https://evil.example.com"
    )
    assert locked.status_code == 429
    assert "Access-Control-Allow-Origin" not in locked


def test_a_lockout_keeps_other_users_and_other_addresses_signing_in(anon_api, person):
    from tests.factories import UserFactory

    other = UserFactory(username="li", role="viewer")
    other.set_password(PASSWORD)
    other.save()
    for i in range(5):
        token(anon_api, "zhang", f"guess-{i}")
    assert token(anon_api, "li", PASSWORD).status_code == 200
    assert token(anon_api, "zhang", PASSWORD, REMOTE_ADDR="10.1.2.3").status_code == 200


def test_a_lifted_lockout_lets_the_right_password_in_again(anon_api, person):
    for i in range(5):
        token(anon_api, "zhang", f"guess-{i}")
    assert AccessAttempt.objects.filter(username="zhang").exists()
    reset(username="zhang")  # what `manage.py axes_reset_username zhang` does
    assert token(anon_api, "zhang", PASSWORD).status_code == 200


def test_a_successful_sign_in_resets_the_count_of_failures(anon_api, person):
    for i in range(4):
        token(anon_api, "zhang", f"guess-{i}")
    assert token(anon_api, "zhang", PASSWORD).status_code == 200
    assert token(anon_api, "zhang", "guess-again").status_code == 401


def test_wrong_passwords_lock_the_username_out_of_the_admin(client, person):
    person.is_staff = True
    person.save()
    answers = [client.post("/admin/login/", {"username": "zhang", "password": f"g{i}"}).status_code for i in range(5)]
    assert answers == [200, 200, 200, 200, 429]  # 200: the login form again, with its error
    locked = client.post("/admin/login/", {"username": "zhang", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still signed out


def test_the_admin_and_the_api_share_one_count_of_failures(client, anon_api, person):
    for i in range(3):
        client.post("/admin/login/", {"username": "zhang", "password": f"g{i}"})
    assert [token(anon_api, "zhang", f"x{i}").status_code for i in range(2)] == [401, 429]
