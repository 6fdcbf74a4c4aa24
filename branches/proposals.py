"""Change proposals: open, review, gate, merge, close, reopen; every transition recorded.

The merge gate is the list ``MERGE_CHECKS``: each check looks at the proposal and the
merge preview and says pass or fail with a reason: open, approvals, conflicts, integrity and
compatibility (the target's modes, docs/compatibility.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from branches import plans, selectors, services
from branches.events import proposal_event
from branches.exceptions import (
    CompatibilityFailed,
    MergeConflict,
    NothingToMerge,
    NotMergeable,
    ProposalNotOpen,
    ReviewRefused,
    UnrelatedHistories,
)
from branches.models import Proposal, Review, Waiver
from branches.plans import Strategy
from branches.selectors import valid_approvals
from integrations.user_service.principal import APPROVE, SYSTEM, Principal
from ontology.exceptions import ElementReferenced, IntegrityFailed, InvalidElement
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
    if isinstance(error, IntegrityFailed | InvalidElement | ElementReferenced):
        return CheckResult("integrity", False, error.detail, {"errors": error.errors})
    if error is not None:
        return CheckResult("integrity", False, "not checked: the merge cannot be computed")
    return CheckResult("integrity", True, "the merged ontology passes every integrity check")


def check_compatibility(context: GateContext) -> CheckResult:
    error = context.preview_error
    if isinstance(error, CompatibilityFailed):
        return CheckResult(
            "compatibility", False, error.detail,
            {"findings": error.extra["findings"], "coverage": error.extra["coverage"]},
        )  # fmt: skip
    if error is not None:
        return CheckResult("compatibility", False, "not checked: the merge cannot be computed")
    mode = services.policy_of(context.proposal.target).compatibility_mode
    return CheckResult(
        "compatibility", True,
        f"nothing the target's modes forbid (branch mode {mode}); the full report: "
        "POST /api/v1/compatibility/check/",
    )  # fmt: skip


MERGE_CHECKS: list[Callable[[GateContext], CheckResult]] = [
    check_open, check_approvals, check_conflicts, check_integrity, check_compatibility,
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
        proposal_event(proposal, "opened", actor, source_head=store.resolve(source))
    return proposal


def proposal_update(*, proposal: Proposal, changes: dict[str, str], actor: Principal) -> Proposal:
    """Edit the title or description."""
    _must_be_open(proposal)
    for name, value in changes.items():
        setattr(proposal, name, value)
    with transaction.atomic():
        proposal.save()
        proposal_event(proposal, "updated", actor, fields=sorted(changes))
    return proposal


def proposal_review(*, proposal: Proposal, verdict: str, body: str, actor: Principal) -> Review:
    """Approve, request changes or comment; approvals hold for the current source head."""
    _must_be_open(proposal)
    if verdict in (Review.APPROVE, Review.REQUEST_CHANGES) and not actor.has_scope(APPROVE):
        raise ReviewRefused(f"Giving the verdict {verdict!r} needs the scope {APPROVE!r}.")
    store = get_store()
    head = store.resolve(proposal.source)
    if verdict == Review.APPROVE:
        if actor.id == proposal.author_id:
            raise ReviewRefused("Authors cannot approve their own proposals.")
        target_head = store.resolve(proposal.target)
        if actor.username in selectors.merged_authors(head=head, target_head=target_head):
            raise ReviewRefused("You authored commits of this proposal: another reviewer approves.")
    with transaction.atomic():
        review = Review.objects.create(
            proposal=proposal, reviewer=actor.username, reviewer_id=actor.id, verdict=verdict,
            body=body, source_head=head,
        )  # fmt: skip
        proposal_event(
            proposal, "reviewed", actor, verdict=verdict, review=review.pk, source_head=head
        )
    return review


def approvals_dismiss(*, source: str, head: str) -> int:
    """Dismiss approvals of open proposals from ``source`` given at another head.

    Called in the transaction of every write that moves ``source`` (the pipeline's
    ``head_moved``); reads never dismiss anything.
    """
    ids = _stale_approvals(source, head)
    stale = Review.objects.filter(id__in=ids).select_related("proposal") if ids else []
    dismissed = 0
    for review in stale:
        review.dismissed = True
        review.save(update_fields=["dismissed"])
        proposal_event(
            review.proposal, "approval_dismissed", SYSTEM, review=review.pk,
            reviewer=review.reviewer, reviewedHead=review.source_head, sourceHead=head,
        )  # fmt: skip
        dismissed += 1
    return dismissed


def _stale_approvals(source: str, head: str) -> list[int]:
    """Ids of the approvals :func:`approvals_dismiss` dismisses. Raw SQL: every write asks,
    and almost always finds none; building the ORM query cost more than running it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.id FROM {Review._meta.db_table} r "
            f"JOIN {Proposal._meta.db_table} p ON p.id = r.proposal_id "
            "WHERE p.source = %s AND p.state = %s AND r.verdict = %s AND NOT r.dismissed "
            "AND r.source_head <> %s ORDER BY r.id",
            [source, Proposal.OPEN, Review.APPROVE, head],
        )
        return [review_id for (review_id,) in cursor.fetchall()]


def proposal_checks(
    *, proposal: Proposal, resolutions: dict[str, Any] | None = None
) -> list[CheckResult]:
    """Every gate check for merging the proposal now (a pure read: nothing is written)."""
    return _checks(proposal, resolutions)[2]


def proposal_conflicts(
    *, proposal: Proposal, resolutions: dict[str, Any] | None = None
) -> tuple[list[CheckResult], list[dict[str, Any]]]:
    """The gate checks and the conflicts still unresolved by ``resolutions`` (a pure read)."""
    _, error, checks = _checks(proposal, resolutions)
    conflicts = error.extra.get("conflicts", []) if isinstance(error, MergeConflict) else []
    return checks, list(conflicts)


