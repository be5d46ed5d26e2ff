"""The typed TypeScript client: checked, generated from the schema, compiled strictly, run against a live server.

The order is the build's: `npm ci`, `manage.py spectacular`, the typed-client rules, `npm run
generate`, `tsc --strict`, then the smoke program (clients/typescript/src/smoke.ts) against a live
server with an editor's credentials. It prints a JSON summary that the last test reads.
"""

import copy
import json

import pytest
from django.core.cache import cache

from crm.models import Company
from crm.models.choices import CompanyKind
from tests.factories import CompanyFactory, UserFactory

from .conftest import CLIENT_DIR, run

pytestmark = pytest.mark.slow

PASSWORD = "frontend-smoke-pass-2024"


def check_schema(document: dict, tmp_path) -> tuple[int, str]:
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(document))
    result = run(["node", "build/tools/check-schema.js", str(path)], check=False)
    return result.returncode, result.stderr


# A small schema that follows every rule: the base the drift tests below break one rule at a time.
def _errors(*statuses):
    ref = {400: "ValidationError"}
    return {
        str(s): {
            "description": "error",
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref.get(s, 'ErrorDetail')}"}}},
        }
        for s in statuses
    }


SECURED = [{"tokenAuth": []}, {"cookieAuth": []}]
GOOD_SCHEMA = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/api/v1/things/": {
            "get": {
                "operationId": "things_list",
                "security": SECURED,
                "parameters": [
                    {"in": "query", "name": "kind", "schema": {"type": "string", "enum": ["a", "b"]}},
                    {"in": "query", "name": "page", "schema": {"type": "integer"}},
                ],
                "responses": {
                    "200": {
                        "description": "",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                    },
                    **_errors(400, 401, 403),
                },
            }
        },
        "/api/v1/things/{id}/": {
            "patch": {
                "operationId": "things_partial_update",
                "security": SECURED,
                "parameters": [{"in": "path", "name": "id", "required": True, "schema": {"type": "integer"}}],
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                "responses": {
                    "200": {
                        "description": "",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                    },
                    **_errors(400, 401, 403, 404, 412, 428),
                },
            },
            "delete": {
                "operationId": "things_destroy",
                "security": SECURED,
                "parameters": [{"in": "path", "name": "id", "required": True, "schema": {"type": "integer"}}],
                "responses": {"204": {"description": "No response body"}, **_errors(401, 403, 404, 412, 428)},
            },
        },
    },
    "components": {
        "schemas": {
            "KindEnum": {"type": "string", "enum": ["a", "b"]},
            "Thing": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer", "readOnly": True},
                    "kind": {"$ref": "#/components/schemas/KindEnum"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["id"],
            },
            "ErrorDetail": {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]},
            "ValidationError": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        }
    },
}


def _drop(path, method, status):
    return lambda doc: doc["paths"][path][method]["responses"].pop(status)


def _set(path, method, status, response):
    return lambda doc: doc["paths"][path][method]["responses"].__setitem__(status, response)


def _inline_enum(doc):
    doc["components"]["schemas"]["Thing"]["properties"]["kind"] = {"type": "string", "enum": ["a", "b"]}


def _twin_enum(doc):
    doc["components"]["schemas"]["SortEnum"] = {"type": "string", "enum": ["b", "a"]}


def _collision_name(doc):
    doc["components"]["schemas"]["Kind7a3Enum"] = doc["components"]["schemas"].pop("KindEnum")
    doc["components"]["schemas"]["Thing"]["properties"]["kind"] = {"$ref": "#/components/schemas/Kind7a3Enum"}


THINGS, THING = "/api/v1/things/", "/api/v1/things/{id}/"
DRIFTS = {
    "a 200 without a body": (_set(THINGS, "get", "200", {"description": ""}), "typed-success"),
    "a 200 with an empty schema": (
        _set(THINGS, "get", "200", {"description": "", "content": {"application/json": {"schema": {}}}}),
        "typed-success",
    ),
    "a free-form object answer": (
        _set(
            THINGS, "get", "200", {"description": "", "content": {"application/json": {"schema": {"type": "object"}}}}
        ),
        "typed-success",
    ),
    "a 204 with a body": (
        _set(THING, "delete", "204", GOOD_SCHEMA["paths"][THINGS]["get"]["responses"]["200"]),
        "typed-success",
    ),
    "an undeclared 404 on a detail path": (_drop(THING, "patch", "404"), "declared-errors"),
    "an undeclared 400 on a body": (_drop(THING, "patch", "400"), "declared-errors"),
    "an undeclared 400 on filters": (_drop(THINGS, "get", "400"), "declared-errors"),
    "an undeclared 401 on a secured operation": (_drop(THINGS, "get", "401"), "declared-errors"),
    "an undeclared 403 on a role-guarded operation": (_drop(THINGS, "get", "403"), "declared-errors"),
    "an undeclared 412 on a versioned write": (_drop(THING, "patch", "412"), "declared-errors"),
    "an undeclared 428 on a versioned delete": (_drop(THING, "delete", "428"), "declared-errors"),
    "an error without a body": (_set(THING, "patch", "412", {"description": "stale"}), "typed-errors"),
    "an inline enum": (_inline_enum, "named-enums"),
    "two enums of the same values": (_twin_enum, "named-enums"),
    "an enum named by a collision hash": (_collision_name, "named-enums"),
}


