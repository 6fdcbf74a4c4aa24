"""Change proposals: open, review, gate, merge, close, reopen; every transition recorded.

The merge gate is the list ``MERGE_CHECKS``: each check looks at the proposal and the
merge preview and says pass or fail with a reason. Later gates (compatibility, waivers)
plug in by appending to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from branches import services
from branches.exceptions import (
    MergeConflict,
    NothingToMerge,
    NotMergeable,
    ProposalNotOpen,
    ReviewRefused,
    UnrelatedHistories,
)
from branches.models import Proposal, ProposalEvent, Review
from history.models import CommitProposal
from history.services import audit_event_record, commit_proposals_record
from integrations.user_service.principal import APPROVE, SYSTEM, Principal
from ontology.exceptions import IntegrityFailed
from ontology.storage import get_store
from ontology.storage.exceptions import InvalidChange, RefNotFound


@dataclass(frozen=True)
class CheckResult:
    """One gate check's outcome."""

    name: str
    passed: bool
    detail: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class GateContext:
    """What the checks look at: the proposal, its approvals and the merge preview."""

    proposal: Proposal
    approvals: list[Review]
    required_approvals: int
    preview_error: Exception | None


def check_open(context: GateContext) -> CheckResult:
    passed = context.proposal.is_open
    return CheckResult(
        "open", passed, "open" if passed else f"the proposal is {context.proposal.state}"
    )


def check_approvals(context: GateContext) -> CheckResult:
    have, need = len(context.approvals), context.required_approvals
    return CheckResult(
        "approvals", have >= need, f"{have} of {need} required approval(s)",
        {"approvedBy": [r.reviewer for r in context.approvals], "required": need},
    )  # fmt: skip


def check_conflicts(context: GateContext) -> CheckResult:
    error = context.preview_error
    if isinstance(error, MergeConflict):
        return CheckResult(
            "conflicts", False, error.detail, {"conflicts": error.extra["conflicts"]}
        )
    if isinstance(error, UnrelatedHistories | NothingToMerge):
        return CheckResult("conflicts", False, error.detail)
    return CheckResult("conflicts", True, "no conflicts")


def check_integrity(context: GateContext) -> CheckResult:
    error = context.preview_error
    if isinstance(error, IntegrityFailed):
        return CheckResult("integrity", False, error.detail, {"errors": error.errors})
    if error is not None:
        return CheckResult("integrity", False, "not checked: the merge cannot be computed")
    return CheckResult("integrity", True, "the merged ontology passes every integrity check")


MERGE_CHECKS: list[Callable[[GateContext], CheckResult]] = [
    check_open, check_approvals, check_conflicts, check_integrity,
]  # fmt: skip


# -- services ---------------------------------------------------------------------------------


def proposal_open(
    *, source: str, target: str, title: str, description: str, actor: Principal
) -> Proposal:
    """Open a proposal to bring ``source`` into ``target``."""
    store = get_store()
    store.get_branch(source)
    store.get_branch(target)
    if source == target:
        raise InvalidChange("A proposal needs two different branches.")
    with transaction.atomic():
        proposal = Proposal.objects.create(
            source=source, target=target, title=title, description=description,
            author=actor.username, author_id=actor.id,
        )  # fmt: skip
        _event(proposal, "opened", actor, source_head=store.resolve(source))
    return proposal


def proposal_update(*, proposal: Proposal, changes: dict[str, str], actor: Principal) -> Proposal:
    """Edit the title or description."""
    _must_be_open(proposal)
    for name, value in changes.items():
        setattr(proposal, name, value)
    with transaction.atomic():
        proposal.save()
        _event(proposal, "updated", actor, fields=sorted(changes))
    return proposal


def proposal_review(*, proposal: Proposal, verdict: str, body: str, actor: Principal) -> Review:
    """Approve, request changes or comment; approvals hold for the current source head."""
    _must_be_open(proposal)
    if verdict in (Review.APPROVE, Review.REQUEST_CHANGES):
        if not actor.has_scope(APPROVE):
            raise ReviewRefused(f"Giving the verdict {verdict!r} needs the scope {APPROVE!r}.")
        if actor.id == proposal.author_id and verdict == Review.APPROVE:
            raise ReviewRefused("Authors cannot approve their own proposals.")
    head = get_store().resolve(proposal.source)
    with transaction.atomic():
        review = Review.objects.create(
            proposal=proposal, reviewer=actor.username, reviewer_id=actor.id, verdict=verdict,
            body=body, source_head=head,
        )  # fmt: skip
        _event(proposal, "reviewed", actor, verdict=verdict, review=review.pk, source_head=head)
    return review


