"""What lands on a protected branch was reviewed, at the head that was reviewed, by others."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from branches import proposals
from branches.models import Proposal, ProposalEvent, Review
from history.models import AuditEvent
from integrations.user_service.principal import SYSTEM, Principal, scopes_for
from ontology.services import Operation, elements_commit
from tests.branches.test_proposals import change_feature, open_proposal, review
from tests.ontology.conftest import client_for, head, url

pytestmark = pytest.mark.django_db


def merge_proposal(client, proposal: dict):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/proposals/{proposal['id']}/merge/", {}, format="json")


def main_description(client) -> str:  # type: ignore[no-untyped-def]
    return client.get(url("object-types", "Customer", branch="main")).json()["description"]


def test_a_push_between_the_checks_and_the_merge_never_lands_unreviewed(
    curator, reviewer, main_with_customer, monkeypatch
):
    change_feature(curator, "reviewed text")
    proposal = open_proposal(curator)
    assert review(reviewer, proposal, "approve").status_code == 201
    main_before = head("main")
    checked = proposals._checks

    def checks_then_push(*args, **kwargs):  # type: ignore[no-untyped-def]
        # Given the gate passed at the reviewed head, when a commit lands on the source
        # before the merge runs ...
        result = checked(*args, **kwargs)
        change_feature(curator, "pushed after approval")
        return result

    monkeypatch.setattr(proposals, "_checks", checks_then_push)
    response = merge_proposal(curator, proposal)
    # ... then the merge is refused and main holds neither version.
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "not_mergeable"
    assert head("main") == main_before
    assert Proposal.objects.get(pk=proposal["id"]).state == Proposal.OPEN
    assert Review.objects.get(proposal_id=proposal["id"]).dismissed is True


def test_the_approved_head_merges_exactly(curator, reviewer, main_with_customer):
    change_feature(curator, "reviewed text")
    proposal = open_proposal(curator)
    approved_head = head("feature")
    assert review(reviewer, proposal, "approve").status_code == 201
    merged = merge_proposal(curator, proposal)
    assert merged.status_code == 201, merged.json()
    assert merged.json()["sourceHead"] == approved_head
    assert merged.json()["commit"]["parents"][1] == approved_head


def test_a_push_dismisses_approvals_in_its_own_transaction(curator, reviewer, main_with_customer):
    change_feature(curator, "first")
    proposal = open_proposal(curator)
    assert review(reviewer, proposal, "approve").status_code == 201
    change_feature(curator, "second")
    approval = Review.objects.get(proposal_id=proposal["id"])
    assert approval.dismissed is True
    assert AuditEvent.objects.filter(type="oms.proposal.approval_dismissed").count() == 1


def test_reading_a_proposal_writes_nothing(curator, reviewer, main_with_customer):
    change_feature(curator, "first")
    proposal = open_proposal(curator)
    assert review(reviewer, proposal, "approve").status_code == 201
    change_feature(curator, "second")  # the approval is stale now
    counts = [m.objects.count() for m in (AuditEvent, ProposalEvent, Review)]
    dismissed = Review.objects.filter(dismissed=True).count()
    for _ in range(2):
        assert curator.get(f"/api/v1/proposals/{proposal['id']}/").status_code == 200
        assert curator.get(f"/api/v1/proposals/{proposal['id']}/reviews/").status_code == 200
        assert curator.get("/api/v1/proposals/").status_code == 200
    assert [m.objects.count() for m in (AuditEvent, ProposalEvent, Review)] == counts
    assert Review.objects.filter(dismissed=True).count() == dismissed


def test_an_author_of_the_merged_commits_cannot_approve(curator, main_with_customer):
    # The reviewer pushed a commit to the proposal's source: their approval would be the
    # author's own, even though someone else opened the proposal.
    second_reviewer = APIClient()
    roles = frozenset({"editor", "reviewer"})
    second_reviewer.force_authenticate(
        user=Principal(id="u-pat", username="pat", roles=roles, scopes=scopes_for(roles))
    )
    change_feature(second_reviewer, "written by the reviewer")
    proposal = open_proposal(curator)
    response = review(second_reviewer, proposal, "approve")
    assert response.status_code == 403
    assert response.json()["code"] == "review_refused"
    assert merge_proposal(curator, proposal).status_code == 409


def test_an_approval_from_a_commit_author_does_not_count(curator, reviewer, main_with_customer):
    change_feature(curator, "by the curator")
    proposal = open_proposal(client_for("admin"))
    # An approval recorded before the rule (or by any other door) is not counted either.
    Review.objects.create(
        proposal_id=proposal["id"], reviewer="editor", reviewer_id="u-editor",
        verdict=Review.APPROVE, source_head=head("feature"),
    )  # fmt: skip
    detail = curator.get(f"/api/v1/proposals/{proposal['id']}/").json()
    assert {c["name"]: c["passed"] for c in detail["checks"]}["approvals"] is False
    assert merge_proposal(curator, proposal).status_code == 409
    assert review(reviewer, proposal, "approve").status_code == 201
    assert merge_proposal(curator, proposal).status_code == 201


def test_a_proposal_merges_once_even_when_asked_twice(curator, reviewer, main_with_customer):
    change_feature(curator, "once")
    proposal = open_proposal(curator)
    assert review(reviewer, proposal, "approve").status_code == 201
    assert merge_proposal(curator, proposal).status_code == 201
    again = merge_proposal(curator, proposal)
    assert again.status_code == 409
    assert again.json()["code"] == "proposal_not_open"
    assert main_description(curator) == "once"


def test_protected_main_refuses_direct_writes_from_every_door(curator, admin, main_with_customer):
    main_before = head("main")
    refused = [
        curator.patch(url("object-types", "Customer", branch="main"), {"description": "x"},
                      format="json"),
        curator.post("/api/v1/branches/main/commits/", {"message": "m", "changes": [
            {"op": "create", "kind": "groups", "document": {"apiName": "G"}}]}, format="json"),
        curator.post("/api/v1/branches/main/merge/", {"source": "feature"}, format="json"),
        curator.post("/api/v1/branches/main/rebase/", {"onto": "feature"}, format="json"),
        admin.post("/api/v1/branches/main/reset/", {"to": "feature"}, format="json"),
        admin.delete("/api/v1/branches/main/"),
        curator.post("/api/v1/branches/main/import/", {"format": "oms-bundle", "formatVersion": 1,
                     "elements": [{"kind": "groups", "apiName": "G"}]}, format="json"),
        curator.post("/api/v1/branches/main/revert/", {"commit": main_before}, format="json"),
        admin.post("/api/v1/tags/", {"name": "t1", "target": "main"}, format="json"),
    ]  # fmt: skip
    *doors, tag = refused
    assert [r.status_code for r in doors] == [423] * len(doors), [r.json() for r in doors]
    assert tag.status_code == 201  # a tag changes no content: the tag-create door stays open
    assert head("main") == main_before


def test_the_system_actor_still_writes_protected_main_for_operators(main_with_customer):
    elements_commit(
        branch="main", actor=SYSTEM, message="operator load",
        operations=[Operation("create", "groups", body={"apiName": "Ops"})],
    )  # fmt: skip
