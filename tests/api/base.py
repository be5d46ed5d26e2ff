"""The generic API test case every resource inherits, in the manner of NetBox's ``APIViewTestCases``.

A resource's test class says which endpoint it tests (its model and factory are in
tests/registry.py), how to
build a valid create and patch payload, the filters to exercise (each: a query, a row that must
be in the answer and a row that must not) and which roles may do what. It inherits the tests
below and adds the rules of its own resource.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.registry import RESOURCES

API = "/api/v1/"

READ_ACTIONS = ("list", "retrieve")
WRITE_ACTIONS = ("create", "update", "partial_update")
ALL_ACTIONS = (*READ_ACTIONS, *WRITE_ACTIONS, "destroy")
ROLES = ("viewer", "editor", "manager", "nobody")

# The role matrix of api.md: viewer reads, editor also creates and changes, manager also deletes,
# a signed-in user in none of the three groups may do nothing.
DEFAULT_ROLES = {
    "viewer": READ_ACTIONS,
    "editor": (*READ_ACTIONS, *WRITE_ACTIONS),
    "manager": ALL_ACTIONS,
    "nobody": (),
}

# The fields api.md says each resource returns ("more may").
CONTRACT_FIELDS = {
    "users": {"id", "username", "full_name", "email", "language", "groups", "is_active"},
    "industries": {"id", "name", "code", "parent"},
    "companies": {
        "id", "name", "short_name", "name_en", "kind", "credit_code", "parent", "industries", "city", "province",
        "country", "fortune500_rank", "is_listed", "is_local_origin", "website", "description", "owner", "tags",
        "created_at", "updated_at",
    },
    "contacts": {"id", "company", "name", "title", "phone", "email", "notes"},
    "trips": {"id", "title", "destination", "start_date", "end_date", "leader", "members", "purpose", "summary"},
    "meetings": {
        "id", "title", "kind", "starts_at", "ends_at", "location", "trip", "companies", "attendees", "owner",
        "summary", "outcomes",
    },
    "requests": {
        "id", "company", "meeting", "raised_on", "category", "description", "status", "assignee", "due_on",
        "resolved_on", "resolution",
    },
    "agreements": {
        "id", "title", "kind", "companies", "signed_on", "meeting", "project", "amount", "status", "summary",
    },
    "projects": {
        "id", "name", "code_name", "is_confidential", "team", "company", "industries", "kind", "total_investment",
        "contracted_investment", "arrived_investment", "jobs_planned", "location", "stage", "owner", "description",
        "stage_changed_on",
    },
    "capital-arrivals": {"id", "project", "amount", "arrived_on", "note"},
    "milestones": {"id", "project", "title", "kind", "due_on", "done_on", "assignee"},
    "tasks": {
        "id", "title", "description", "assignee", "due_on", "priority", "status", "company", "meeting", "agreement",
        "project", "done_at",
    },
}  # fmt: skip

# The filters api.md names for each resource; a "range" filter is the pair __gte / __lte.
CONTRACT_FILTERS = {
    "users": {"group", "is_active", "search"},
    "industries": {"parent", "search"},
    "companies": {"kind", "industry", "city", "owner", "is_local_origin", "parent", "search"},
    "contacts": {"company", "search"},
    "trips": {"start_date__gte", "start_date__lte", "search"},
    "meetings": {"kind", "trip", "company", "starts_at__gte", "starts_at__lte", "owner", "search"},
    "requests": {"company", "status", "assignee", "meeting"},
    "agreements": {"kind", "company", "status", "signed_on__gte", "signed_on__lte", "meeting"},
    "projects": {
        "stage", "company", "industry", "owner", "location", "total_investment__gte", "total_investment__lte",
    },
    "capital-arrivals": {"project", "arrived_on__gte", "arrived_on__lte"},
    "milestones": {"project", "kind", "assignee", "due_on__gte", "due_on__lte", "done", "overdue"},
    "tasks": {
        "assignee", "status", "priority", "due_on__gte", "due_on__lte", "company", "project", "overdue",
    },
}  # fmt: skip

# A filter case: the query parameters, a record they must find and one they must leave out.
FilterCase = Callable[[], tuple[dict[str, Any], Any, Any]]


def ids_in(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def if_match(version: int) -> dict[str, str]:
    return {"HTTP_IF_MATCH": f'"{version}"'}


def act(client, url: str, body: dict | None = None, **kwargs):
    """POST an action (``…/{id}/sign/``) as a client does: with the ETag of the record it read."""
    record_url = url.rstrip("/").rsplit("/", 1)[0] + "/"
    read = client.get(record_url)
    headers = {"HTTP_IF_MATCH": read["ETag"]} if read.status_code == 200 else {}
    return client.post(url, body or {}, format=kwargs.pop("format", "json"), **headers, **kwargs)


def matches(body: dict, payload: dict) -> dict:
    """The fields of ``payload`` whose value in ``body`` differs (lists compared as sets)."""
    different = {}
    for name, sent in payload.items():
        got = body.get(name)
        if isinstance(sent, list):
            same = isinstance(got, list) and sorted(map(str, got)) == sorted(map(str, sent))
        else:
            same = got == sent
        if not same:
            different[name] = (sent, got)
    return different


class ReadOnlyResourceTests:
    """Lists, details, filters, labels, anonymous 401 and the role matrix of reading."""

    endpoint: str = ""  # a resource of tests/registry.py
    roles: dict[str, tuple[str, ...]] = DEFAULT_ROLES
    actions: tuple[str, ...] = READ_ACTIONS
    # Query parameters, keyed by the filter's name (``name:variant`` when one filter has several cases).
    filters: dict[str, FilterCase] = {}
    # Choice fields: field -> (a code, its Chinese label).
    labels: dict[str, tuple[str, str]] = {}

    def pytest_generate_tests(self, metafunc):
        if "filter_name" in metafunc.fixturenames:
            metafunc.parametrize("filter_name", sorted(self.filters))

    @pytest.fixture(autouse=True)
    def _database(self, db):
        """Every resource test hits the real database."""

    # Helpers ----------------------------------------------------------------------------------

    @property
    def factory(self):
        return RESOURCES[self.endpoint].factory

    @property
    def model(self):
        return RESOURCES[self.endpoint].model

    def list_url(self) -> str:
        return f"{API}{self.endpoint}/"

    def detail_url(self, obj_or_pk) -> str:
        pk = getattr(obj_or_pk, "pk", obj_or_pk)
        return f"{API}{self.endpoint}/{pk}/"

    def make(self, **fields):
        return self.factory(**fields)

    def missing_pk(self) -> int:
        last = self.model._default_manager.order_by("-pk").values_list("pk", flat=True).first() or 0
        return last + 1000

    def create_payload(self) -> dict:
        return {}

    def patch_payload(self) -> dict:
        return {}

    def payload_for(self, action: str, obj) -> dict | None:
        if action == "create":
            return self.create_payload()
        if action == "update":
            return {**self.create_payload(), "version": obj.version}
        if action == "partial_update":
            return {**self.patch_payload(), "version": obj.version}
        return None

    def payload_for_method(self, method: str) -> dict | None:
        if method == "put":
            return self.create_payload()
        if method == "patch":
            return self.patch_payload()
        return None

    def send(self, client, action: str, obj, payload=None):
        if action == "list":
            return client.get(self.list_url())
        if action == "retrieve":
            return client.get(self.detail_url(obj))
        if action == "create":
            return client.post(self.list_url(), payload, format="json")
        if action == "update":
            return client.put(self.detail_url(obj), payload, format="json")
        if action == "partial_update":
            return client.patch(self.detail_url(obj), payload, format="json")
        if action == "destroy":
            return client.delete(self.detail_url(obj), **if_match(obj.version))
        raise AssertionError(f"unknown action {action}")

    def state(self, obj):
        """What a refused request must leave as it was: the row count and the record itself."""
        row = self.model._default_manager.filter(pk=obj.pk).values().first()
        return self.model._default_manager.count(), row

    # Reading ----------------------------------------------------------------------------------

    def test_it_lists_records_in_pages(self, viewer_api):
        first, second = self.make(), self.make()
        response = viewer_api.get(self.list_url())
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"count", "next", "previous", "results"}
        assert {first.pk, second.pk} <= ids_in(response)
        assert body["count"] == len(body["results"])

    def test_it_retrieves_a_record(self, viewer_api):
        obj = self.make()
        response = viewer_api.get(self.detail_url(obj))
        assert response.status_code == 200, response.content
        assert response.json()["id"] == obj.pk

    def test_it_returns_every_field_of_the_contract(self, viewer_api):
        obj = self.make()
        listed = next(row for row in viewer_api.get(self.list_url()).json()["results"] if row["id"] == obj.pk)
        detail = viewer_api.get(self.detail_url(obj)).json()
        assert CONTRACT_FIELDS[self.endpoint] - set(listed) == set()
        assert CONTRACT_FIELDS[self.endpoint] - set(detail) == set()

    def test_it_answers_404_for_a_missing_record(self, viewer_api):
        response = viewer_api.get(self.detail_url(self.missing_pk()))
        assert response.status_code == 404
        assert "detail" in response.json()

    def test_it_answers_401_to_anonymous_requests(self, anon_api):
        for action in self.actions:
            obj = self.make()
            payload = self.payload_for(action, obj)
            before = self.state(obj)
            response = self.send(anon_api, action, obj, payload)
            assert response.status_code == 401, (action, response.content)
            assert response["WWW-Authenticate"].startswith("Token")
            assert self.state(obj) == before, action

    def test_it_answers_each_role_as_the_role_matrix_says(self, client_as):
        expected, answered = {}, {}
        for role in ROLES:
            client = client_as(role)
            for action in self.actions:
                obj = self.make()
                payload = self.payload_for(action, obj)
                before = self.state(obj)
                status = self.send(client, action, obj, payload).status_code
                allowed = action in self.roles[role]
                expected[role, action] = "allowed" if allowed else 403
                answered[role, action] = "allowed" if status in (200, 201, 204) else status
                if not allowed:
                    assert self.state(obj) == before, f"a refused {action} by {role} changed the record"
        assert answered == expected

    def test_it_filters_by(self, api, filter_name):
        params, wanted, unwanted = self.filters[filter_name]()
        response = api.get(self.list_url(), params)
        assert response.status_code == 200, response.content
        found = ids_in(response)
        assert wanted.pk in found
        assert unwanted.pk not in found

    def test_it_has_a_case_for_every_filter_of_the_contract(self):
        exercised = {name.split(":")[0] for name in self.filters}
        assert CONTRACT_FILTERS[self.endpoint] - exercised == set()

    def test_it_shows_a_label_beside_each_choice(self, viewer_api):
        obj = self.make(**{field: code for field, (code, _label) in self.labels.items()})
        chinese = viewer_api.get(self.detail_url(obj), HTTP_ACCEPT_LANGUAGE="zh-hans")
        english = viewer_api.get(self.detail_url(obj), HTTP_ACCEPT_LANGUAGE="en")
        assert {name for name in chinese.json() if name.endswith("_display")} == {f"{f}_display" for f in self.labels}
        for field, (code, label) in self.labels.items():
            assert chinese.json()[field] == code
            assert chinese.json()[f"{field}_display"] == label
            # English labels come with translations that do not exist yet: only the switch is checked.
            assert english.json()[field] == code
            assert isinstance(english.json()[f"{field}_display"], str)
        assert english["Content-Language"] == "en"
        assert chinese["Content-Language"] == "zh-hans"


class ResourceTests(ReadOnlyResourceTests):
    """Adds create, update, delete, preconditions (ETag, 412, 428) and history."""

    actions = ALL_ACTIONS

    def create_payload(self) -> dict:
        raise NotImplementedError

    def patch_payload(self) -> dict:
        raise NotImplementedError

    def test_it_creates_a_record(self, editor_api):
        payload = self.create_payload()
        response = editor_api.post(self.list_url(), payload, format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert matches(body, payload) == {}
        assert response["ETag"] == f'"{body["version"]}"'
        assert response["Location"].endswith(self.detail_url(body["id"]))
        assert self.model._default_manager.filter(pk=body["id"]).exists()

    def test_its_etag_is_the_version(self, viewer_api):
        obj = self.make()
        obj.save()  # a second version
        response = viewer_api.get(self.detail_url(obj))
        assert response.json()["version"] == 2
        assert response["ETag"] == '"2"'

    def test_it_changes_a_record_with_if_match(self, editor_api):
        obj = self.make()
        payload = self.patch_payload()
        response = editor_api.patch(self.detail_url(obj), payload, format="json", **if_match(obj.version))
        assert response.status_code == 200, response.content
        body = response.json()
        assert matches(body, payload) == {}
        assert body["version"] > obj.version
        assert response["ETag"] == f'"{body["version"]}"'
        assert matches(editor_api.get(self.detail_url(obj)).json(), payload) == {}

    def test_it_changes_a_record_with_the_version_in_the_body(self, editor_api):
        obj = self.make()
        payload = self.patch_payload()
        response = editor_api.patch(self.detail_url(obj), {**payload, "version": obj.version}, format="json")
        assert response.status_code == 200, response.content
        assert matches(response.json(), payload) == {}

    def test_it_replaces_a_record_with_put(self, editor_api):
        obj = self.make()
        payload = self.create_payload()
        response = editor_api.put(self.detail_url(obj), payload, format="json", **if_match(obj.version))
        assert response.status_code == 200, response.content
        assert matches(response.json(), payload) == {}
        assert response.json()["id"] == obj.pk

    def test_it_deletes_a_record_and_records_who_did(self, manager, api):
        obj = self.make()
        response = api.delete(self.detail_url(obj), **if_match(obj.version))
        assert response.status_code == 204, response.content
        assert api.get(self.detail_url(obj)).status_code == 404
        deletion = self.model.history.get(id=obj.pk, history_type="-")
        assert deletion.history_user_id == manager.pk

    def test_it_rejects_a_stale_etag(self, editor_api):
        obj = self.make()
        obj.save()  # someone else wrote version 2 after we read version 1
        before = self.state(obj)
        response = editor_api.patch(self.detail_url(obj), self.patch_payload(), format="json", **if_match(1))
        assert response.status_code == 412, response.content
        assert self.state(obj) == before

    def test_it_rejects_a_stale_version_in_the_body(self, editor_api):
        obj = self.make()
        obj.save()
        before = self.state(obj)
        response = editor_api.patch(self.detail_url(obj), {**self.patch_payload(), "version": 1}, format="json")
        assert response.status_code == 412, response.content
        assert self.state(obj) == before

    def test_it_rejects_a_delete_with_a_stale_etag(self, api):
        obj = self.make()
        obj.save()
        response = api.delete(self.detail_url(obj), **if_match(1))
        assert response.status_code == 412, response.content
        assert self.model._default_manager.filter(pk=obj.pk).exists()

    def test_it_lets_only_the_first_of_two_writers_with_the_same_version_win(self, editor_api, api):
        obj = self.make()
        first = editor_api.patch(self.detail_url(obj), self.patch_payload(), format="json", **if_match(obj.version))
        second = api.patch(self.detail_url(obj), self.patch_payload(), format="json", **if_match(obj.version))
        assert first.status_code == 200, first.content
        assert second.status_code == 412, second.content

    def test_it_requires_a_precondition_to_put_patch_or_delete(self, api):
        for method in ("put", "patch", "delete"):
            obj = self.make()
            payload = self.payload_for_method(method)
            before = self.state(obj)
            response = getattr(api, method)(self.detail_url(obj), payload, format="json")
            assert response.status_code == 428, (method, response.content)
            assert self.state(obj) == before, method

    def test_it_answers_404_when_writing_a_missing_record(self, api):
        for method in ("put", "patch", "delete"):
            payload = self.payload_for_method(method)
            response = getattr(api, method)(self.detail_url(self.missing_pk()), payload, format="json", **if_match(1))
            assert response.status_code == 404, (method, response.content)

    def test_it_records_who_created_a_record(self, editor, editor_api):
        created = editor_api.post(self.list_url(), self.create_payload(), format="json").json()
        response = editor_api.get(f"{self.detail_url(created['id'])}history/")
        assert response.status_code == 200, response.content
        first = response.json()["results"][-1]
        assert first["history_type"] == "+"
        assert first["history_user"] == editor.pk

    def test_it_records_each_change_with_the_user_and_the_old_and_new_values(self, editor, editor_api):
        obj = self.make()
        payload = self.patch_payload()
        old = editor_api.get(self.detail_url(obj)).json()
        editor_api.patch(self.detail_url(obj), payload, format="json", **if_match(obj.version))
        response = editor_api.get(f"{self.detail_url(obj)}history/")
        assert response.status_code == 200, response.content
        latest = response.json()["results"][0]
        assert latest["history_type"] == "~"
        assert latest["history_user"] == editor.pk
        assert latest["history_user_name"] == str(editor)
        changes = {change["field"]: change for change in latest["changes"]}
        for name in payload:
            assert name in changes, latest["changes"]
            assert str(changes[name]["old"]) == str(old[name]) or isinstance(old[name], list)
