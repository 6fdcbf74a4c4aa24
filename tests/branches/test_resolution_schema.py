"""A conflict resolution is a document edit: it passes the schema, or nothing is written."""

from __future__ import annotations

import pytest

from history.models import AuditEvent
from integrations.user_service.principal import SYSTEM
from ontology.services import Operation, elements_commit
from tests.branches.test_proposals import change_feature, open_proposal, review
from tests.ontology.conftest import head, object_type, url

pytestmark = pytest.mark.django_db

BAD_VALUES = [
    pytest.param(5, id="integer"),
    pytest.param({"nested": "object"}, id="object"),
    pytest.param("null\x00char", id="nul-character"),
    pytest.param(["a", "list"], id="list"),
]


def describe(client, branch: str, text: str) -> dict:  # type: ignore[no-untyped-def]
    response = client.patch(
        url("object-types", "Customer", branch=branch), {"description": text}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


def merge(client, source: str):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/branches/dev/merge/", {"source": source}, format="json")


@pytest.fixture
def customer_id(curator, dev) -> str:
    created = curator.post(url("object-types"), object_type(), format="json")
    assert created.status_code == 201
    for name in ("a", "b"):
        assert curator.post("/api/v1/branches/", {"name": name, "from": "dev"}).status_code == 201
    return created.json()["id"]


def refused_without_a_trace(response, branch: str, before: str, events: int) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid_element"
    assert all(e["path"].startswith("$.resolutions[") for e in response.json()["errors"])
    assert head(branch) == before
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("value", BAD_VALUES)
def test_a_merge_resolution_of_the_wrong_shape_is_refused(curator, customer_id, value):
    describe(curator, "a", "from a")
    describe(curator, "b", "from b")
    assert merge(curator, "a").status_code == 201
    before, events = head("dev"), AuditEvent.objects.count()
    key = f"{customer_id}:$.description"
    response = curator.post(
        "/api/v1/branches/dev/merge/",
        {"source": "b", "resolutions": {key: {"value": value}}},
        format="json",
    )
    refused_without_a_trace(response, "dev", before, events)
    assert response.json()["errors"][0]["path"] == f"$.resolutions[{key!r}].value"


@pytest.mark.parametrize("value", [7, "lowercase", ""])
def test_an_api_name_resolution_must_be_a_valid_name(curator, customer_id, value):
    for branch, name in (("a", "Client"), ("b", "Buyer")):
        body = {**object_type(), "apiName": name}
        put = curator.put(url("object-types", "Customer", branch=branch), body, format="json")
        assert put.status_code == 200, put.json()
    assert merge(curator, "a").status_code == 201
    before, events = head("dev"), AuditEvent.objects.count()
    response = curator.post(
        "/api/v1/branches/dev/merge/",
        {"source": "b", "resolutions": {f"{customer_id}:$.apiName": {"value": value}}},
        format="json",
    )
    refused_without_a_trace(response, "dev", before, events)
    assert curator.get("/api/v1/branches/dev/object-types/").status_code == 200


def test_a_property_resolution_with_an_unknown_field_is_refused(curator, customer_id):
    document = curator.get(url("object-types", "Customer")).json()
    prop = document["properties"][1]
    for branch, text in (("a", "from a"), ("b", "from b")):
        changed = {**document, "properties": [document["properties"][0], {**prop,
                   "description": text}]}  # fmt: skip
        put = curator.put(url("object-types", "Customer", branch=branch), changed, format="json")
        assert put.status_code == 200, put.json()
    assert merge(curator, "a").status_code == 201
    before, events = head("dev"), AuditEvent.objects.count()
    key = f"{customer_id}:$.properties[id={prop['id']}].description"
    response = curator.post(
        "/api/v1/branches/dev/merge/",
        {"source": "b", "resolutions": {key: {"value": {"unknown": True}}}},
        format="json",
    )
    refused_without_a_trace(response, "dev", before, events)
    assert response.json()["errors"][0]["path"] == f"$.resolutions[{key!r}].value"


@pytest.mark.parametrize("value", BAD_VALUES)
def test_a_rebase_resolution_of_the_wrong_shape_is_refused(curator, customer_id, value):
    describe(curator, "a", "on a")
    describe(curator, "dev", "on dev")
    before, events = head("a"), AuditEvent.objects.count()
    response = curator.post(
        "/api/v1/branches/a/rebase/",
        {"onto": "dev", "resolutions": {f"{customer_id}:$.description": {"value": value}}},
        format="json",
    )
    refused_without_a_trace(response, "a", before, events)


@pytest.mark.parametrize("value", BAD_VALUES)
def test_a_revert_resolution_of_the_wrong_shape_is_refused(curator, customer_id, value):
    describe(curator, "dev", "one")
    reverted = head("dev")
    describe(curator, "dev", "two")
    before, events = head("dev"), AuditEvent.objects.count()
    response = curator.post(
        "/api/v1/branches/dev/revert/",
        {"commit": reverted, "resolutions": {f"{customer_id}:$.description": {"value": value}}},
        format="json",
    )
    refused_without_a_trace(response, "dev", before, events)


@pytest.mark.parametrize("value", BAD_VALUES)
def test_a_proposal_resolution_of_the_wrong_shape_is_refused(
    curator, reviewer, main_with_customer, value
):
    change_feature(curator, "from the proposal")
    elements_commit(
        branch="main", actor=SYSTEM, message="meanwhile on main",
        operations=[Operation("patch", "object-types", "Customer",
                              body={"description": "from main"})],
    )  # fmt: skip
    proposal = open_proposal(curator)
    assert review(reviewer, proposal, "approve").status_code == 201
    before, events = head("main"), AuditEvent.objects.count()
    key = f"{main_with_customer['id']}:$.description"
    response = curator.post(
        f"/api/v1/proposals/{proposal['id']}/merge/",
        {"resolutions": {key: {"value": value}}},
        format="json",
    )
    refused_without_a_trace(response, "main", before, events)
    good = curator.post(
        f"/api/v1/proposals/{proposal['id']}/merge/",
        {"resolutions": {key: {"value": "settled"}}},
        format="json",
    )
    assert good.status_code == 201, good.json()
    assert curator.get(url("object-types", "Customer", branch="main")).json()["description"] == (
        "settled"
    )
