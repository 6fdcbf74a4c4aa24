"""The branch operations as typed plans for the write pipeline (``ontology.pipeline``).

Each plan derives its change from the catalog of the locked target head: a merge (or
rebase) of a pinned source commit, a proposal's merge of the approved head, a revert, a
reset. The pipeline then checks the schema of every document the plan writes (merge
resolutions included), the integrity of the result, commits and announces; ``record``
writes the plan's own events in the commit's transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, cast

from django.utils import timezone

from branches import merge
from branches.events import branch_event, proposal_event
from branches.exceptions import (
    InvalidResolution,
    MergeConflict,
    NothingToMerge,
    NotMergeable,
    ProposalNotOpen,
    UnrelatedHistories,
)
from branches.models import Proposal, Waiver
from branches.selectors import valid_approvals
from history.models import CommitProposal
from history.services import commit_proposals_record
from integrations.user_service.principal import Principal
from ontology import pipeline
from ontology.catalog import Catalog, catalog_for
from ontology.storage import get_store
from ontology.storage.base import CommitInfo, Document

Strategy = Literal["merge", "squash"]


@dataclass
class ThreeWay(pipeline.Plan):
    """Bring what ``source`` changed since ``base`` onto the locked head, field by field.

    A merge takes the merge base of the source and the head; a revert takes the reverted
    commit as base and its parent as source. Resolutions settle conflicts by key; a value
    resolution is checked with the rest of its document by the pipeline's schema step.
    """

    resolutions: dict[str, Any] = field(default_factory=dict)
    result: merge.MergeResult | None = None

    def three_way(self, base: str, source: str, target: Catalog) -> merge.MergeResult:
        store = get_store()
        hint = getattr(self, "source", "")  # a merge's source branch; a revert has none
        self.result = merge.three_way(
            catalog_for(store, base, branch=target.base),  # the target forked there
            catalog_for(store, source, branch=hint or target.base), target,
            source_changed=store.changed_ids(base, source),
            target_changed=store.changed_ids(base, target.commit),
            resolutions=self.resolutions,
        )  # fmt: skip
        if self.result.unused_resolutions:
            raise InvalidResolution(
                "These resolutions name no conflict of this merge: "
                + ", ".join(self.result.unused_resolutions),
                errors=[{"path": f"$.resolutions[{k!r}]", "code": "unknown_conflict",
                         "message": "No such conflict."} for k in self.result.unused_resolutions],
            )  # fmt: skip
        return self.result

    def locate(self, problem: dict[str, Any], doc_id: str) -> dict[str, Any]:
        """A problem inside a value resolution points at that resolution."""
        changes = self.result.changes if self.result else {}
        document = changes.get(doc_id)
        for key, choice in self.resolutions.items():
            element_id, _, path = key.partition(":")
            if element_id != doc_id or not isinstance(choice, dict) or document is None:
                continue
            where = indexed_path(document, path)
            if where is not None and _within(problem.get("path", ""), where):
                inner = problem["path"][len(where) :]
                return {**problem, "path": f"$.resolutions[{key!r}].value{inner}",
                        "element": _name(document)}  # fmt: skip
        return {**problem, "element": problem.get("element") or _name(document)}


@dataclass
class BranchMerge(ThreeWay):
    """Merge the pinned commit ``source_head`` of ``source`` into the locked head."""

    door: ClassVar[pipeline.Door] = "merge"
    source: str = ""
    source_head: str = ""
    strategy: Strategy = "merge"
    base: str = ""  # the merge base used (set when planned)

    def plan(self, before: Catalog) -> pipeline.Planned:
        self.base = get_store().merge_base(self.source_head, before.commit) or ""
        if not self.base:
            raise UnrelatedHistories(f"{self.source!r} and the target share no history.")
        result = self.three_way(self.base, self.source_head, before)
        if result.conflicts:
            raise MergeConflict(
                f"{len(result.conflicts)} conflict(s) between {self.source!r} and the target.",
                conflicts=[c.as_dict() for c in result.conflicts],
            )
        if not result.changes and (self.strategy == "squash" or self.base == self.source_head):
            raise NothingToMerge(f"The target already contains everything in {self.source!r}.")
        merge_parent = self.source_head if self.strategy == "merge" else None
        return pipeline.Planned(result.changes, merge_parent=merge_parent)

    def record(self, written: pipeline.Written, actor: Principal) -> None:
        assert written.commit is not None
        branch_event(
            "oms.branch.merged", written.branch, actor, commit=written.commit.id,
            source=self.source, sourceHead=self.source_head, strategy=self.strategy,
            elements=len(written.changes),
        )  # fmt: skip


class BranchRebase(BranchMerge):
    """Bring another branch's changes into this one (a merge commit on this branch)."""

    door: ClassVar[pipeline.Door] = "rebase"


