"""The OpenAPI document is valid and served with its Swagger UI."""

from __future__ import annotations

import re
import threading

import pytest
import requests
import yaml
from django.core.management import call_command

from tests.served import gunicorn

pytestmark = pytest.mark.django_db


def test_the_openapi_document_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"].startswith("OMS")


def test_concurrent_first_requests_for_the_document_all_get_it(embedded_env, tmp_path):
    """drf-spectacular's generator is not thread-safe: on a fresh gthread worker, concurrent
    first requests answered 500 until the view generated the document once, under a lock."""
    with gunicorn(embedded_env, tmp_path / "web.log") as url:
        answers: list[tuple[int, bytes]] = []

        def fetch() -> None:
            answer = requests.get(f"{url}/api/schema/?format=json", timeout=60)
            answers.append((answer.status_code, answer.content))

        threads = [threading.Thread(target=fetch) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert [status for status, _ in answers] == [200] * 8
    assert len({body for _, body in answers}) == 1  # one document, whichever worker


def test_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"cdn" not in docs.content.lower()  # assets are served locally (sidecar)


def test_the_bearer_scheme_is_declared_for_swagger_ui(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": schema["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    branches = schema["paths"]["/api/v1/branches/"]["get"]
    assert {"bearerAuth": []} in branches["security"]


def test_every_api_operation_documents_its_problem_responses(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            errors = [
                code for code, response in operation["responses"].items()
                if code.startswith(("4", "5"))
                and "application/problem+json" in response.get("content", {})
            ]  # fmt: skip
            if path.startswith("/api/v1/") and not errors:
                missing.append(f"{method.upper()} {path}")
    assert missing == []


def test_element_writes_carry_examples_and_typed_bodies(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    create = schema["paths"]["/api/v1/branches/{branch}/object-types/"]["post"]
    content = create["requestBody"]["content"]["application/json"]
    assert content["schema"]["$ref"].endswith("/ObjectTypeRequest")  # what a client sends
    request = schema["components"]["schemas"]["ObjectTypeRequest"]
    assert {"id", "kind", "version"}.isdisjoint(request["properties"])
    assert {"id", "kind", "version"} <= set(
        schema["components"]["schemas"]["ObjectType"]["properties"]
    )
    assert "A customer object type" in {e["summary"] for e in content["examples"].values()}
    problem = create["responses"]["422"]["content"]["application/problem+json"]["schema"]
    assert problem["$ref"].endswith("/Problem")


def test_every_operation_has_a_tag_of_its_own_and_a_summary(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    lacking = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method != "parameters"
        and (not operation.get("summary") or operation.get("tags") in (None, [], ["v1"]))
    ]
    assert lacking == []


def test_null_answers_are_nullable_and_token_requests_need_no_tokens(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    assert components["Proposal"]["properties"]["mergedAt"].get("nullable") is True
    login = schema["paths"]["/api/v1/auth/token/"]["post"]["requestBody"]["content"]
    body = components[login["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
    assert not {"access", "refresh"} & set(body.get("required", []))


def test_every_query_parameter_default_fits_its_own_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    misfits = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []) if method != "parameters" else []:
                rules = parameter.get("schema", {})
                if "default" not in rules:
                    continue
                default = rules["default"]
                if "enum" in rules and default not in rules["enum"]:
                    misfits.append(f"{method} {path} {parameter['name']}: not in its enum")
                if isinstance(default, str) and len(default) < rules.get("minLength", 0):
                    misfits.append(f"{method} {path} {parameter['name']}: below minLength")
    assert misfits == []


def test_operation_ids_read_as_verbs_and_every_list_answers_the_envelope(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operations = {
        operation["operationId"]: operation
        for path_item in schema["paths"].values()
        for method, operation in path_item.items()
        if method != "parameters"
    }
    assert len(operations) == sum(len(p) for p in schema["paths"].values())  # unique ids
    verbs = {"list", "get", "create", "replace", "update", "delete", "merge", "rebase", "reset",
             "revert", "open", "review", "close", "reopen", "commit", "export", "import",
             "login", "refresh", "api", "check", "validate", "request", "approve", "preview",
             "submit"}  # fmt: skip
    assert sorted(i for i in operations if not re.fullmatch(r"[a-z]+(_[a-z]+)*", i)) == []
    assert sorted(i for i in operations if i.split("_")[0] not in verbs) == []
    assert {"list_branches", "get_branch", "merge_proposal", "update_object_type"} <= set(
        operations
    )
    components = schema["components"]["schemas"]
    for operation_id, operation in operations.items():
        if operation_id.startswith("list_"):
            answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
            page = components[answer["$ref"].rsplit("/", 1)[1]]
            assert {"count", "next", "results"} <= set(page["properties"]), operation_id
            assert page["properties"]["next"].get("nullable") is True, operation_id
