"""Curators change the ontology on branches and merge them; conflicts are explicit."""

from __future__ import annotations

import pytest

from ontology.storage import get_store
from tests.ontology.conftest import head, object_type, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(curator, dev) -> dict:
    """dev holds a Customer with three properties; branches a and b fork from it."""
    body = object_type()
    body["properties"].append({"apiName": "email", "dataType": {"type": "string"}})
    created = curator.post(url("object-types"), body, format="json").json()
    for name in ("a", "b"):
        assert curator.post("/api/v1/branches/", {"name": name, "from": "dev"}).status_code == 201
    return created


def edit(client, branch: str, change) -> dict:  # type: ignore[no-untyped-def]
    current = client.get(url("object-types", "Customer", branch=branch)).json()
    change(current)
    response = client.put(url("object-types", "Customer", branch=branch), current, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def merge(client, source: str, target: str = "dev", **body):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/branches/{target}/merge/", {"source": source, **body}, format="json"
    )


def prop(document: dict, name: str) -> dict:
    return next(p for p in document["properties"] if p["apiName"] == name)


def test_edits_to_different_properties_of_one_type_merge_cleanly(curator, customer):
    edit(curator, "a", lambda d: prop(d, "name").update(description="Full name"))
    edit(curator, "b", lambda d: prop(d, "email").update(description="Contact address"))
    first = merge(curator, "a")
    assert first.status_code == 201, first.json()
    second = merge(curator, "b")
    assert second.status_code == 201, second.json()
    assert second.json()["commit"]["parents"] == [first.json()["commit"]["id"], head("b")]
    merged = curator.get(url("object-types", "Customer")).json()
    assert prop(merged, "name")["description"] == "Full name"
    assert prop(merged, "email")["description"] == "Contact address"


@pytest.fixture
def clash(curator, customer):
    edit(curator, "a", lambda d: prop(d, "name").update(description="from a"))
    edit(curator, "b", lambda d: prop(d, "name").update(description="from b"))
    assert merge(curator, "a").status_code == 201
    return customer


def test_the_same_property_edited_both_ways_conflicts_and_changes_nothing(curator, clash):
    before = head()
    response = merge(curator, "b")
    assert response.status_code == 409
    (conflict,) = response.json()["conflicts"]
    name_id = prop(clash, "name")["id"]
    assert conflict["path"] == f"$.properties[id={name_id}].description"
    assert conflict["type"] == "modify/modify"
    assert (conflict["base"], conflict["source"], conflict["target"]) == ("", "from b", "from a")
    assert conflict["element"] == "object-types/Customer"
    assert head() == before


@pytest.mark.parametrize(
    ("resolution", "expected"),
    [("source", "from b"), ("target", "from a"), ({"value": "both"}, "both")],
)
def test_a_conflict_is_resolved_each_of_three_ways(curator, clash, resolution, expected):
    key = merge(curator, "b").json()["conflicts"][0]["key"]
    response = merge(curator, "b", resolutions={key: resolution})
    assert response.status_code == 201, response.json()
    assert (
        prop(curator.get(url("object-types", "Customer")).json(), "name")["description"] == expected
    )


def test_a_resolution_for_no_conflict_is_refused(curator, clash):
    response = merge(curator, "b", resolutions={"ot-nothing:$.x": "source"})
    assert response.status_code == 400


def test_delete_against_modify_conflicts(curator, customer):
    assert curator.delete(url("object-types", "Customer", branch="a")).status_code == 204
    edit(curator, "b", lambda d: d.update(description="still here"))
    assert merge(curator, "b").status_code == 201
    response = merge(curator, "a")
    assert response.status_code == 409
    (conflict,) = response.json()["conflicts"]
    assert (conflict["type"], conflict["path"]) == ("delete/modify", "$")
    resolved = merge(curator, "a", resolutions={conflict["key"]: "source"})
    assert resolved.status_code == 201
    assert curator.get(url("object-types", "Customer")).status_code == 404


def test_a_rename_on_one_side_and_an_edit_on_the_other_both_land(curator, customer):
    edit(curator, "a", lambda d: d.update(apiName="Client"))
    edit(curator, "b", lambda d: prop(d, "email").update(required=True))
    assert merge(curator, "a").status_code == 201
    assert merge(curator, "b").status_code == 201
    merged = curator.get(url("object-types", "Client")).json()
    assert merged["id"] == customer["id"]
    assert prop(merged, "email")["required"] is True


def test_rename_against_rename_conflicts(curator, customer):
    edit(curator, "a", lambda d: d.update(apiName="Client"))
    edit(curator, "b", lambda d: d.update(apiName="Buyer"))
    assert merge(curator, "a").status_code == 201
    (conflict,) = merge(curator, "b").json()["conflicts"]
    assert (conflict["path"], conflict["source"], conflict["target"]) == (
        "$.apiName",
        "Buyer",
        "Client",
    )


def test_the_same_api_name_added_on_both_sides_conflicts(curator, customer):
    for branch, description in (("a", "one"), ("b", "two")):
        body = object_type("Order", description=description)
        assert (
            curator.post(url("object-types", branch=branch), body, format="json").status_code == 201
        )
    assert merge(curator, "a").status_code == 201
    (conflict,) = merge(curator, "b").json()["conflicts"]
    assert (conflict["type"], conflict["path"]) == ("add/add", "$.apiName")
    resolved = merge(curator, "b", resolutions={conflict["key"]: "source"})
    assert resolved.status_code == 201
    assert curator.get(url("object-types", "Order")).json()["description"] == "two"


