"""The OWASP API Security Top 10 (2023), checked where this API can get it wrong.

- API1 broken object-level authorization: records a user may not see answer 404 (confidential
  projects, other users' reminders).
- API2 broken authentication: every route refuses the anonymous caller (401); sign-in lockout and
  throttling are in test_throttling.py.
- API3 broken object-property-level authorization: read-only fields sent by a client change nothing.
- API4 unrestricted resource consumption: page size capped at 200, request bodies at 2.5 MB, a
  statement timeout on PostgreSQL.
- API5 broken function-level authorization: the role matrix of every list and detail route of the
  router (viewer reads, editor also writes, manager also deletes, no role nothing).
- API8 security misconfiguration: security headers on the API and the admin, CORS only for the
  configured origins, no stack trace in an error even when a view fails.
"""

import pytest
from django.db import connection
from rest_framework import viewsets
from rest_framework.test import APIClient

from crm.api.endpoints import companies
from crm.api.urls import router
from crm.models import Company, Project, Task
from tests.api.base import API, if_match
from tests.conftest import client_for
from tests.factories import (
    CompanyFactory,
    ProjectFactory,
    ReminderFactory,
    TaskFactory,
    UserFactory,
)
from tests.registry import RESOURCES

pytestmark = pytest.mark.django_db

FACTORIES = {endpoint: resource.factory for endpoint, resource in RESOURCES.items()}
ROLES = ("anonymous", "nobody", "viewer", "editor", "manager")


def routes():
    """(resource, route, method) for every list and detail route the router serves."""
    found = []
    for prefix, viewset, _basename in router.registry:
        writable = issubclass(viewset, viewsets.ModelViewSet)
        found.append((prefix, "list", "get"))
        found.append((prefix, "detail", "get"))
        if writable:
            found += [(prefix, "list", "post"), (prefix, "detail", "put"), (prefix, "detail", "patch")]
            found.append((prefix, "detail", "delete"))
    return found


ROUTES = routes()


def expected(resource, method, role):
    """What the role matrix of api.md answers: a status, or None for "allowed" (anything but 401/403)."""
    if role == "anonymous":
        return 401
    if role == "nobody":
        return 403
    if resource == "webhooks" and role != "manager":  # webhooks send data outside: managers only
        return 403
    if method == "get":
        return None
    if role == "viewer":
        return 403
    if resource == "targets" and role != "manager":  # yearly targets are set by managers
        return 403
    if method == "delete":
        return None if role == "manager" else 403
    return None


def test_the_matrix_covers_every_resource_of_the_router():
    assert {resource for resource, _route, _method in ROUTES} == set(FACTORIES)
    assert len(ROUTES) >= 70


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("resource", "route", "method"), ROUTES, ids=[" ".join(r) for r in ROUTES])
def test_each_role_may_do_exactly_what_the_role_matrix_says(client_as, request, role, resource, route, method):
    client = client_as(role)
    user = request.getfixturevalue(role) if role != "anonymous" else None
    record = FACTORIES[resource](**({"recipient": user} if resource == "reminders" and user else {}))
    model = type(record)
    before = (model._default_manager.count(), model._default_manager.filter(pk=record.pk).values().first())
    url = f"{API}{resource}/" if route == "list" else f"{API}{resource}/{record.pk}/"
    headers = if_match(getattr(record, "version", 1)) if method in ("put", "patch", "delete") else {}
    response = getattr(client, method)(url, {}, format="json", **headers) if method != "get" else client.get(url)
    want = expected(resource, method, role)
    if want is None:
        assert response.status_code not in (401, 403, 404, 500), (response.status_code, response.content)
        if method == "get":
            assert response.status_code == 200, response.content
    else:
        assert response.status_code == want, (response.status_code, response.content)
        after = (model._default_manager.count(), model._default_manager.filter(pk=record.pk).values().first())
        assert after == before


