"""A confidential project exists only for its owner, its team and managers.

For an editor outside the team it is absent from every list and search, its detail and
sub-resources answer exactly as a record that never existed, and no filter, reference or error
tells it apart from a missing one. Its team member and a manager see and change it as usual.
"""

import datetime as dt
import re

import pytest
from django.urls import URLResolver, get_resolver

from crm.models import Project
from tests.api.base import API, act, ids_in, if_match
from tests.conftest import client_for
from tests.factories import (
    AgreementFactory,
    CapitalArrivalFactory,
    CompanyFactory,
    MeetingFactory,
    MilestoneFactory,
    ProjectFactory,
    TaskFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SECRET_NAME = "华润新能源保密项目"


@pytest.fixture
def owner(db):
    return UserFactory(role="editor")


@pytest.fixture
def member(db):
    return UserFactory(role="editor")


@pytest.fixture
def outsider_api(editor):
    """An editor who is neither the owner nor in the team."""
    return client_for(editor)


@pytest.fixture
def member_api(member):
    return client_for(member)


@pytest.fixture
def secret(owner, member):
    project = ProjectFactory(name=SECRET_NAME, code_name="H项目", is_confidential=True, owner=owner)
    project.team.set([member])
    return project


@pytest.fixture
def children(secret):
    """A record of every kind that hangs from the secret project."""
    agreement = AgreementFactory(project=secret, title="保密项目投资协议")
    return {
        "agreements": agreement,
        "capital-arrivals": CapitalArrivalFactory(project=secret),
        "milestones": MilestoneFactory(project=secret, title="保密节点"),
        "tasks": TaskFactory(project=secret, title="保密事项"),
        "tasks-of-its-agreement": TaskFactory(agreement=agreement, title="协议跟进"),
    }


def endpoint_of(kind):
    return "tasks" if kind.startswith("tasks") else kind


def missing_pk(model):
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


def same_answer(hidden, missing, hidden_pk, missing_pk_):
    """Two answers that differ only by the id they were asked about."""
    return hidden.status_code == missing.status_code and hidden.content.replace(
        str(hidden_pk).encode(), b"<id>"
    ) == missing.content.replace(str(missing_pk_).encode(), b"<id>")


# The outsider -----------------------------------------------------------------------------------


def test_it_leaves_a_confidential_project_out_of_an_outsiders_lists_and_searches(outsider_api, secret):
    open_project = ProjectFactory(name="华润新能源公开项目")
    for params in ({}, {"search": "华润"}, {"search": "H项目"}, {"is_confidential": "true"}, {"stage": "negotiating"}):
        response = outsider_api.get(f"{API}projects/", params)
        assert secret.pk not in ids_in(response), params
    everything = outsider_api.get(f"{API}projects/").json()
    assert everything["count"] == 1
    assert open_project.pk in ids_in(outsider_api.get(f"{API}projects/", {"search": "华润"}))


@pytest.mark.parametrize("suffix", ["", "history/", "stage-history/"])
def test_it_answers_an_outsider_as_if_the_project_did_not_exist(outsider_api, secret, suffix):
    missing = missing_pk(type(secret))
    hidden = outsider_api.get(f"{API}projects/{secret.pk}/{suffix}")
    absent = outsider_api.get(f"{API}projects/{missing}/{suffix}")
    assert hidden.status_code == 404
    assert same_answer(hidden, absent, secret.pk, missing)


def test_it_lets_an_outsider_neither_change_nor_move_nor_delete_it(outsider_api, api, secret):
    responses = [
        outsider_api.patch(f"{API}projects/{secret.pk}/", {"name": "改名"}, **if_match(1)),
        outsider_api.put(f"{API}projects/{secret.pk}/", {"name": "改名"}, **if_match(1)),
        act(outsider_api, f"{API}projects/{secret.pk}/change-stage/", {"stage": "signed"}),
    ]
    assert [r.status_code for r in responses] == [404, 404, 404]
    secret.refresh_from_db()
    assert (secret.name, secret.stage, secret.version) == (SECRET_NAME, "negotiating", 1)


@pytest.mark.parametrize("kind", ["agreements", "capital-arrivals", "milestones", "tasks", "tasks-of-its-agreement"])
def test_it_hides_the_records_of_a_confidential_project_from_an_outsider(outsider_api, children, kind):
    record = children[kind]
    endpoint = endpoint_of(kind)
    assert record.pk not in ids_in(outsider_api.get(f"{API}{endpoint}/"))
    assert record.pk not in ids_in(outsider_api.get(f"{API}{endpoint}/", {"search": "保密"}))
    missing = missing_pk(type(record))
    hidden = outsider_api.get(f"{API}{endpoint}/{record.pk}/")
    absent = outsider_api.get(f"{API}{endpoint}/{missing}/")
    assert hidden.status_code == 404
    assert same_answer(hidden, absent, record.pk, missing)
    assert outsider_api.get(f"{API}{endpoint}/{record.pk}/history/").status_code == 404
    changed = outsider_api.patch(f"{API}{endpoint}/{record.pk}/", {"title": "x", "note": "x"}, **if_match(1))
    assert changed.status_code == 404


@pytest.mark.parametrize(
    "endpoint, params",
    [
        ("agreements", {"project": "{project}"}),
        ("capital-arrivals", {"project": "{project}"}),
        ("milestones", {"project": "{project}"}),
        ("tasks", {"project": "{project}"}),
        ("tasks", {"agreement": "{agreement}"}),
    ],
)
def test_it_answers_a_filter_on_a_confidential_project_as_on_a_missing_one(outsider_api, children, endpoint, params):
    agreement = children["agreements"]
    hidden_ids = {"project": agreement.project_id, "agreement": agreement.pk}
    missing_ids = {"project": missing_pk(type(agreement.project)), "agreement": missing_pk(type(agreement))}
    [name] = params
    hidden = outsider_api.get(f"{API}{endpoint}/", {name: hidden_ids[name]})
    absent = outsider_api.get(f"{API}{endpoint}/", {name: missing_ids[name]})
    assert hidden.status_code == 400
    assert same_answer(hidden, absent, hidden_ids[name], missing_ids[name])


@pytest.mark.parametrize(
    "endpoint, payload",
    [
        ("capital-arrivals", {"amount": "100.00", "arrived_on": "2024-11-01"}),
        ("milestones", {"title": "节点", "due_on": "2025-01-01"}),
        ("tasks", {"title": "跟进"}),
        ("agreements", {"title": "协议"}),
    ],
)
def test_it_answers_a_reference_to_a_confidential_project_as_to_a_missing_one(outsider_api, secret, endpoint, payload):
    missing = missing_pk(type(secret))
    hidden = outsider_api.post(f"{API}{endpoint}/", {**payload, "project": secret.pk}, format="json")
    absent = outsider_api.post(f"{API}{endpoint}/", {**payload, "project": missing}, format="json")
    assert hidden.status_code == 400
    assert "project" in hidden.json()
    assert same_answer(hidden, absent, secret.pk, missing)


def test_it_refuses_to_point_an_outsiders_task_at_a_confidential_agreement(outsider_api, children):
    task = TaskFactory()
    agreement = children["agreements"]
    response = outsider_api.patch(f"{API}tasks/{task.pk}/", {"agreement": agreement.pk}, **if_match(1))
    assert response.status_code == 400
    assert "agreement" in response.json()
    task.refresh_from_db()
    assert task.agreement_id is None


def test_it_keeps_an_outsiders_viewer_colleague_out_as_well(viewer_api, secret):
    assert secret.pk not in ids_in(viewer_api.get(f"{API}projects/"))
    assert viewer_api.get(f"{API}projects/{secret.pk}/").status_code == 404


# The team, the owner and the managers ------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "owner", "manager"])
def test_it_shows_a_confidential_project_and_its_records_to_the_team_the_owner_and_managers(
    request, who, secret, children
):
    client = client_for(request.getfixturevalue(who))
    assert secret.pk in ids_in(client.get(f"{API}projects/", {"search": "保密"}))
    assert client.get(f"{API}projects/{secret.pk}/").json()["name"] == SECRET_NAME
    assert client.get(f"{API}projects/{secret.pk}/stage-history/").status_code == 200
    for kind, record in children.items():
        endpoint = endpoint_of(kind)
        assert record.pk in ids_in(client.get(f"{API}{endpoint}/")), kind
        assert client.get(f"{API}{endpoint}/{record.pk}/").status_code == 200, kind


def test_it_lets_a_team_member_change_the_project_and_add_to_it(member_api, secret):
    changed = member_api.patch(f"{API}projects/{secret.pk}/", {"stage": "signed"}, **if_match(1))
    assert changed.status_code == 200, changed.content
    payload = {"project": secret.pk, "amount": "100.00", "arrived_on": "2024-11-01"}
    assert member_api.post(f"{API}capital-arrivals/", payload, format="json").status_code == 201
    assert member_api.get(f"{API}projects/{secret.pk}/").json()["arrived_investment"] == "100.00"


def test_a_team_member_cannot_change_the_team_but_a_manager_can(member_api, member, api, secret):
    refused = member_api.patch(f"{API}projects/{secret.pk}/", {"team": []}, **if_match(1))
    assert refused.status_code == 403, refused.content
    assert refused.json()["field"] == "team"
    assert member_api.get(f"{API}projects/{secret.pk}/").status_code == 200
    removed = api.patch(f"{API}projects/{secret.pk}/", {"team": []}, **if_match(1))
    assert removed.status_code == 200, removed.content
    assert member_api.get(f"{API}projects/{secret.pk}/").status_code == 404


def test_an_editor_cannot_create_a_confidential_project(outsider_api, owner):
    payload = {"name": "代建保密项目", "is_confidential": True, "owner": owner.pk}
    response = outsider_api.post(f"{API}projects/", payload, format="json")
    assert response.status_code == 403, response.content
    assert response.json()["field"] == "is_confidential"
    assert not Project.objects.filter(name="代建保密项目").exists()


def test_a_project_made_confidential_disappears_for_outsiders(api, outsider_api):
    project = ProjectFactory()
    api.patch(f"{API}projects/{project.pk}/", {"is_confidential": True}, **if_match(1))
    assert outsider_api.get(f"{API}projects/{project.pk}/").status_code == 404


def test_an_editor_cannot_hide_someone_elses_project(editor, outsider_api, owner):
    """The attack of issue 17: an outsider hides a project from everyone but themselves."""
    project = ProjectFactory(owner=owner)
    body = {"is_confidential": True, "team": [editor.pk], "owner": editor.pk}
    response = outsider_api.patch(f"{API}projects/{project.pk}/", body, format="json", **if_match(1))
    assert response.status_code == 403, response.content
    project.refresh_from_db()
    assert (project.is_confidential, project.owner_id, list(project.team.all())) == (False, owner.pk, [])


@pytest.mark.parametrize("body", [{"is_confidential": False}, {"team": []}, {"owner": None}])
def test_a_team_editor_cannot_expose_the_project_or_change_who_knows(member_api, secret, body):
    response = member_api.patch(f"{API}projects/{secret.pk}/", body, format="json", **if_match(1))
    assert response.status_code == 403, response.content
    assert response.json()["field"] in body and response.json()["detail"]
    secret.refresh_from_db()
    assert secret.is_confidential and secret.version == 1


def test_the_owner_of_an_open_project_may_hand_it_over(owner, editor):
    project = ProjectFactory(owner=owner)
    response = client_for(owner).patch(f"{API}projects/{project.pk}/", {"owner": editor.pk}, **if_match(1))
    assert response.status_code == 200, response.content
    assert response.json()["owner"] == editor.pk


def test_a_manager_changes_confidentiality_team_and_owner(api, secret, editor):
    body = {"is_confidential": False, "team": [editor.pk], "owner": editor.pk}
    response = api.patch(f"{API}projects/{secret.pk}/", body, format="json", **if_match(1))
    assert response.status_code == 200, response.content
    assert (response.json()["is_confidential"], response.json()["team"]) == (False, [editor.pk])


# Every endpoint -------------------------------------------------------------------------------------


def api_routes():
    """Every route below /api/v1/, with its parameters as placeholders (format suffixes left out)."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    for route in walk(get_resolver().url_patterns):
        if route.startswith("api/v1/") and "format" not in route:
            route = route.replace("^", "").replace("$", "")
            yield re.sub(r"\(\?P<\w+>[^)]*\)|<[^>]+>", "{id}", route)


@pytest.fixture
def distinct_secret(owner, member):
    """A confidential project whose name, titles and ids appear nowhere else, with one record of each kind."""
    company = CompanyFactory(name="华润集团")
    meeting = MeetingFactory(title="常州（深圳）产业推介会")
    meeting.companies.set([company])
    project = ProjectFactory(
        pk=987001,
        name=SECRET_NAME,
        code_name="H项目",
        is_confidential=True,
        company=company,
        owner=owner,
        stage="signed",
    )
    project.team.set([member])
    project.stage_changes.create(from_stage="negotiating", to_stage="signed", changed_on=dt.date(2024, 10, 22))
    agreement = AgreementFactory(pk=987002, title="保密项目投资协议", project=project, meeting=meeting)
    agreement.companies.set([company])
    CapitalArrivalFactory(pk=987003, project=project, amount="123456789.00")
    MilestoneFactory(pk=987004, project=project, title="保密节点")
    TaskFactory(pk=987005, project=project, company=company, meeting=meeting, title="保密事项")
    TaskFactory(pk=987006, agreement=agreement, title="保密协议跟进")
    return {"company": company, "meeting": meeting, "project": project}


def sweep(client, user, secret):
    """GET every API route as ``client``: the URLs that answered 5xx or showed anything of the secret."""
    ids = {
        "companies": secret["company"].pk,
        "meetings": secret["meeting"].pk,
        "events": secret["meeting"].pk,
        "users": user.pk,
        "projects": 987001,
        "agreements": 987002,
        "capital-arrivals": 987003,
        "milestones": 987004,
        "tasks": 987005,
    }
    secrets = [SECRET_NAME, "H项目", "保密", "123456789", *(str(pk) for pk in range(987001, 987007))]
    routes = sorted(set(api_routes()))
    assert "api/v1/companies/" in routes  # the walk found the API
    found = {}
    for route in routes:
        word = next((w for w in ids if f"/{w}/" in f"/{route}"), None)
        url = "/" + route.replace("{id}", str(ids.get(word, 1)))
        response = client.get(url)
        text = response.content.decode()
        shown = [secret for secret in secrets if secret in text]
        if response.status_code >= 500 or shown:
            found[url] = (response.status_code, shown)
    return found


def test_no_endpoint_shows_a_confidential_project_to_an_outsider(outsider_api, editor, distinct_secret):
    assert sweep(outsider_api, editor, distinct_secret) == {}


def test_the_sweep_of_every_endpoint_finds_the_project_where_a_manager_may_see_it(api, manager, distinct_secret):
    found = sweep(api, manager, distinct_secret)
    assert {"/api/v1/projects/", "/api/v1/projects/987001/", "/api/v1/agreements/", "/api/v1/tasks/"} <= set(found)
    assert all(status < 500 for status, _shown in found.values())