def test_squash_makes_one_commit_with_one_parent(curator, customer):
    edit(curator, "a", lambda d: d.update(description="one"))
    edit(curator, "a", lambda d: d.update(icon="box"))
    response = merge(curator, "a", strategy="squash")
    assert response.status_code == 201
    assert len(response.json()["commit"]["parents"]) == 1
    assert curator.get(url("object-types", "Customer")).json()["icon"] == "box"


def test_dry_run_merges_nothing(curator, customer):
    edit(curator, "a", lambda d: d.update(description="one"))
    before = head()
    response = merge(curator, "a", dryRun=True)
    assert response.status_code == 200
    assert response.json()["commit"] is None
    assert head() == before


def test_merging_twice_is_nothing_to_merge(curator, customer):
    edit(curator, "a", lambda d: d.update(description="one"))
    assert merge(curator, "a").status_code == 201
    assert merge(curator, "a").status_code == 409


def test_a_merge_that_breaks_integrity_is_422(curator, customer):
    # a adds a link to Order; b deletes Order's key property: each fine alone.
    order = object_type("Order")
    order["properties"].append({"apiName": "customerId", "dataType": {"type": "string"}})
    assert curator.post(url("object-types"), order, format="json").status_code == 201
    for name in ("a2", "b2"):
        curator.post("/api/v1/branches/", {"name": name, "from": "dev"})
    link = {
        "apiName": "customerOrders", "cardinality": "one-to-many",
        "source": {"objectType": "Customer", "linkApiName": "orders"},
        "target": {"objectType": "Order", "linkApiName": "customer"}, "foreignKey": "customerId",
    }  # fmt: skip
    assert curator.post(url("link-types", branch="a2"), link, format="json").status_code == 201
    current = curator.get(url("object-types", "Order", branch="b2")).json()
    current["properties"] = [p for p in current["properties"] if p["apiName"] != "customerId"]
    assert (
        curator.put(url("object-types", "Order", branch="b2"), current, format="json").status_code
        == 200
    )
    assert merge(curator, "a2").status_code == 201
    before = head()
    response = merge(curator, "b2")
    assert response.status_code == 422
    assert response.json()["errors"][0]["element"] == "link-types/customerOrders"
    assert head() == before


def test_rebase_brings_the_base_into_a_branch(curator, customer):
    curator.patch(url("object-types", "Customer"), {"description": "on dev"}, format="json")
    edit(curator, "a", lambda d: d.update(icon="person"))
    response = curator.post("/api/v1/branches/a/rebase/", {}, format="json")
    assert response.status_code == 201, response.json()
    rebased = curator.get(url("object-types", "Customer", branch="a")).json()
    assert (rebased["description"], rebased["icon"]) == ("on dev", "person")
    assert curator.get("/api/v1/branches/a/").json()["behind"] == 0


def test_revert_restores_the_parent_snapshot(curator, customer):
    before = head()
    edit(curator, "dev", lambda d: d.update(description="regret"))
    bad = head()
    curator.post(url("groups"), {"apiName": "Later"}, format="json")
    response = curator.post("/api/v1/branches/dev/revert/", {"commit": bad}, format="json")
    assert response.status_code == 201, response.json()
    store = get_store()
    snapshot = store.snapshot("dev")
    assert snapshot[customer["id"]] == store.snapshot(before)[customer["id"]]
    assert any(d["apiName"] == "Later" for d in snapshot.values())


def test_reset_is_for_admins_on_unprotected_branches(curator, admin, customer):
    target = head("a")
    edit(curator, "a", lambda d: d.update(description="x"))
    assert curator.post("/api/v1/branches/a/reset/", {"to": target}).status_code == 403
    response = admin.post("/api/v1/branches/a/reset/", {"to": target})
    assert response.status_code == 200
    assert response.json()["head"] == target
    refused = admin.post("/api/v1/branches/main/reset/", {"to": target})
    assert refused.status_code == 423


def test_direct_merges_into_protected_main_are_refused(curator, customer):
    assert merge(curator, "a", target="main").status_code == 423


def test_branch_list_shows_base_ahead_behind_and_policy(curator, admin, customer):
    edit(curator, "a", lambda d: d.update(description="ahead"))
    listed = curator.get("/api/v1/branches/").json()
    branches = {b["name"]: b for b in listed["results"]}
    assert listed["count"] == len(branches) and listed["next"] is None
    assert (branches["a"]["base"], branches["a"]["ahead"], branches["a"]["behind"]) == ("dev", 1, 0)
    assert branches["main"]["protected"] is True
    policy = admin.patch("/api/v1/branches/a/", {"protected": True, "requiredApprovals": 2})
    assert policy.status_code == 200
    assert (policy.json()["protected"], policy.json()["requiredApprovals"]) == (True, 2)
    assert curator.patch("/api/v1/branches/a/", {"protected": False}).status_code == 403


def test_reserved_segments_cannot_name_branches(curator, dev):
    response = curator.post("/api/v1/branches/", {"name": "x/merge", "from": "dev"})
    assert response.status_code == 400
