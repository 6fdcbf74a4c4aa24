"""Change proposals: review, gate, merge into protected main, revert, and their history."""

from __future__ import annotations

import pytest

from integrations.user_service.principal import SYSTEM
from ontology.services import Operation, elements_commit
from ontology.storage import get_store
from tests.ontology.conftest import head, object_type, url

pytestmark = pytest.mark.django_db


def change_feature(client, description: str) -> None:  # type: ignore[no-untyped-def]
    response = client.patch(
        url("object-types", "Customer", branch="feature"), {"description": description},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.json()


def open_proposal(client, **extra):  # type: ignore[no-untyped-def]
    body = {"source": "feature", "target": "main", "title": "Describe customers", **extra}
    response = client.post("/api/v1/proposals/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def review(client, proposal: dict, verdict: str, body: str = ""):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/proposals/{proposal['id']}/reviews/", {"verdict": verdict, "body": body},
        format="json",
    )  # fmt: skip


def checks(client, proposal: dict) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    detail = client.get(f"/api/v1/proposals/{proposal['id']}/").json()
    return {c["name"]: c for c in detail["checks"]} | {"_": {"mergeable": detail["mergeable"]}}


def test_an_approved_proposal_merges_into_protected_main(curator, reviewer, main_with_customer):
    change_feature(curator, "reviewed text")
    proposal = open_proposal(curator)
    assert checks(curator, proposal)["approvals"]["passed"] is False
    refused = curator.post(f"/api/v1/proposals/{proposal['id']}/merge/", {}, format="json")
    assert refused.status_code == 409
    assert {c["name"]: c["passed"] for c in refused.json()["checks"]}["approvals"] is False
    assert review(reviewer, proposal, "approve", "looks right").status_code == 201
    assert checks(curator, proposal)["_"]["mergeable"] is True
    merged = curator.post(f"/api/v1/proposals/{proposal['id']}/merge/", {}, format="json")
    assert merged.status_code == 201, merged.json()
    assert head("main") == merged.json()["commit"]["id"]
    assert curator.get(url("object-types", "Customer", branch="main")).json()["description"] == (
        "reviewed text"
    )
    detail = curator.get(f"/api/v1/proposals/{proposal['id']}/").json()
    assert detail["state"] == "merged"
    assert detail["mergedCommit"] == merged.json()["commit"]["id"]
    assert [e["action"] for e in detail["events"]] == ["opened", "reviewed", "merged"]
    assert all(e["actor"] for e in detail["events"])


def test_authors_cannot_approve_their_own_proposal(admin, main_with_customer):
    change_feature(admin, "self")
    proposal = open_proposal(admin)
    response = review(admin, proposal, "approve")
    assert response.status_code == 403
    assert response.json()["code"] == "review_refused"


def test_an_editor_cannot_approve(curator, main_with_customer):
    from tests.ontology.conftest import client_for

    change_feature(curator, "x")
    proposal = open_proposal(client_for("admin"))
    assert review(curator, proposal, "approve").status_code == 403
    assert review(curator, proposal, "comment", "nice").status_code == 201


def test_approval_is_dismissed_when_the_source_moves(curator, reviewer, main_with_customer):
    change_feature(curator, "first")
    proposal = open_proposal(curator)
    review(reviewer, proposal, "approve")
    assert checks(curator, proposal)["approvals"]["passed"] is True
    change_feature(curator, "second")
    gate = checks(curator, proposal)
    assert gate["approvals"]["passed"] is False
    assert gate["approvals"]["detail"] == "0 of 1 required approval(s)"
    reviews = curator.get(f"/api/v1/proposals/{proposal['id']}/reviews/").json()["results"]
    assert reviews[0]["dismissed"] is True
    events = curator.get(f"/api/v1/proposals/{proposal['id']}/").json()["events"]
    assert "approval_dismissed" in [e["action"] for e in events]


def test_a_request_for_changes_withdraws_an_earlier_approval(curator, reviewer, main_with_customer):
    change_feature(curator, "x")
    proposal = open_proposal(curator)
    review(reviewer, proposal, "approve")
    review(reviewer, proposal, "request_changes", "wait")
    assert checks(curator, proposal)["approvals"]["passed"] is False


def test_conflicts_show_in_the_proposal_checks(curator, reviewer, main_with_customer):
    change_feature(curator, "feature text")
    elements_commit(
        branch="main",
        operations=[
            Operation("update", "object-types", "Customer",
                      body={**object_type(), "description": "main text"})
        ],
        actor=SYSTEM, message="hotfix",
    )  # fmt: skip
    proposal = open_proposal(curator)
    gate = checks(curator, proposal)
    assert gate["conflicts"]["passed"] is False
    assert gate["conflicts"]["data"]["conflicts"][0]["path"] == "$.description"


def test_close_and_reopen_are_recorded(curator, main_with_customer):
    change_feature(curator, "x")
    proposal = open_proposal(curator)
    closed = curator.post(f"/api/v1/proposals/{proposal['id']}/close/")
    assert closed.json()["state"] == "closed"
    assert curator.post(f"/api/v1/proposals/{proposal['id']}/close/").status_code == 409
    assert curator.post(f"/api/v1/proposals/{proposal['id']}/reopen/").json()["state"] == "open"
    events = curator.get(f"/api/v1/proposals/{proposal['id']}/").json()["events"]
    assert [e["action"] for e in events] == ["opened", "closed", "reopened"]


def test_proposals_are_listed_and_filtered(curator, main_with_customer):
    change_feature(curator, "x")
    first = open_proposal(curator)
    curator.post(f"/api/v1/proposals/{first['id']}/close/")
    second = open_proposal(curator, title="Again")
    listed = curator.get("/api/v1/proposals/?state=open").json()
    assert [p["id"] for p in listed["results"]] == [second["id"]]
    assert (listed["count"], listed["next"]) == (1, None)
    everything = curator.get("/api/v1/proposals/?limit=1").json()  # newest first
    assert ([p["id"] for p in everything["results"]], everything["count"]) == ([second["id"]], 2)
    older = curator.get(f"/api/v1/proposals/?limit=1&cursor={everything['next']}").json()
    assert ([p["id"] for p in older["results"]], older["next"]) == ([first["id"]], None)
    assert curator.get("/api/v1/proposals/?cursor=%22x%22").status_code == 400
    assert curator.get("/api/v1/proposals/?state=bogus").status_code == 400


def test_a_branch_with_an_open_proposal_cannot_be_deleted(curator, main_with_customer):
    from tests.ontology.conftest import client_for

    change_feature(curator, "x")
    open_proposal(curator)
    response = client_for("admin").delete("/api/v1/branches/feature/")
    assert response.status_code == 423
    assert response.json()["proposals"]


def test_reverting_a_merged_proposal_restores_main_exactly(curator, reviewer, main_with_customer):
    before = get_store().snapshot("main")
    change_feature(curator, "to be reverted")
    proposal = open_proposal(curator)
    review(reviewer, proposal, "approve")
    assert curator.post(f"/api/v1/proposals/{proposal['id']}/merge/", {}).status_code == 201
    # main is protected: the revert lands on a branch and comes back through a proposal.
    get_store().create_branch("undo", start="main")
    response = curator.post("/api/v1/branches/undo/revert/", {"proposal": proposal["id"]})
    assert response.status_code == 201, response.json()
    assert get_store().snapshot("undo") == before


def test_a_proposal_shows_what_it_would_bring(curator, main_with_customer):
    change_feature(curator, "new words")
    proposal = open_proposal(curator)
    diff = curator.get(f"/api/v1/proposals/{proposal['id']}/diff/").json()
    (change,) = diff["changes"]
    assert (change["path"], change["after"]) == ("$.description", "new words")