# API1: objects a user may not see -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "editor"])
@pytest.mark.parametrize("suffix", ["", "history/", "stage-history/"])
def test_a_confidential_project_outside_ones_team_answers_404(client_as, role, suffix):
    secret = ProjectFactory(is_confidential=True, owner=UserFactory(role="editor"))
    response = client_as(role).get(f"{API}projects/{secret.pk}/{suffix}")
    assert response.status_code == 404
    assert response.json() == client_as(role).get(f"{API}projects/987654/{suffix}").json()


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_a_confidential_project_outside_ones_team_cannot_be_changed(client_as, role):
    secret = ProjectFactory(is_confidential=True, owner=UserFactory(role="editor"), name="保密")
    response = client_as(role).patch(f"{API}projects/{secret.pk}/", {"name": "泄露"}, format="json", **if_match(1))
    assert response.status_code in (403, 404)
    secret.refresh_from_db()
    assert (secret.name, secret.version) == ("保密", 1)


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_another_users_reminder_answers_404(client_as, role):
    theirs = ReminderFactory(recipient=UserFactory(role="editor"))
    client = client_as(role)
    assert client.get(f"{API}reminders/{theirs.pk}/").status_code == 404
    assert theirs.pk not in {row["id"] for row in client.get(f"{API}reminders/").json()["results"]}


# API3: properties a client may not set ---------------------------------------------------------------


def test_read_only_fields_of_a_company_sent_by_a_client_change_nothing(api):
    company = CompanyFactory(name="原名")
    before = Company.objects.filter(pk=company.pk).values("id", "created_at", "updated_at", "version").get()
    sent = {
        "id": 999999, "version": 1, "created_at": "2000-01-01T00:00:00+08:00",
        "updated_at": "2000-01-01T00:00:00+08:00", "history": [], "search_text": "x",
    }  # fmt: skip
    response = api.patch(f"{API}companies/{company.pk}/", {**sent, "name": "新名"}, format="json")
    assert response.status_code == 200, response.content
    after = Company.objects.filter(pk=company.pk).values("id", "created_at", "updated_at", "version").get()
    assert after["id"] == before["id"] and after["created_at"] == before["created_at"]
    assert after["version"] == 2  # advanced by the write, not set by the client
    assert not Company.objects.filter(pk=999999).exists()


def test_read_only_fields_of_a_project_sent_by_a_client_change_nothing(api):
    project = ProjectFactory(stage="negotiating")
    response = api.patch(
        f"{API}projects/{project.pk}/",
        {"arrived_investment": "999999.00", "description": "x"},
        format="json",
        **if_match(1),
    )
    assert response.status_code == 200, response.content
    assert response.json()["arrived_investment"] == "0.00"


def test_a_stage_date_without_a_change_of_stage_is_refused_not_ignored(api):
    project = ProjectFactory(stage="negotiating")
    stage_changed_on = Project.objects.get(pk=project.pk).stage_changed_on
    response = api.patch(f"{API}projects/{project.pk}/", {"stage_changed_on": "2000-01-01"}, **if_match(1))
    assert response.status_code == 400, response.content
    assert "stage_changed_on" in response.json()
    assert Project.objects.get(pk=project.pk).stage_changed_on == stage_changed_on


def test_the_completion_time_of_a_task_is_not_set_by_a_client(api):
    task = TaskFactory()
    response = api.patch(
        f"{API}tasks/{task.pk}/", {"done_at": "2000-01-01T00:00:00+08:00", "title": "x"}, format="json", **if_match(1)
    )
    assert response.status_code == 200, response.content
    assert Task.objects.get(pk=task.pk).done_at is None


# API4: resource consumption ----------------------------------------------------------------------------


