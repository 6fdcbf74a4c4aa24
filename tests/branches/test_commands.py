"""Operators' commands for scripts: branch_create and proposal_merge, thin over the services
(the same checks as the API), each with --dry-run."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from branches.models import Proposal
from ontology.storage import get_store
from tests.ontology.conftest import client_for


def test_branch_create_makes_a_branch_and_its_dry_run_makes_none(dev, capsys):
    call_command("branch_create", "feature/a", "--from", "dev", "--dry-run")
    assert "Would create branch feature/a" in capsys.readouterr().out
    assert "feature/a" not in {b.name for b in get_store().branches()}
    call_command("branch_create", "feature/a", "--from", "dev")
    assert get_store().get_branch("feature/a").head == get_store().get_branch("dev").head
    for name, why in (("feature/a", "exists"), ("x/merge", "reserved"), ("bad name", "invalid")):
        with pytest.raises(CommandError, match=why):
            call_command("branch_create", name, "--dry-run")


def test_proposal_merge_refuses_until_the_checks_pass(main_with_customer, capsys):
    editor = client_for("editor")
    editor.patch("/api/v1/branches/feature/object-types/Customer/", {"description": "x"},
                 format="json")  # fmt: skip
    proposal = Proposal.objects.create(source="feature", target="main", title="x",
                                       author="editor", author_id="u-editor")  # fmt: skip
    with pytest.raises(CommandError, match="approvals: 0 of 1"):
        call_command("proposal_merge", str(proposal.pk))
    client_for("reviewer").post(f"/api/v1/proposals/{proposal.pk}/reviews/",
                                {"verdict": "approve"}, format="json")  # fmt: skip
    call_command("proposal_merge", str(proposal.pk), "--dry-run")
    assert "every check passes" in capsys.readouterr().out
    proposal.refresh_from_db()
    assert proposal.state == Proposal.OPEN
    call_command("proposal_merge", str(proposal.pk))
    proposal.refresh_from_db()
    assert proposal.state == Proposal.MERGED
    assert f"as {proposal.merged_commit}" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No proposal #999"):
        call_command("proposal_merge", "999")
