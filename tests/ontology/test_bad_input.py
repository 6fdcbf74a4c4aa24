"""Bad input gets a problem-details answer with paths, and the branch head does not move."""

from __future__ import annotations

import json

import pytest

from tests.ontology.conftest import head, object_type, url

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture
def unchanged(dev):
    """Asserts after the test that the dev branch head did not move."""
    before = head()
    yield
    assert head() == before


def post_raw(client, body: str, content_type: str = "application/json"):
    return client.generic("POST", url("object-types"), body, content_type=content_type)


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    return response.json()


def paths(response) -> set[str]:
    return {e["path"] for e in response.json()["errors"]}


def test_malformed_json(curator, unchanged):
    problem(post_raw(curator, '{"apiName": "Customer",'), 400)


def test_a_body_that_is_not_an_object(curator, unchanged):
    problem(post_raw(curator, "[1, 2]"), 400)
    problem(post_raw(curator, '"text"'), 400)


def test_wrong_types_are_reported_with_their_paths(curator, unchanged):
    body = object_type(properties=[{"apiName": "id", "dataType": {"type": "strin"}}])
    body["status"] = 7
    response = curator.post(url("object-types"), body, format="json")
    problem(response, 400)
    assert {"$.status", "$.properties[0].dataType.type"} <= paths(response)


def test_unknown_fields_are_refused_with_their_paths(curator, unchanged):
    body = object_type(colour="blue")
    body["properties"][0]["nullable"] = True
    body["properties"][1]["dataType"] = {"type": "string", "maxLength": 3}
    response = curator.post(url("object-types"), body, format="json")
    problem(response, 400)
    assert {"$.colour", "$.properties[0].nullable", "$.properties[1].dataType.maxLength"} <= paths(
        response
    )


def test_nested_data_types_are_checked_deeply(curator, unchanged):
    body = object_type()
    body["properties"].append(
        {
            "apiName": "lines",
            "dataType": {
                "type": "array",
                "itemType": {
                    "type": "struct",
                    "fields": [
                        {
                            "apiName": "qty",
                            "dataType": {"type": "decimal", "precision": 5, "scale": 9},
                        },
                        {"apiName": "qty", "dataType": {"type": "vector", "dimension": 0}},
                    ],
                },
            },
        }
    )
    response = curator.post(url("object-types"), body, format="json")
    problem(response, 400)
    base = "$.properties[2].dataType.itemType.fields"
    assert {
        f"{base}[0].dataType.scale",
        f"{base}[1].apiName",
        f"{base}[1].dataType.dimension",
    } <= paths(response)


def test_object_references_only_in_action_parameters(curator, unchanged):
    body = object_type()
    body["properties"][1]["dataType"] = {"type": "objectReference", "objectType": "Customer"}
    response = curator.post(url("object-types"), body, format="json")
    assert "$.properties[1].dataType.type" in paths(response)


@pytest.mark.parametrize(
    "api_name", ["customer", "Cust omer", "Cust/omer", "Cust\nomer", "Cus\x00tomer", "", "C" * 101]
)
def test_names_with_path_or_control_characters_are_refused(curator, unchanged, api_name):
    response = curator.post(url("object-types"), object_type(api_name), format="json")
    assert "$.apiName" in paths(response)


def test_names_with_path_characters_in_the_url_are_404(curator, unchanged):
    assert curator.get(url("object-types") + "Cust%2Fomer/").status_code == 404
    assert curator.get(url("object-types") + "..%2F..%2Fetc/").status_code in (400, 404)


def test_an_unknown_branch_is_404(curator, unchanged):
    body = problem(
        curator.post(url("object-types", branch="nope"), object_type(), format="json"), 404
    )
    assert body["code"] == "ref_not_found"
    problem(curator.get(url("object-types", branch="nope")), 404)


def test_an_unknown_element_is_404(curator, unchanged):
    problem(curator.get(url("object-types", "Ghost")), 404)
    problem(curator.put(url("object-types", "Ghost"), object_type("Ghost"), format="json"), 404)
    problem(curator.delete(url("object-types", "Ghost")), 404)


def test_huge_property_lists_are_refused(curator, unchanged):
    props = [{"apiName": f"p{i}", "dataType": {"type": "string"}} for i in range(1001)]
    body = object_type(properties=props, primaryKey="p0", titleProperty="p1")
    response = curator.post(url("object-types"), body, format="json")
    problem(response, 400)
    assert "$.properties" in paths(response)


def test_an_oversized_body_is_413(curator, unchanged, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = object_type(description="x" * 20_000)
    problem(post_raw(curator, json.dumps(body)), 413)


def test_wrong_content_type_is_415(curator, unchanged):
    problem(post_raw(curator, "apiName=Customer", "application/x-www-form-urlencoded"), 415)


def test_bad_query_parameters_are_400(curator, unchanged):
    assert "limit" in json.dumps(problem(curator.get(url("object-types") + "?limit=0"), 400))
    problem(curator.get(url("object-types") + "?status=alive"), 400)
    problem(curator.get(url("object-types") + "?cursor=%%%"), 400)


def test_a_batch_with_one_bad_change_writes_nothing(curator, unchanged):
    body = {
        "message": "two",
        "changes": [
            {"op": "create", "kind": "object-types", "document": object_type()},
            {"op": "create", "kind": "object-types", "document": object_type("Bad", primaryKey=3)},
        ],
    }
    response = curator.post("/api/v1/branches/dev/commits/", body, format="json")
    problem(response, 400)
    assert "$.changes[1].document.primaryKey" in paths(response)
    assert curator.get(url("object-types", "Customer")).status_code == 404


def test_a_batch_with_unknown_members_or_kinds_is_400(curator, unchanged):
    body = {"message": "m", "changes": [{"op": "create", "kind": "tables", "document": {}}], "x": 1}
    response = curator.post("/api/v1/branches/dev/commits/", body, format="json")
    problem(response, 400)
    assert {"$.x", "$.changes[0].kind"} <= paths(response)