def dismiss_stale_approvals(proposal: Proposal) -> str:
    """Dismiss approvals given at an older head of the source; returns the current head."""
    head = get_store().resolve(proposal.source)
    stale = proposal.reviews.filter(verdict=Review.APPROVE, dismissed=False).exclude(
        source_head=head
    )
    with transaction.atomic():
        for review in stale.select_for_update():
            review.dismissed = True
            review.save(update_fields=["dismissed"])
            _event(
                proposal, "approval_dismissed", SYSTEM, review=review.pk,
                reviewer=review.reviewer, reviewedHead=review.source_head, sourceHead=head,
            )  # fmt: skip
    return head


def valid_approvals(proposal: Proposal, head: str) -> list[Review]:
    """Approvals at ``head``, one per reviewer, not withdrawn by a later request for changes."""
    latest: dict[str, Review] = {}
    for review in proposal.reviews.filter(dismissed=False, source_head=head).exclude(
        verdict=Review.COMMENT
    ):
        latest[review.reviewer_id] = review
    return [
        r
        for r in latest.values()
        if r.verdict == Review.APPROVE and r.reviewer_id != proposal.author_id
    ]


def proposal_checks(
    *, proposal: Proposal, resolutions: dict[str, Any] | None = None
) -> list[CheckResult]:
    """Every gate check for merging the proposal now."""
    head = dismiss_stale_approvals(proposal) if proposal.is_open else ""
    error: Exception | None = None
    if proposal.is_open:
        try:
            services.branch_merge(
                source=proposal.source, target=proposal.target, actor=SYSTEM, strategy="merge",
                resolutions=resolutions, dry_run=True, via_proposal=True,
            )  # fmt: skip
        except (
            MergeConflict,
            IntegrityFailed,
            NothingToMerge,
            UnrelatedHistories,
            RefNotFound,
        ) as exc:
            error = exc
    context = GateContext(
        proposal=proposal,
        approvals=valid_approvals(proposal, head) if head else [],
        required_approvals=services.policy_of(proposal.target).required_approvals,
        preview_error=error,
    )
    return [check(context) for check in MERGE_CHECKS]


def proposal_merge(
    *,
    proposal: Proposal,
    actor: Principal,
    strategy: services.Strategy = "merge",
    resolutions: dict[str, Any] | None = None,
    message: str = "",
    dry_run: bool = False,
) -> services.MergeOutcome:
    """Merge when every gate check passes; records the merge commit on the proposal."""
    _must_be_open(proposal)
    checks = proposal_checks(proposal=proposal, resolutions=resolutions)
    failed = [c for c in checks if not c.passed]
    if failed:
        raise NotMergeable(
            "; ".join(f"{c.name}: {c.detail}" for c in failed),
            checks=[check_dict(c) for c in checks],
        )
    head = get_store().resolve(proposal.source)
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        _must_be_open(locked)
        outcome = services.branch_merge(
            source=proposal.source, target=proposal.target, actor=actor, strategy=strategy,
            resolutions=resolutions, dry_run=dry_run, via_proposal=True,
            expected_source_head=head,
            message=message or f"Merge proposal #{proposal.pk}: {proposal.title}",
        )  # fmt: skip
        if not dry_run and outcome.written and outcome.written.commit:
            locked.state = Proposal.MERGED
            locked.merged_commit = outcome.written.commit.id
            locked.merged_by = actor.username
            locked.merged_at = timezone.now()
            locked.save()
            _event(locked, "merged", actor, commit=locked.merged_commit, strategy=strategy)
            commit_proposals_record(
                proposal_id=locked.pk, target=locked.target, source_head=outcome.source_head,
                base=outcome.base,
            )  # fmt: skip
            CommitProposal.objects.get_or_create(
                commit=locked.merged_commit, target=locked.target,
                defaults={"proposal_id": locked.pk},
            )  # fmt: skip
            proposal.refresh_from_db()
    return outcome


def proposal_close(*, proposal: Proposal, actor: Principal) -> Proposal:
    """Close without merging."""
    _must_be_open(proposal)
    return _set_state(proposal, Proposal.CLOSED, "closed", actor)


def proposal_reopen(*, proposal: Proposal, actor: Principal) -> Proposal:
    """Reopen a closed proposal (merged ones stay merged)."""
    if proposal.state != Proposal.CLOSED:
        raise ProposalNotOpen(f"Only closed proposals reopen; #{proposal.pk} is {proposal.state}.")
    get_store().get_branch(proposal.source)
    return _set_state(proposal, Proposal.OPEN, "reopened", actor)


def _set_state(proposal: Proposal, state: str, action: str, actor: Principal) -> Proposal:
    with transaction.atomic():
        proposal.state = state
        proposal.save(update_fields=["state", "updated_at"])
        _event(proposal, action, actor)
    return proposal


def _must_be_open(proposal: Proposal) -> None:
    if not proposal.is_open:
        raise ProposalNotOpen(f"Proposal #{proposal.pk} is {proposal.state}.")


def _event(proposal: Proposal, action: str, actor: Principal, **detail: Any) -> ProposalEvent:
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


def check_dict(check: CheckResult) -> dict[str, Any]:
    return {"name": check.name, "passed": check.passed, "detail": check.detail, "data": check.data}