def test_a_page_size_of_a_billion_answers_at_most_200_rows(viewer_api):
    Company.objects.bulk_create([Company(name=f"公司{i}") for i in range(205)])
    response = viewer_api.get(f"{API}companies/?page_size={10**9}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 200
    assert response.json()["count"] == 205


def test_a_body_beyond_the_upload_limit_is_refused_as_json(api):
    before = Company.objects.count()
    body = '{"name": "' + "x" * (3 * 1024 * 1024) + '"}'
    response = api.generic("POST", f"{API}companies/", body, content_type="application/json")
    assert response.status_code in (400, 413), response.status_code
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()
    assert Company.objects.count() == before


def test_the_database_has_a_statement_timeout_on_postgresql():
    if connection.vendor != "postgresql":
        assert connection.vendor == "sqlite"  # SQLite has no statement timeout; its busy timeout is set
        assert connection.settings_dict["OPTIONS"]["timeout"] > 0
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        (value,) = cursor.fetchone()
    assert value not in ("0", "0ms"), value


# API8: misconfiguration -----------------------------------------------------------------------------------

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.mark.parametrize("path", ["/api/v1/companies/", "/api/v1/auth/token/", "/admin/login/", "/api/v1/nothing/"])
def test_responses_carry_the_security_headers(viewer_api, path):
    response = viewer_api.get(path)
    for name, value in SECURITY_HEADERS.items():
        assert response.get(name) == value, (path, name, response.get(name))


@pytest.fixture
def cors(settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://crm.example.gov.cn"]


def test_a_configured_origin_may_call_the_api(cors, viewer_api):
    response = viewer_api.get(f"{API}companies/", HTTP_ORIGIN="https://crm.example.gov.cn")
    assert response["Access-Control-Allow-Origin"] == "https://crm.example.gov.cn"


@pytest.mark.parametrize("origin", ["https://evil.example.com", "null", "https://crm.example.gov.cn.evil.com"])
def test_any_other_origin_gets_no_cors_grant(cors, viewer_api, origin):
    response = viewer_api.get(f"{API}companies/", HTTP_ORIGIN=origin)
    assert "Access-Control-Allow-Origin" not in response
    preflight = viewer_api.options(f"{API}companies/", HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert "Access-Control-Allow-Origin" not in preflight


def test_a_failing_view_answers_json_without_a_stack_trace(settings, manager, monkeypatch):
    settings.DEBUG = False

    def explode(self, request, *args, **kwargs):
        raise RuntimeError("secret internals: /srv/crm/settings.py password=hunter2")

    monkeypatch.setattr(companies.CompanyViewSet, "list", explode)
    client = client_for(manager)
    client.raise_request_exception = False
    response = client.get(f"{API}companies/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"detail"}
    assert "Traceback" not in response.content.decode() and "hunter2" not in response.content.decode()


def test_a_failing_admin_page_shows_no_stack_trace(settings, manager, monkeypatch):
    from django.contrib.admin import sites

    settings.DEBUG = False

    def explode(self, request):
        raise RuntimeError("secret internals password=hunter2")

    monkeypatch.setattr(sites.AdminSite, "each_context", explode)
    client = APIClient(raise_request_exception=False)
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    response = client.get("/admin/")
    assert response.status_code == 500
    assert "Traceback" not in response.content.decode() and "hunter2" not in response.content.decode()


# Script in text: stored and answered verbatim as JSON data, escaped by the admin --------------------------

SCRIPT = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


def test_script_in_a_name_is_stored_and_answered_verbatim_as_json(api):
    created = api.post(f"{API}companies/", {"name": SCRIPT}, format="json")
    assert created.status_code == 201, created.content
    response = api.get(f"{API}companies/{created.json()['id']}/")
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.json()["name"] == SCRIPT
    assert Company.objects.get(pk=created.json()["id"]).name == SCRIPT


def test_script_in_a_name_is_escaped_by_the_admin(client):
    company = CompanyFactory(name=SCRIPT)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for url in ("/admin/crm/company/", f"/admin/crm/company/{company.pk}/change/"):
        page = client.get(url)
        assert page.status_code == 200, url
        html = page.content.decode()
        assert "&lt;script&gt;alert(" in html, url
        assert SCRIPT not in html, url
