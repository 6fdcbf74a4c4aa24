"""Writes to branches: create, delete, policy, merge, rebase, revert, reset.

Every operation that changes elements goes through ``ontology.services.changes_commit``:
it runs under the branch lock, is checked for integrity, and is one commit. The actor is
always an explicit argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.db import transaction
from django.db.models import Q

from branches import merge
from branches.exceptions import (
    BranchProtected,
    InvalidResolution,
    MergeConflict,
    NothingToMerge,
    UnrelatedHistories,
)
from branches.models import BranchPolicy
from history.services import audit_event_record
from integrations.user_service.principal import Principal
from ontology.catalog import Catalog, catalogs
from ontology.kinds import KINDS
from ontology.services import Written, changes_commit
from ontology.storage import get_store
from ontology.storage.base import Document, Ref
from ontology.storage.exceptions import HeadMoved, InvalidChange, InvalidName

Strategy = Literal["merge", "squash"]


# Path segments below /branches/{name}/: a branch name may not contain them as a segment.
RESERVED_SEGMENTS = {
    *KINDS, "commits", "merge", "rebase", "revert", "reset", "export", "import", "validate",
}  # fmt: skip


def branch_create(*, name: str, start: str, actor: Principal) -> Ref:
    """Create ``name`` at the commit ``start`` (a branch, tag or commit id) resolves to."""
    reserved = RESERVED_SEGMENTS.intersection(name.split("/"))
    if reserved:
        raise InvalidName(
            f"Branch name {name!r} uses the reserved segment {sorted(reserved)[0]!r}.",
            errors=[{"path": "$.name", "code": "reserved", "message": "Reserved path segment."}],
        )
    store = get_store()
    with transaction.atomic():
        ref = store.create_branch(name, start=start, author=actor.username)
        base = start if start in {b.name for b in store.branches()} else ""
        BranchPolicy.objects.update_or_create(branch=name, defaults={"base": base})
        _announce("oms.branch.created", name, actor, head=ref.head, start=start)
    return ref


def branch_delete(*, name: str, actor: Principal) -> None:
    """Delete a branch: never the default or a protected one, nor one with open proposals."""
    from branches.models import Proposal

    store = get_store()
    if name == store.default_branch or policy_of(name).protected:
        raise BranchProtected(f"Branch {name!r} is protected and cannot be deleted.")
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
    with transaction.atomic():
        head = store.get_branch(name).head
        store.delete_branch(name)
        BranchPolicy.objects.filter(branch=name).delete()
        _announce("oms.branch.deleted", name, actor, head=head)


def policy_of(branch: str) -> BranchPolicy:
    """The branch's policy (an unsaved default one when it has none)."""
    return BranchPolicy.objects.filter(branch=branch).first() or BranchPolicy(branch=branch)


def branch_policy_update(*, name: str, changes: dict[str, Any], actor: Principal) -> BranchPolicy:
    """Change protection, required approvals or compatibility mode of a branch."""
    get_store().get_branch(name)  # 404 for unknown branches
    policy = policy_of(name)
    for field, value in changes.items():
        setattr(policy, field, value)
    policy.updated_by = actor.username
    with transaction.atomic():
        policy.save()
        _announce(
            "oms.branch.policyChanged", name, actor, **{k: str(v) for k, v in changes.items()}
        )
    return policy


# -- merging ----------------------------------------------------------------------------------


@dataclass
class MergeOutcome:
    """What a merge did or would do."""

    written: Written | None
    base: str
    source_head: str
    target_head: str
    conflicts: list[merge.Conflict]
    changes: dict[str, Document | None]
    dry_run: bool = False


def _three_way(
    base: str, source_head: str, target: Catalog, resolutions: dict | None
) -> merge.MergeResult:  # type: ignore[type-arg]
    store = get_store()
    cache = catalogs(store)
    return merge.three_way(
        cache.at(base),
        cache.at(source_head),
        target,
        source_changed=store.changed_ids(base, source_head),
        target_changed=store.changed_ids(base, target.commit),
        resolutions=resolutions,
    )


