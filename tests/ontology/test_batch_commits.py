"""The batch endpoint: many changes as one atomic commit, and the branch log."""

from __future__ import annotations

import pytest

from ontology.storage import get_store
from tests.ontology.conftest import head, link_type, object_type, order_type, url

pytestmark = pytest.mark.django_db
COMMITS = "/api/v1/branches/dev/commits/"


def creates(*pairs):
    return [{"op": "create", "kind": kind, "document": doc} for kind, doc in pairs]


def test_many_changes_land_as_one_commit(curator, dev):
    before = head()
    body = {
        "message": "Customers and orders",
        "expectedHead": before,
        "changes": creates(
            ("object-types", object_type()),
            ("object-types", order_type()),
            ("link-types", link_type()),
        ),
    }
    response = curator.post(COMMITS, body, format="json")
    assert response.status_code == 201, response.json()
    result = response.json()
    assert result["commit"]["parents"] == [before]
    assert result["commit"]["message"] == "Customers and orders"
    assert [e["apiName"] for e in result["elements"]] == ["Customer", "Order", "customerOrders"]
    assert len(get_store().changes(before, "dev")) == 3


def test_a_stale_expected_head_is_409_and_writes_nothing(curator, dev):
    stale = head()
    curator.post(url("object-types"), object_type("First"), format="json")
    moved = head()
    body = {
        "message": "late",
        "expectedHead": stale,
        "changes": creates(("groups", {"apiName": "G"})),
    }
    response = curator.post(COMMITS, body, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "head_moved"
    assert head() == moved


def test_dry_run_reports_without_writing(curator, dev):
    before = head()
    body = {"message": "try", "dryRun": True, "changes": creates(("groups", {"apiName": "G"}))}
    response = curator.post(COMMITS, body, format="json")
    assert response.status_code == 200
    assert response.json()["dryRun"] is True
    assert response.json()["commit"] is None
    assert response.json()["elements"][0]["apiName"] == "G"
    assert head() == before


def test_update_and_delete_in_one_batch(curator, dev):
    curator.post(url("groups"), {"apiName": "Old"}, format="json")
    curator.post(url("groups"), {"apiName": "Keep"}, format="json")
    body = {
        "message": "tidy",
        "changes": [
            {"op": "delete", "kind": "groups", "apiName": "Old"},
            {"op": "update", "kind": "groups", "apiName": "Keep",
             "document": {"apiName": "Keep", "description": "kept"}},
        ],
    }  # fmt: skip
    response = curator.post(COMMITS, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["deleted"] == ["groups/Old"]
    assert curator.get(url("groups", "Keep")).json()["description"] == "kept"


def test_the_log_pages_newest_first(curator, dev):
    for name in ("A", "B", "C"):
        curator.post(url("groups"), {"apiName": name}, format="json", HTTP_X_COMMIT_MESSAGE=name)
    first = curator.get(COMMITS + "?limit=2").json()
    assert [c["message"] for c in first["results"]] == ["C", "B"]
    rest = curator.get(COMMITS + f"?limit=2&cursor={first['next']}").json()
    assert rest["results"][0]["message"] == "A"
