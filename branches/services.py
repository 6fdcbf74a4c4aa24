"""Writes to branches: create, delete, policy, merge, rebase, revert, reset.

Every operation that changes the ontology is a typed plan (``branches.plans``) handed to the
write pipeline (``ontology.pipeline``); branch creation and deletion pass the same guard
through ``pipeline.ref_write``. :func:`write_guard` is that guard: the one place where a
branch policy admits or refuses a door. The actor is always an explicit argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from branches import merge, plans
from branches.events import branch_event
from branches.exceptions import BranchProtected
from branches.models import BranchPolicy, CompatibilityOverride, Proposal
from branches.plans import Strategy
from branches.rules import Rules, rules_of
from integrations.user_service.principal import Principal
from ontology import pipeline
from ontology.kinds import KINDS
from ontology.storage import get_store
from ontology.storage.base import Document, Ref, validate_ref_name
from ontology.storage.exceptions import InvalidChange, InvalidName, RefExists

# Path segments below /branches/{name}/: a branch name may not contain them as a segment.
RESERVED_SEGMENTS = {
    *KINDS, "commits", "merge", "rebase", "revert", "reset", "export", "import", "validate",
}  # fmt: skip


def write_guard(*, branch: str, actor: Principal, door: pipeline.Door) -> Rules:
    """The pipeline's guard step (``OMS_WRITE_GUARD``): refuse what the branch policy forbids.
    The rules it read go on to the compatibility gate (``write_gate``)."""
    if door in ("reset", "branch-delete") and branch == get_store().default_branch:
        raise BranchProtected(f"Branch {branch!r} is the default branch: no {door}.")
    rules = rules_of(branch)
    if not rules.allows(actor, door):
        how = "merge through a proposal" if door != "reset" else "it cannot be reset"
        raise BranchProtected(f"Branch {branch!r} is protected: {how}.", branch=branch)
    return rules


def branch_create(*, name: str, start: str, actor: Principal, dry_run: bool = False) -> Ref:
    """Create ``name`` at the commit ``start`` (a branch, tag or commit id) resolves to
    (``dry_run``: every check, and the branch as it would be, nothing created)."""
    reserved = RESERVED_SEGMENTS.intersection(name.split("/"))
    if reserved:
        raise InvalidName(
            f"Branch name {name!r} uses the reserved segment {sorted(reserved)[0]!r}.",
            errors=[{"path": "$.name", "code": "reserved", "message": "Reserved path segment."}],
        )
    store = get_store()
    existing = {b.name for b in store.branches()}
    base = start if start in existing else ""
    if dry_run:
        validate_ref_name(name)
        if name in existing:
            raise RefExists(f"A branch named {name!r} exists.")
        return Ref(name, "branch", store.resolve(start), timezone.now(), actor.username)

    def record(ref: Ref | None) -> Ref:
        assert ref is not None
        BranchPolicy.objects.update_or_create(branch=name, defaults={"base": base})
        branch_event("oms.branch.created", name, actor, head=ref.head, start=start)
        return ref

    return pipeline.ref_write(
        change=pipeline.RefChange("branch-create", name, start), actor=actor, record=record
    )


def branch_delete(*, name: str, actor: Principal) -> None:
    """Delete a branch: never the default or a protected one, nor one with open proposals."""
    head = get_store().get_branch(name).head
    open_ids = sorted(
        Proposal.objects.filter(Q(source=name) | Q(target=name), state=Proposal.OPEN).values_list(
            "id", flat=True
        )
    )
    if open_ids:
        raise BranchProtected(
            f"Branch {name!r} has open proposals {open_ids}; close them first.",
            proposals=open_ids,
        )

    def record(ref: Ref | None) -> None:
        BranchPolicy.objects.filter(branch=name).delete()
        branch_event("oms.branch.deleted", name, actor, head=head)

    pipeline.ref_write(change=pipeline.RefChange("branch-delete", name), actor=actor, record=record)


def policy_of(branch: str) -> BranchPolicy:
    """The branch's policy (an unsaved default one when it has none)."""
    return BranchPolicy.objects.filter(branch=branch).first() or BranchPolicy(branch=branch)