def branch_merge(
    *,
    source: str,
    target: str,
    actor: Principal,
    strategy: Strategy = "merge",
    resolutions: dict[str, Any] | None = None,
    message: str = "",
    dry_run: bool = False,
    via_proposal: bool = False,
    expected_source_head: str | None = None,
) -> MergeOutcome:
    """Merge ``source`` into ``target``: a merge commit (two parents) or a squash commit.

    Refused for protected targets unless it is a proposal's merge. Unresolved conflicts are
    409 with the list and change nothing; the merged result must pass integrity (422).
    """
    if not via_proposal and policy_of(target).protected:
        raise BranchProtected(f"Branch {target!r} is protected: merge through a proposal.")
    store = get_store()
    source_head = store.resolve(source)
    if expected_source_head is not None and source_head != expected_source_head:
        raise HeadMoved(f"{source!r} moved to {source_head}.", head=source_head)
    base = store.merge_base(source_head, store.resolve(target))
    if base is None:
        raise UnrelatedHistories(f"{source!r} and {target!r} share no history.")
    outcome: dict[str, Any] = {}

    def plan(current: Catalog) -> dict[str, Document | None]:
        # The target may have moved since ``base`` was found: recompute against its head.
        merge_base = store.merge_base(source_head, current.commit) or base
        result = _three_way(merge_base, source_head, current, resolutions)
        _refuse_bad_resolutions(result)
        outcome.update(base=merge_base, target_head=current.commit, result=result)
        if result.conflicts:
            raise MergeConflict(
                f"{len(result.conflicts)} conflict(s) between {source!r} and {target!r}.",
                conflicts=[c.as_dict() for c in result.conflicts],
            )
        if not result.changes and (strategy == "squash" or merge_base == source_head):
            raise NothingToMerge(f"{target!r} already contains everything in {source!r}.")
        return result.changes

    with transaction.atomic():
        written = changes_commit(
            branch=target, actor=actor, plan=plan, dry_run=dry_run,
            message=message or f"Merge {source} into {target}",
            merge_parent=source_head if strategy == "merge" else None,
        )  # fmt: skip
        if written.commit is not None:
            _announce(
                "oms.branch.merged", target, actor, commit=written.commit.id, source=source,
                sourceHead=source_head, strategy=strategy, elements=len(written.changes),
            )  # fmt: skip
    return MergeOutcome(
        written=written, base=outcome["base"], source_head=source_head,
        target_head=outcome["target_head"], conflicts=[], changes=written.changes,
        dry_run=dry_run,
    )  # fmt: skip


def _refuse_bad_resolutions(result: merge.MergeResult) -> None:
    if result.unused_resolutions:
        raise InvalidResolution(
            "These resolutions name no conflict of this merge: "
            + ", ".join(result.unused_resolutions),
            errors=[{"path": f"$.resolutions[{k!r}]", "code": "unknown_conflict",
                     "message": "No such conflict."} for k in result.unused_resolutions],
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
    return branch_merge(
        source=onto, target=branch, actor=actor, strategy="merge", resolutions=resolutions,
        message=f"Update {branch} from {onto}", dry_run=dry_run,
    )  # fmt: skip


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
    parent = info.parents[0]
    if policy_of(branch).protected and not getattr(actor, "source", "") == "system":
        raise BranchProtected(f"Branch {branch!r} is protected: revert through a proposal.")
    cache = catalogs(store)
    outcome: dict[str, Any] = {}

    def plan(current: Catalog) -> dict[str, Document | None]:
        # Three-way with the reverted commit as base and its parent as "source".
        result = merge.three_way(
            cache.at(info.id), cache.at(parent), current,
            source_changed=store.changed_ids(info.id, parent),
            target_changed=store.changed_ids(info.id, current.commit),
            resolutions=resolutions,
        )  # fmt: skip
        _refuse_bad_resolutions(result)
        outcome["target_head"] = current.commit
        if result.conflicts:
            raise MergeConflict(
                f"Reverting {info.id[:12]} conflicts with later changes.",
                conflicts=[c.as_dict() for c in result.conflicts],
            )
        if not result.changes:
            raise NothingToMerge(f"{branch!r} no longer contains the changes of {info.id[:12]}.")
        return result.changes

    written = changes_commit(
        branch=branch, actor=actor, plan=plan, dry_run=dry_run,
        message=message or f"Revert \"{info.message}\"\n\nThis reverts commit {info.id}.",
    )  # fmt: skip
    return MergeOutcome(
        written=written, base=info.id, source_head=parent, target_head=outcome["target_head"],
        conflicts=[], changes=written.changes, dry_run=dry_run,
    )  # fmt: skip


def branch_reset(
    *, branch: str, to: str, actor: Principal, expected_head: str | None = None
) -> Ref:
    """Point an unprotected branch at another commit (admins only; nothing is deleted)."""
    store = get_store()
    if branch == store.default_branch or policy_of(branch).protected:
        raise BranchProtected(f"Branch {branch!r} is protected and cannot be reset.")
    with transaction.atomic():
        before = store.get_branch(branch).head
        ref = store.reset_branch(branch, to=to, expected_head=expected_head)
        _announce("oms.branch.reset", branch, actor, head=ref.head, previousHead=before)
    return ref


def _announce(type_: str, branch: str, actor: Principal, **data: Any) -> None:
    """Record a branch event in the audit outbox (in the caller's transaction)."""
    audit_event_record(
        type=type_, subject=f"branches/{branch}", actor=actor, branch=branch,
        commit=str(data.get("commit") or data.get("head") or ""), data={"branch": branch, **data},
    )  # fmt: skip