def test_the_check_accepts_a_schema_that_follows_every_rule(ts_client, tmp_path):
    code, output = check_schema(GOOD_SCHEMA, tmp_path)
    assert code == 0, output


@pytest.mark.parametrize("drift", DRIFTS, ids=list(DRIFTS))
def test_the_check_refuses_a_schema_drift(ts_client, tmp_path, drift):
    mutate, rule = DRIFTS[drift]
    document = copy.deepcopy(GOOD_SCHEMA)
    mutate(document)
    code, output = check_schema(document, tmp_path)
    assert code == 1, output
    assert f"[{rule}]" in output, output


def test_the_servers_schema_passes_the_typed_client_rules(ts_client, openapi_json):
    result = run(["node", "build/tools/check-schema.js", str(openapi_json)], check=False)
    assert result.returncode == 0, result.stderr


def test_the_check_reads_the_schema_from_a_url_as_from_a_file(ts_client, openapi_json, live_server):
    from_file = run(["node", "build/tools/check-schema.js", str(openapi_json)], check=False)
    from_url = run(["node", "build/tools/check-schema.js", f"{live_server.url}/api/schema/?format=json"], check=False)

    assert from_url.returncode in (0, 1), from_url.stderr  # 2: the schema could not be read
    assert from_url.returncode == from_file.returncode
    assert from_url.stderr.replace(live_server.url + "/api/schema/?format=json", "SOURCE") == (
        from_file.stderr.replace(str(openapi_json), "SOURCE")
    )


@pytest.fixture(scope="module")
def smoke_program(ts_client, openapi_json, node_toolchain):
    """`npm run generate` from the exported schema, then `tsc --strict` (type check and emit)."""
    (CLIENT_DIR / "src" / "schema.d.ts").unlink(missing_ok=True)
    run([node_toolchain["npm"], "run", "--silent", "generate", "--", str(openapi_json)])
    run([str(CLIENT_DIR / "node_modules" / ".bin" / "tsc"), "--strict", "-p", "tsconfig.json"])
    return CLIENT_DIR / "dist" / "smoke.js"


@pytest.mark.django_db(transaction=True)
def test_the_typed_client_works_against_a_live_server(smoke_program, live_server, node_toolchain):
    UserFactory(username="frontend", password=PASSWORD, role="editor")
    CompanyFactory(name="中国科学院深圳先进技术研究院", kind=CompanyKind.RESEARCH_INSTITUTE, city="深圳")
    CompanyFactory(name="清华大学深圳国际研究生院", kind=CompanyKind.RESEARCH_INSTITUTE, city="深圳")
    CompanyFactory(name="深圳AI智能科技有限公司", city="深圳")
    CompanyFactory(name="深圳ai视觉有限公司", city="深圳")
    CompanyFactory(name="上海AI芯片有限公司", city="上海")
    CompanyFactory.create_batch(2)
    cache.clear()  # the token endpoint's throttle counts from the same address as other tests

    result = run(
        [node_toolchain["node"], str(smoke_program)],
        env={
            "CRM_BASE_URL": live_server.url,
            "CRM_USERNAME": "frontend",
            "CRM_PASSWORD": PASSWORD,
            "CRM_PAGE_SIZE": "3",
        },
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, f"the smoke program failed:\n{result.stderr}\n{result.stdout}"
    summary = json.loads(result.stdout.strip().splitlines()[-1])

    assert summary["user"] == {"username": "frontend", "groups": ["editor"]}
    assert summary["filtered"]["count"] == 2
    assert summary["searched"]["count"] == 2  # full-width ＡＩ finds AI and ai, in 深圳 only
    assert summary["created"]["version"] == 1
    assert summary["created"]["etag"] == '"1"'
    assert summary["created"]["kind_display"] == "企业"
    assert summary["updated"] == {"version": 2, "etag": '"2"'}
    assert summary["errors"]["400"]["fields"] == ["country", "credit_code", "fortune500_rank"]
    for status in ("403", "412", "428"):
        assert summary["errors"][status]["detail"], status
    # Both next links named a position (after=): the client read pages 2 and 3 from there.
    assert summary["pagination"] == {"page_size": 3, "pages": 3, "count": 8, "collected": 8, "positioned": 2}

    company = Company.objects.get(pk=summary["created"]["id"])
    assert company.version == 2
    assert company.description == "由 TypeScript 客户端更新 / updated by the TypeScript client"
    assert company.city == "常州"  # the 428 changed nothing
    assert not Company.objects.filter(name="校验失败公司").exists()
