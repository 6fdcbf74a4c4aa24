"""Curators compare any two refs through the API: typed changes, compatibility, a bump."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from ontology.storage import get_store
from tests.ontology.conftest import client_for, head, link_type, object_type, order_type, url

pytestmark = pytest.mark.django_db
DIFF = "/api/v1/diff/"


def create(client, kind: str, body: dict, branch: str = "dev") -> dict:
    response = client.post(url(kind, branch=branch), body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def rename_customer_and_add_email(client, branch: str = "feature") -> None:
    """On ``branch``: Customer becomes Client (same id) and gains an optional email."""
    body = client.get(url("object-types", "Customer", branch=branch)).json()
    body["apiName"] = "Client"
    body["properties"].append({"apiName": "email", "dataType": {"type": "string"}})
    response = client.put(url("object-types", "Customer", branch=branch), body, format="json")
    assert response.status_code == 200, response.json()


@pytest.fixture
def feature(curator, dev) -> str:
    """``feature`` branched off ``dev`` (Customer, Order, a link); both sides moved on since."""
    create(curator, "object-types", object_type())
    create(curator, "object-types", order_type())
    create(curator, "link-types", link_type())
    get_store().create_branch("feature", start="dev")
    rename_customer_and_add_email(curator)
    create(curator, "object-types", object_type("Invoice"))  # on dev, after the branch point
    return "feature"


def kinds_and_types(body: dict) -> set[tuple[str, str, str]]:
    return {(c["type"], c["apiName"], c["path"]) for c in body["changes"]}


def test_merge_base_mode_shows_only_what_the_head_would_bring(viewer, feature):
    branch_point = get_store().merge_base("dev", "feature")
    response = viewer.get(DIFF, {"base": "dev", "head": "feature", "mode": "merge-base"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["base"], body["head"], body["mode"], body["mergeBase"]) == (
        head("dev"), head("feature"), "merge-base", branch_point,
    )  # fmt: skip
    email_id = next(
        p["id"] for p in viewer.get(url("object-types", "Client", branch="feature")).json()[
            "properties"] if p["apiName"] == "email"
    )  # fmt: skip
    assert kinds_and_types(body) == {
        ("ObjectTypeRenamed", "Client", "$.apiName"),
        ("PropertyAdded", "Client", f"$.properties[id={email_id}]"),
        ("ReferenceRenamed", "customerOrders", "$.source.objectType"),
    }
    assert body["summary"]["byType"]["ObjectTypeRenamed"] == 1
    assert body["summary"]["byImpact"] == {"breaking": 1, "additive": 1, "safe": 1}
    assert body["versionBump"] == "major"
    assert body["uncovered"] == []


def test_a_rename_is_reported_with_its_rule_and_hint(viewer, feature):
    body = viewer.get(DIFF, {"base": "dev", "head": "feature", "mode": "merge-base"}).json()
    [rename] = [c for c in body["changes"] if c["type"] == "ObjectTypeRenamed"]
    assert rename["before"] == "Customer" and rename["after"] == "Client"
    assert rename["rule"] == "OMS-C003"
    assert rename["impact"] == "breaking"
    assert rename["affects"] == ["api-clients"]
    assert rename["hint"]
    assert rename["elementId"].startswith("ot-")
    assert rename["member"] is None


def test_direct_mode_also_shows_what_only_the_base_has(viewer, feature):
    body = viewer.get(DIFF, {"base": "dev", "head": "feature"}).json()
    assert body["mode"] == "direct"
    assert body["mergeBase"] is None
    [removed] = [c for c in body["changes"] if c["type"] == "ObjectTypeRemoved"]
    assert removed["apiName"] == "Invoice"
    assert removed["before"]["apiName"] == "Invoice" and removed["after"] is None
    assert ("ObjectTypeRenamed", "Client", "$.apiName") in kinds_and_types(body)


def test_tags_and_commit_ids_are_refs_too(curator, viewer, dev):
    store = get_store()
    store.create_tag("v1", target="dev")
    created = create(curator, "object-types", object_type())
    body = viewer.get(DIFF, {"base": "v1", "head": head("dev")}).json()
    assert [(c["type"], c["apiName"], c["path"]) for c in body["changes"]] == [
        ("ObjectTypeAdded", "Customer", "$")
    ]
    assert body["changes"][0]["after"]["id"] == created["id"]
    assert body["changes"][0]["impact"] == "additive"
    assert body["versionBump"] == "minor"


def test_a_ref_against_itself_has_no_changes(viewer, dev):
    body = viewer.get(DIFF, {"base": "dev", "head": "main", "mode": "merge-base"}).json()
    assert body["changes"] == []
    assert body["summary"]["total"] == 0
    assert body["versionBump"] == "none"


def test_an_unknown_ref_is_404(viewer, dev):
    response = viewer.get(DIFF, {"base": "dev", "head": "nowhere"})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "ref_not_found"


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"base": "dev"}, "$.head"),
        ({"head": "dev"}, "$.base"),
        ({"base": "dev", "head": "dev", "mode": "sideways"}, "$.mode"),
        ({"base": "", "head": "dev"}, "$.base"),
    ],
)
def test_bad_parameters_are_400_with_their_names(viewer, dev, params, path):
    response = viewer.get(DIFF, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert path in {e["path"] for e in response.json()["errors"]}


def test_reading_a_diff_needs_the_read_scope(dev):
    assert client_for("outsider").get(DIFF, {"base": "dev", "head": "main"}).status_code == 403
    assert APIClient().get(DIFF, {"base": "dev", "head": "main"}).status_code == 401
    assert client_for("viewer").get(DIFF, {"base": "dev", "head": "main"}).status_code == 200
