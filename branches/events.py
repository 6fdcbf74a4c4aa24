"""The events of branch and proposal operations: outbox rows written in the caller's
transaction (proposal transitions also in the proposal's own history)."""

from __future__ import annotations

from typing import Any

from branches.models import Proposal, ProposalEvent
from history.services import audit_event_record
from integrations.user_service.principal import Principal


def branch_event(type_: str, branch: str, actor: Principal, **data: Any) -> None:
    """Record a branch event in the audit outbox (in the caller's transaction)."""
    audit_event_record(
        type=type_, subject=f"branches/{branch}", actor=actor, branch=branch,
        commit=str(data.get("commit") or data.get("head") or ""), data={"branch": branch, **data},
    )  # fmt: skip


def proposal_event(
    proposal: Proposal, action: str, actor: Principal, **detail: Any
) -> ProposalEvent:
    """Record a state change on the proposal and announce it (one transaction)."""
    event = ProposalEvent.objects.create(
        proposal=proposal, action=action, actor=actor.username, detail=detail
    )
    audit_event_record(
        type=f"oms.proposal.{action}", subject=f"proposals/{proposal.pk}", actor=actor,
        branch=proposal.target, commit=str(detail.get("commit", "")),
        data={"proposal": proposal.pk, "source": proposal.source, "target": proposal.target,
              "title": proposal.title, "state": proposal.state, **detail},
    )  # fmt: skip
    return event
