"""CORS: browsers on the configured origins may call the API, with credentials and preconditions; no one else."""

import json
import os
import subprocess
import sys

import pytest
from django.test import Client

from tests.conftest import client_for
from tests.factories import CompanyFactory

from .conftest import REPO

ALLOWED = "https://crm-frontend.example.org"
REFUSED = "https://evil.example.com"
WRITE_HEADERS = "authorization, content-type, if-match, x-csrftoken, accept-language"


@pytest.fixture(autouse=True)
def allowed_origins(settings):
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED]


def preflight(origin: str, path: str = "/api/v1/companies/1/", method: str = "PATCH", headers: str = WRITE_HEADERS):
    return Client().options(
        path,
        headers={"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers},
    )


def listed(header_value: str | None) -> set[str]:
    return {item.strip().lower() for item in (header_value or "").split(",") if item.strip()}


def test_a_preflight_from_an_allowed_origin_allows_credentials_and_the_precondition_headers():
    response = preflight(ALLOWED)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert {"if-match", "authorization", "content-type", "x-csrftoken", "accept-language"} <= listed(
        response["Access-Control-Allow-Headers"]
    )
    assert {"get", "post", "put", "patch", "delete"} <= listed(response["Access-Control-Allow-Methods"])


def test_a_preflight_for_a_delete_with_if_match_is_allowed():
    response = preflight(ALLOWED, method="DELETE", headers="authorization, if-match")

    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert "if-match" in listed(response["Access-Control-Allow-Headers"])


def test_a_preflight_from_another_origin_gets_no_cors_headers():
    response = preflight(REFUSED)

    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Credentials" not in response


def test_an_allowed_origin_may_read_the_etag_of_a_detail(editor):
    company = CompanyFactory()
    api = client_for(editor)

    response = api.get(f"/api/v1/companies/{company.pk}/", headers={"Origin": ALLOWED})

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert {"etag", "location", "content-language"} <= listed(response["Access-Control-Expose-Headers"])
    assert response["ETag"] == f'"{company.version}"'
    assert "origin" in listed(response["Vary"])


def test_another_origin_gets_the_answer_but_no_cors_headers_so_its_browser_hides_it(editor):
    company = CompanyFactory()

    response = client_for(editor).get(f"/api/v1/companies/{company.pk}/", headers={"Origin": REFUSED})

    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Expose-Headers" not in response


@pytest.mark.parametrize("path", ["/admin/login/", "/healthz"])
def test_only_the_api_answers_cors(path):
    response = preflight(ALLOWED, path=path, method="POST")

    assert "Access-Control-Allow-Origin" not in response


def test_the_allowed_origins_come_from_the_environment():
    code = "from django.conf import settings; print(__import__('json').dumps(settings.CORS_ALLOWED_ORIGINS))"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "CORS_ALLOWED_ORIGINS": f"{ALLOWED},http://localhost:5173",
        },
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [ALLOWED, "http://localhost:5173"]

    unset = {k: v for k, v in os.environ.items() if k != "CORS_ALLOWED_ORIGINS"}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**unset, "DJANGO_SETTINGS_MODULE": "config.settings"},
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