@dataclass
class ProposalMerge(BranchMerge):
    """A proposal's merge: exactly the approved source head, and only while the gate holds.

    The approvals are counted again under the target's lock, at the pinned head, so a
    commit pushed to the source after the checks never lands unreviewed.
    """

    door: ClassVar[pipeline.Door] = "proposal"
    proposal_id: int = 0
    required_approvals: int = 0
    gate: bool = True  # False: a preview for the checks, which report the approvals apart
    waivers: tuple[Waiver, ...] = ()  # the proposal's, for the compatibility gate

    def plan(self, before: Catalog) -> pipeline.Planned:
        if not self.gate:
            return super().plan(before)
        proposal = Proposal.objects.get(pk=self.proposal_id)
        if not proposal.is_open:
            raise ProposalNotOpen(f"Proposal #{proposal.pk} is {proposal.state}.")
        have = len(valid_approvals(proposal, self.source_head, target_head=before.commit))
        if have < self.required_approvals:
            raise NotMergeable(
                f"approvals: {have} of {self.required_approvals} required approval(s) "
                f"at {self.source_head[:12]}",
            )
        return super().plan(before)

    def record(self, written: pipeline.Written, actor: Principal) -> None:
        assert written.commit is not None
        merged = Proposal.objects.filter(pk=self.proposal_id, state=Proposal.OPEN).update(
            state=Proposal.MERGED, merged_commit=written.commit.id, merged_by=actor.username,
            merged_at=timezone.now(), updated_at=timezone.now(),
        )  # fmt: skip
        if not merged:  # another merge of this proposal won the race: roll this one back
            raise ProposalNotOpen(f"Proposal #{self.proposal_id} is no longer open.")
        proposal = Proposal.objects.get(pk=self.proposal_id)
        proposal_event(
            proposal, "merged", actor, commit=written.commit.id, strategy=self.strategy,
            sourceHead=self.source_head, waivers=[w.as_dict() for w in self.waivers],
        )  # fmt: skip
        commit_proposals_record(
            proposal_id=proposal.pk, target=proposal.target, source_head=self.source_head,
            base=self.base,
        )  # fmt: skip
        CommitProposal.objects.get_or_create(
            commit=written.commit.id, target=proposal.target, defaults={"proposal_id": proposal.pk}
        )


@dataclass
class CommitRevert(ThreeWay):
    """Undo one commit (for a merge commit: what it brought) on the locked head."""

    door: ClassVar[pipeline.Door] = "revert"
    commit: CommitInfo | None = None

    def plan(self, before: Catalog) -> pipeline.Planned:
        assert self.commit is not None
        result = self.three_way(self.commit.id, self.commit.parents[0], before)
        if result.conflicts:
            raise MergeConflict(
                f"Reverting {self.commit.id[:12]} conflicts with later changes.",
                conflicts=[c.as_dict() for c in result.conflicts],
            )
        if not result.changes:
            raise NothingToMerge(
                f"The branch no longer contains the changes of {self.commit.id[:12]}."
            )
        return pipeline.Planned(result.changes)


@dataclass
class BranchReset(pipeline.Plan):
    """Point the branch at another commit (nothing is deleted; the event names both heads)."""

    door: ClassVar[pipeline.Door] = "reset"
    to: str = ""

    def plan(self, before: Catalog) -> pipeline.Planned:
        return pipeline.Planned(reset_to=get_store().resolve(self.to))

    def record(self, written: pipeline.Written, actor: Principal) -> None:
        branch_event(
            "oms.branch.reset", written.branch, actor,
            head=written.planned.reset_to, previousHead=written.head,
        )  # fmt: skip


# -- helpers ------------------------------------------------------------------------------


ITEM = re.compile(r"\[id=([^\]]+)\]")


def indexed_path(document: Document, path: str) -> str | None:
    """A merge path (``$.properties[id=p-1].dataType``) with list items by index, as the
    schema reports them (``$.properties[0].dataType``); None when an item is gone."""
    out, value = "", cast(Any, document)
    for part in re.split(r"(\.[^.\[]+|\[id=[^\]]+\])", path.removeprefix("$")):
        if not part:
            continue
        item = ITEM.fullmatch(part)
        if item is not None:
            items: list[Any] = value if isinstance(value, list) else []
            index = next((i for i, v in enumerate(items) if v.get("id") == item[1]), None)
            if index is None:
                return None
            out, value = f"{out}[{index}]", items[index]
        else:
            out += part
            value = value.get(part[1:], {}) if isinstance(value, dict) else {}
    return "$" + out


def _within(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


def _name(document: Document | None) -> str:
    return f"{document['kind']}/{document['apiName']}" if document else ""