def branch_policy_update(*, name: str, changes: dict[str, Any], actor: Principal) -> BranchPolicy:
    """Change protection, required approvals or compatibility mode of a branch."""
    get_store().get_branch(name)  # 404 for unknown branches
    policy = policy_of(name)
    overrides = changes.pop("compatibility_overrides", None)
    for field, value in changes.items():
        setattr(policy, field, value)
    policy.updated_by = actor.username
    with transaction.atomic():
        policy.save()
        if overrides is not None:
            CompatibilityOverride.objects.filter(branch=name).delete()
            CompatibilityOverride.objects.bulk_create(
                CompatibilityOverride(branch=name, updated_by=actor.username, **o)
                for o in overrides
            )
            changes["compatibility_overrides"] = [
                f"{o['scope']} {o['name']}: {o['mode']}" for o in overrides
            ]
        branch_event(
            "oms.branch.policyChanged", name, actor, **{k: str(v) for k, v in changes.items()}
        )
    return policy


# -- merging ----------------------------------------------------------------------------------


@dataclass
class MergeOutcome:
    """What a merge did or would do."""

    written: pipeline.Written | None
    base: str
    source_head: str
    target_head: str
    conflicts: list[merge.Conflict]
    changes: dict[str, Document | None]
    dry_run: bool = False


def branch_merge(
    *,
    source: str,
    target: str,
    actor: Principal,
    strategy: Strategy = "merge",
    resolutions: dict[str, Any] | None = None,
    message: str = "",
    dry_run: bool = False,
) -> MergeOutcome:
    """Merge ``source`` into ``target``: a merge commit (two parents) or a squash commit.

    Refused for protected targets (merge through a proposal). Unresolved conflicts are 409
    with the list and change nothing; the merged result must pass schema and integrity.
    """
    plan = plans.BranchMerge(
        source=source, source_head=get_store().resolve(source), strategy=strategy,
        resolutions=dict(resolutions or {}),
    )  # fmt: skip
    return merge_write(
        plan, target=target, actor=actor, message=message or f"Merge {source} into {target}",
        dry_run=dry_run,
    )  # fmt: skip


def merge_write(
    plan: plans.BranchMerge, *, target: str, actor: Principal, message: str, dry_run: bool
) -> MergeOutcome:
    """Run a merge plan through the pipeline and say what it did."""
    written = pipeline.write(
        branch=target, plan=plan, actor=actor, message=message, dry_run=dry_run
    )
    return MergeOutcome(
        written=written, base=plan.base, source_head=plan.source_head, target_head=written.head,
        conflicts=[], changes=written.changes, dry_run=dry_run,
    )  # fmt: skip


def branch_rebase(
    *,
    branch: str,
    onto: str,
    actor: Principal,
    resolutions: dict[str, Any] | None = None,
    dry_run: bool = False,
) -> MergeOutcome:
    """Bring ``onto``'s changes into ``branch`` (update a branch from its target)."""
    plan = plans.BranchRebase(
        source=onto, source_head=get_store().resolve(onto), resolutions=dict(resolutions or {})
    )
    return merge_write(
        plan, target=branch, actor=actor, message=f"Update {branch} from {onto}", dry_run=dry_run
    )


def branch_revert(
    *,
    branch: str,
    commit: str,
    actor: Principal,
    resolutions: dict[str, Any] | None = None,
    message: str = "",
    dry_run: bool = False,
) -> MergeOutcome:
    """Undo one commit (for a merge commit: what it brought) as a new commit on ``branch``."""
    store = get_store()
    info = store.get_commit(store.resolve(commit))
    if not info.parents:
        raise InvalidChange("The root commit cannot be reverted.")
    plan = plans.CommitRevert(commit=info, resolutions=dict(resolutions or {}))
    written = pipeline.write(
        branch=branch, plan=plan, actor=actor, dry_run=dry_run,
        message=message or f"Revert \"{info.message}\"\n\nThis reverts commit {info.id}.",
    )  # fmt: skip
    return MergeOutcome(
        written=written, base=info.id, source_head=info.parents[0], target_head=written.head,
        conflicts=[], changes=written.changes, dry_run=dry_run,
    )  # fmt: skip


def branch_reset(
    *, branch: str, to: str, actor: Principal, expected_head: str | None = None
) -> Ref:
    """Point an unprotected branch at another commit (admins only; nothing is deleted)."""
    pipeline.write(
        branch=branch, plan=plans.BranchReset(to=to), actor=actor, message=f"Reset to {to}",
        expected_head=expected_head,
    )  # fmt: skip
    return get_store().get_branch(branch)
