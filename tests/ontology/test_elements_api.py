"""Curators define and change elements through the API; every write is a commit."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from ontology.storage import get_store
from tests.ontology.conftest import head, link_type, object_type, order_type, url

pytestmark = pytest.mark.django_db


def create(client, kind: str, body: dict, branch: str = "dev"):
    response = client.post(url(kind, branch=branch), body, format="json")
    assert response.status_code == 201, response.json()
    return response


def test_creating_an_element_is_one_commit_with_ids_version_and_etag(curator, dev):
    before = head()
    response = create(curator, "object-types", object_type())
    body = response.json()
    assert body["id"].startswith("ot-")
    assert all(p["id"].startswith("p-") for p in body["properties"])
    assert response["ETag"] == f'"{body["version"]}"'
    assert response["Location"].endswith("/api/v1/branches/dev/object-types/Customer/")
    commit = get_store().get_commit(response["X-Commit-Id"])
    assert commit.parents == (before,)
    assert commit.author == "editor"
    assert head() == commit.id
    fetched = curator.get(url("object-types", "Customer"))
    assert fetched.json() == body
    assert fetched["ETag"] == response["ETag"]


def test_defaults_are_filled_in(curator, dev):
    body = create(curator, "object-types", object_type()).json()
    assert body["status"] == "experimental"
    assert body["pluralDisplayName"] == "Customers"
    assert body["visibility"] == "normal"
    assert body["properties"][1]["displayName"] == "name"


def test_the_commit_message_comes_from_the_header(curator, dev):
    response = curator.post(
        url("object-types"), object_type(), format="json", HTTP_X_COMMIT_MESSAGE="Add customers"
    )
    assert get_store().get_commit(response["X-Commit-Id"]).message == "Add customers"


def test_if_none_match_gives_304(curator, dev):
    etag = create(curator, "object-types", object_type())["ETag"]
    assert curator.get(url("object-types", "Customer"), HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_replace_keeps_ids_and_if_match_guards_against_lost_updates(curator, dev):
    created = create(curator, "object-types", object_type()).json()
    edited = {**created, "description": "People who buy"}
    stale = '"0000"'
    refused = curator.put(
        url("object-types", "Customer"), edited, format="json", HTTP_IF_MATCH=stale
    )
    assert refused.status_code == 412
    assert refused.json()["current"] == created["version"]
    response = curator.put(
        url("object-types", "Customer"), edited, format="json",
        HTTP_IF_MATCH=f'"{created["version"]}"',
    )  # fmt: skip
    assert response.status_code == 200
    assert response.json()["id"] == created["id"]
    assert response.json()["description"] == "People who buy"
    assert [p["id"] for p in response.json()["properties"]] == [
        p["id"] for p in created["properties"]
    ]
    again = curator.put(
        url("object-types", "Customer"), edited, format="json",
        HTTP_IF_MATCH=f'"{created["version"]}"',
    )  # fmt: skip
    assert again.status_code == 412


def test_patch_is_a_json_merge_patch(curator, dev):
    create(curator, "object-types", object_type())
    response = curator.patch(
        url("object-types", "Customer"), {"description": "patched", "icon": None}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["description"] == "patched"
    assert response.json()["primaryKey"] == "id"


def test_delete_removes_the_element_and_keeps_history(curator, dev):
    created = create(curator, "object-types", object_type())
    response = curator.delete(url("object-types", "Customer"))
    assert response.status_code == 204
    assert curator.get(url("object-types", "Customer")).status_code == 404
    old = curator.get(url("object-types", "Customer") + f"?at={created['X-Commit-Id']}")
    assert old.status_code == 200


def test_list_filters_searches_and_pages(curator, dev):
    create(curator, "groups", {"apiName": "Sales"})
    for name in ("Alpha", "Bravo", "Charlie", "Delta"):
        extra = {"groups": ["Sales"]} if name in ("Bravo", "Delta") else {}
        create(
            curator, "object-types", object_type(name, description=f"the {name.lower()}", **extra)
        )
    create(curator, "object-types", object_type("Echo", status="active"))
    page = curator.get(url("object-types") + "?limit=2").json()
    assert page["count"] == 5
    assert [d["apiName"] for d in page["results"]] == ["Alpha", "Bravo"]
    rest = curator.get(url("object-types") + f"?limit=2&cursor={page['next']}").json()
    assert [d["apiName"] for d in rest["results"]] == ["Charlie", "Delta"]
    grouped = curator.get(url("object-types") + "?group=Sales").json()
    assert [d["apiName"] for d in grouped["results"]] == ["Bravo", "Delta"]
    active = curator.get(url("object-types") + "?status=active").json()
    assert [d["apiName"] for d in active["results"]] == ["Echo"]
    found = curator.get(url("object-types") + "?search=CHARL").json()
    assert [d["apiName"] for d in found["results"]] == ["Charlie"]


def test_kind_specific_filters(curator, dev):
    create(curator, "object-types", object_type())
    create(curator, "object-types", order_type())
    create(curator, "object-types", object_type("Lonely"))
    create(curator, "link-types", link_type())
    links = curator.get(url("link-types") + "?objectType=Order").json()
    assert [d["apiName"] for d in links["results"]] == ["customerOrders"]
    assert curator.get(url("link-types") + "?objectType=Lonely").json()["count"] == 0


def test_reads_at_a_commit_a_tag_and_a_time(curator, dev):
    first = create(curator, "object-types", object_type(description="v1"))
    moment = timezone.now().isoformat()
    time.sleep(0.01)
    curator.patch(url("object-types", "Customer"), {"description": "v2"}, format="json")
    get_store().create_tag("t1", target=first["X-Commit-Id"])
    for at in (first["X-Commit-Id"], "t1", moment):
        response = curator.get(url("object-types", "Customer"), {"at": at})
        assert response.json()["description"] == "v1", at
    unencoded = curator.get(url("object-types", "Customer") + f"?at={moment}")
    assert unencoded.json()["description"] == "v1"
    assert curator.get(url("object-types", "Customer")).json()["description"] == "v2"
    listed = curator.get(url("object-types") + f"?at={first['X-Commit-Id']}").json()
    assert listed["commit"] == first["X-Commit-Id"]


def test_unknown_and_malformed_at_are_404_and_400(curator, dev):
    create(curator, "object-types", object_type())
    assert curator.get(url("object-types") + "?at=" + "f" * 64).status_code == 404
    assert curator.get(url("object-types") + "?at=no-such-tag").status_code == 404
    assert curator.get(url("object-types") + "?at=2026-13-45T99:00:00").status_code == 400
    assert curator.get(url("object-types") + "?at=1990-01-01T00:00:00Z").status_code == 404


def test_renaming_an_object_type_rewrites_references_in_the_same_commit(curator, dev):
    customer = create(curator, "object-types", object_type()).json()
    create(curator, "object-types", order_type())
    create(curator, "link-types", link_type())
    response = curator.put(
        url("object-types", "Customer"), {**customer, "apiName": "Client"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["id"] == customer["id"]
    link = curator.get(url("link-types", "customerOrders")).json()
    assert link["source"]["objectType"] == "Client"
    commit = get_store().get_commit(response["X-Commit-Id"])
    changed = {c.doc_id for c in get_store().changes(commit.parents[0], commit.id)}
    assert changed == {customer["id"], link["id"]}
    assert curator.get(url("object-types", "Customer")).status_code == 404


def test_renaming_a_property_rewrites_foreign_keys(curator, dev):
    create(curator, "object-types", object_type())
    order = create(curator, "object-types", order_type()).json()
    create(curator, "link-types", link_type())
    order["properties"][2]["apiName"] = "buyerId"
    assert curator.put(url("object-types", "Order"), order, format="json").status_code == 200
    assert curator.get(url("link-types", "customerOrders")).json()["foreignKey"] == "buyerId"


def test_deleting_a_referenced_element_is_409_with_the_referrers(curator, dev):
    create(curator, "object-types", object_type())
    create(curator, "object-types", order_type())
    create(curator, "link-types", link_type())
    before = head()
    response = curator.delete(url("object-types", "Customer"))
    assert response.status_code == 409
    assert response.json()["referrers"] == ["link-types/customerOrders"]
    assert head() == before


def test_creating_a_duplicate_api_name_is_409(curator, dev):
    create(curator, "object-types", object_type())
    before = head()
    response = curator.post(url("object-types"), object_type(), format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["path"] == "$.apiName"
    assert head() == before


def test_the_same_api_name_may_exist_in_different_kinds(curator, dev):
    create(curator, "object-types", object_type("Sales"))
    create(curator, "groups", {"apiName": "Sales"})


def test_protected_main_refuses_direct_writes(curator, dev):
    before = head("main")
    response = curator.post(url("object-types", branch="main"), object_type(), format="json")
    assert response.status_code == 423
    assert response.json()["code"] == "branch_protected"
    assert head("main") == before


def test_a_viewer_reads_but_cannot_write(viewer, curator, dev):
    create(curator, "object-types", object_type())
    assert viewer.get(url("object-types", "Customer")).status_code == 200
    before = head()
    assert viewer.post(url("object-types"), object_type("Other"), format="json").status_code == 403
    assert viewer.delete(url("object-types", "Customer")).status_code == 403
    assert head() == before


def test_branch_names_with_slashes_address_their_elements(curator, dev):
    get_store().create_branch("feature/x", start="dev")
    create(curator, "object-types", object_type(), branch="feature/x")
    assert curator.get(url("object-types", "Customer", branch="feature/x")).status_code == 200
    assert curator.get(url("object-types", "Customer")).status_code == 404
