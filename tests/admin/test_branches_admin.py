"""Curators change branch policies and proposals in the admin only as the API would."""

from __future__ import annotations

import pytest

from branches.models import BranchPolicy, Proposal, Review
from branches.proposals import proposal_open
from branches.services import branch_create
from history.models import AuditEvent
from integrations.user_service.principal import SYSTEM
from ontology.storage import get_store

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def branches(main_branch) -> None:
    """main (protected by its migration-made policy) and an open branch ``dev``."""
    BranchPolicy.objects.update_or_create(
        branch="main", defaults={"protected": True, "required_approvals": 1}
    )
    branch_create(name="dev", start="main", actor=SYSTEM)


def test_a_policy_saved_in_the_admin_is_announced_like_the_api(signed_in, live_server, branches):
    page = signed_in
    page.goto(f"{live_server.url}/admin/branches/branchpolicy/dev/change/")
    page.check("#id_protected")
    page.fill("#id_required_approvals", "2")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    policy = BranchPolicy.objects.get(branch="dev")
    assert (policy.protected, policy.required_approvals, policy.updated_by) == (True, 2, "curator")
    event = AuditEvent.objects.get(type="oms.branch.policyChanged")
    assert event.actor == "curator"
    assert event.data["protected"] == "True" and event.data["required_approvals"] == "2"


def test_the_admin_cannot_delete_or_add_policies(signed_in, live_server, branches):
    page = signed_in
    assert page.goto(f"{live_server.url}/admin/branches/branchpolicy/main/delete/").status == 403
    assert page.goto(f"{live_server.url}/admin/branches/branchpolicy/add/").status == 403
    page.goto(f"{live_server.url}/admin/branches/branchpolicy/main/change/")
    assert page.locator("a.deletelink").count() == 0
    assert BranchPolicy.objects.get(branch="main").protected is True


def test_the_admin_cannot_add_a_proposal(signed_in, live_server, branches):
    assert signed_in.goto(f"{live_server.url}/admin/branches/proposal/add/").status == 403
    assert not Proposal.objects.exists()


def test_a_merged_proposal_is_read_only_and_reviews_are_never_editable(
    signed_in, live_server, branches
):
    page = signed_in
    proposal = proposal_open(source="dev", target="main", title="T", description="", actor=SYSTEM)
    Review.objects.create(
        proposal=proposal, reviewer="r", reviewer_id="u-r", verdict="approve", source_head="x"
    )
    page.goto(f"{live_server.url}/admin/branches/proposal/{proposal.pk}/change/")
    assert page.locator("input[name$=reviewer_id]").count() == 0
    page.fill("#id_title", "A better title")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    proposal.refresh_from_db()
    assert proposal.title == "A better title"
    assert AuditEvent.objects.filter(type="oms.proposal.updated").count() == 1
    Proposal.objects.filter(pk=proposal.pk).update(state=Proposal.MERGED)
    page.goto(f"{live_server.url}/admin/branches/proposal/{proposal.pk}/change/")
    assert page.locator("#id_title").count() == 0
    assert page.locator("input[name=_save]").count() == 0
    assert get_store().get_branch("main")