def _checks(
    proposal: Proposal, resolutions: dict[str, Any] | None
) -> tuple[str, Exception | None, list[CheckResult]]:
    """The source head the checks looked at, why the merge preview failed, and the checks."""
    store = get_store()
    head = store.resolve(proposal.source) if proposal.is_open else ""
    error: Exception | None = None
    approvals: list[Review] = []
    if proposal.is_open:
        preview = plans.ProposalMerge(
            source=proposal.source, source_head=head, resolutions=dict(resolutions or {}),
            proposal_id=proposal.pk, gate=False, waivers=approved_waivers(proposal),
        )  # fmt: skip
        try:
            services.merge_write(
                preview, target=proposal.target, actor=SYSTEM, message="", dry_run=True
            )
        except (MergeConflict, IntegrityFailed, NothingToMerge, UnrelatedHistories,
                RefNotFound, InvalidElement, ElementReferenced,
                CompatibilityFailed) as exc:  # fmt: skip
            error = exc
        approvals = valid_approvals(proposal, head, target_head=store.resolve(proposal.target))
    context = GateContext(
        proposal=proposal,
        approvals=approvals,
        required_approvals=services.policy_of(proposal.target).required_approvals,
        preview_error=error,
    )
    return head, error, [check(context) for check in MERGE_CHECKS]


def proposal_merge(
    *,
    proposal: Proposal,
    actor: Principal,
    strategy: Strategy = "merge",
    resolutions: dict[str, Any] | None = None,
    message: str = "",
    dry_run: bool = False,
) -> services.MergeOutcome:
    """Merge exactly the source head the checks passed at, and only while the gate holds.

    The approvals are counted again under the target's lock at that pinned head, so a
    commit pushed to the source meanwhile is not merged (it needs its own approval).
    """
    _must_be_open(proposal)
    head, error, checks = _checks(proposal, resolutions)
    if isinstance(error, InvalidElement):
        raise error  # the resolutions make a document its schema refuses: 400 with paths
    failed = [c for c in checks if not c.passed]
    if failed:
        raise NotMergeable(
            "; ".join(f"{c.name}: {c.detail}" for c in failed),
            checks=[check_dict(c) for c in checks],
        )
    waivers = approved_waivers(proposal)
    plan = plans.ProposalMerge(
        source=proposal.source, source_head=head, strategy=strategy,
        resolutions=dict(resolutions or {}), proposal_id=proposal.pk,
        required_approvals=services.policy_of(proposal.target).required_approvals,
        waivers=waivers,
    )  # fmt: skip
    message = message or f"Merge proposal #{proposal.pk}: {proposal.title}"
    if waivers:  # the merge commit says which breaks were let through, and who agreed
        message += "\n\n" + "\n".join(
            f"Waived {w.rule} {w.element} {w.path}: {w.reason} (approved by {w.approved_by}, "
            f"until {w.expires_at:%Y-%m-%d})"
            for w in waivers
        )
    outcome = services.merge_write(
        plan, target=proposal.target, actor=actor, dry_run=dry_run, message=message
    )
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
        proposal_event(proposal, action, actor)
    return proposal


def _must_be_open(proposal: Proposal) -> None:
    if not proposal.is_open:
        raise ProposalNotOpen(f"Proposal #{proposal.pk} is {proposal.state}.")


def check_dict(check: CheckResult) -> dict[str, Any]:
    return {"name": check.name, "passed": check.passed, "detail": check.detail, "data": check.data}


# -- waivers ----------------------------------------------------------------------------------


def approved_waivers(proposal: Proposal) -> tuple[Waiver, ...]:
    """The proposal's waivers that count now (approved, not expired)."""
    now = timezone.now()
    return tuple(w for w in proposal.waivers.order_by("id") if w.counts(now))


def waiver_request(
    *, proposal: Proposal, actor: Principal, rule: str, element: str, path: str, reason: str,
    expires_at: datetime,
) -> Waiver:  # fmt: skip
    """Ask to let one blocking finding through; it counts once another approver agrees."""
    _must_be_open(proposal)
    if expires_at <= timezone.now():
        raise InvalidChange("A waiver expires in the future.",
                            errors=[{"path": "$.expiresAt", "code": "invalid",
                                     "message": "Give a time in the future."}])  # fmt: skip
    with transaction.atomic():
        waiver = Waiver.objects.create(
            proposal=proposal, rule=rule, element=element, path=path, reason=reason,
            expires_at=expires_at, author=actor.username, author_id=actor.id,
        )  # fmt: skip
        proposal_event(proposal, "waiver_requested", actor, waiver=waiver.as_dict())
    return waiver


def waiver_approve(*, waiver: Waiver, actor: Principal) -> Waiver:
    """Approve a waiver: a holder of ``proposals:approve`` who did not ask for it."""
    _must_be_open(waiver.proposal)
    if not actor.has_scope(APPROVE):
        raise ReviewRefused(f"Approving a waiver needs the scope {APPROVE!r}.")
    if actor.id == waiver.author_id:
        raise ReviewRefused("Whoever asked for a waiver cannot approve it: another approver does.")
    with transaction.atomic():
        waiver.approved_by, waiver.approved_by_id = actor.username, actor.id
        waiver.approved_at = timezone.now()
        waiver.save(update_fields=["approved_by", "approved_by_id", "approved_at"])
        proposal_event(waiver.proposal, "waiver_approved", actor, waiver=waiver.as_dict())
    return waiver
