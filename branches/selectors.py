"""Reads of branches and proposals."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from branches.exceptions import TooManyCommits
from branches.models import BranchPolicy, CompatibilityOverride, Proposal, Release, Review
from ontology.catalog import catalog_for
from ontology.references import json_path, references
from ontology.storage import get_store
from ontology.storage.base import Ref
from ontology.storage.exceptions import RefNotFound

AHEAD_LIMIT = 1000


@dataclass(frozen=True)
class BranchView:
    """A branch with its policy and where it stands against its base."""

    ref: Ref
    policy: BranchPolicy
    ahead: int | None
    behind: int | None
    open_proposals: list[int]
    overrides: list[CompatibilityOverride]


def branch_list(refs: Iterable[Ref] | None = None) -> list[BranchView]:
    """Every branch sorted by name, or the views of the branches given (a page of them)."""
    policies = {p.branch: p for p in BranchPolicy.objects.all()}
    proposals = list(
        Proposal.objects.filter(state=Proposal.OPEN).values_list("id", "source", "target")
    )
    chosen = list(get_store().branches() if refs is None else refs)
    overrides = _overrides([ref.name for ref in chosen])
    return [_view(ref, policies, proposals, overrides) for ref in chosen]


def branch_get(*, name: str) -> BranchView:
    """One branch (``RefNotFound`` → 404)."""
    ref = get_store().get_branch(name)
    policies = {p.branch: p for p in BranchPolicy.objects.filter(branch=name)}
    proposals = list(
        Proposal.objects.filter(state=Proposal.OPEN).values_list("id", "source", "target")
    )
    return _view(ref, policies, proposals, _overrides([name]))


def _overrides(names: list[str]) -> dict[str, list[CompatibilityOverride]]:
    found: dict[str, list[CompatibilityOverride]] = {}
    for row in CompatibilityOverride.objects.filter(branch__in=names).order_by("scope", "name"):
        found.setdefault(row.branch, []).append(row)
    return found


def _view(
    ref: Ref, policies: dict[str, BranchPolicy], proposals: list[tuple[int, str, str]],
    overrides: dict[str, list[CompatibilityOverride]],
) -> BranchView:  # fmt: skip
    policy = policies.get(ref.name) or BranchPolicy(branch=ref.name)
    ahead = behind = None
    if policy.base:
        store = get_store()
        try:
            base_head = store.resolve(policy.base)
        except RefNotFound:
            base_head = None
        if base_head is not None:
            ahead = count_ahead(ref.head, base_head)
            behind = count_ahead(base_head, ref.head)
    mine = sorted(pid for pid, source, target in proposals if ref.name in (source, target))
    return BranchView(ref, policy, ahead, behind, mine, overrides.get(ref.name, []))


def count_ahead(head: str, other: str) -> int:
    """Commits of ``head`` newer than its merge base with ``other`` (at most AHEAD_LIMIT)."""
    store = get_store()
    base = store.merge_base(head, other)
    count, cursor = 0, None
    while count < AHEAD_LIMIT:
        page = store.log(head, cursor=cursor, limit=200)
        for commit in page.commits:
            if commit.id == base:
                return count
            count += 1
        if not (cursor := page.next_cursor):
            break
    return min(count, AHEAD_LIMIT)


AUTHORS_LIMIT = 1000


def merged_authors(*, head: str, target_head: str) -> set[str]:
    """Who authored the commits that merging ``head`` would bring into ``target_head``.

    Walks back from ``head`` through every parent, stopping at commits the target already
    contains. Past ``AUTHORS_LIMIT`` commits the answer is incomplete, so it is refused.
    """
    store = get_store()
    authors: set[str] = set()
    seen: set[str] = set()
    todo = [head]
    while todo:
        commit_id = todo.pop()
        if commit_id in seen or store.merge_base(commit_id, target_head) == commit_id:
            continue
        seen.add(commit_id)
        if len(seen) > AUTHORS_LIMIT:
            raise TooManyCommits(
                f"The merge brings more than {AUTHORS_LIMIT} commits; squash or split it."
            )
        info = store.get_commit(commit_id)
        authors.add(info.author)
        todo.extend(info.parents)
    return authors


@dataclass(frozen=True)
class TagView:
    """A tag with its release, if it is one."""

    name: str
    head: str
    created_at: object
    created_by: str
    release: Release | None


def tag_list() -> list[TagView]:
    """Every tag, sorted by name."""
    releases = {r.tag: r for r in Release.objects.select_related("previous")}
    return [_tag(ref, releases.get(ref.name)) for ref in get_store().tags()]


def tag_get(*, name: str) -> TagView:
    """One tag (``RefNotFound`` → 404)."""
    ref = next((t for t in get_store().tags() if t.name == name), None)
    if ref is None:
        raise RefNotFound(f"No tag named {name!r}.")
    return _tag(ref, Release.objects.select_related("previous").filter(tag=name).first())


def _tag(ref: Ref, release: Release | None) -> TagView:
    return TagView(ref.name, ref.head, ref.created_at, ref.created_by, release)


def valid_approvals(proposal: Proposal, head: str, *, target_head: str) -> list[Review]:
    """Approvals that count for merging ``head`` into ``target_head``.

    One per reviewer, given at ``head``, not dismissed, not withdrawn by a later request for
    changes, and from someone who authored neither the proposal nor any commit it brings
    (the four-eyes rule, ``docs/branches.md``).
    """
    latest: dict[str, Review] = {}
    for review in proposal.reviews.filter(dismissed=False, source_head=head).exclude(
        verdict=Review.COMMENT
    ):
        latest[review.reviewer_id] = review
    approvals = [
        r
        for r in latest.values()
        if r.verdict == Review.APPROVE and r.reviewer_id != proposal.author_id
    ]
    if not approvals:
        return []
    authors = merged_authors(head=head, target_head=target_head)
    return [r for r in approvals if r.reviewer not in authors]


@dataclass(frozen=True)
class Impact:
    """An element that names one the proposal changes (at ``path``, on the target)."""

    element: str  # kind/apiName
    path: str
    refers_to: str  # kind/apiName, as the target knows it
    change: str  # "changed" | "removed" | "renamed"


def proposal_impact(proposal: Proposal) -> list[Impact]:
    """Every element that refers to what merging the proposal changes: link types, interfaces,
    action rules and parameters, users of shared properties and value types (a pure read)."""
    store = get_store()
    target, source = store.resolve(proposal.target), store.resolve(proposal.source)
    base = store.merge_base(target, source)
    if base is None:
        return []
    ids = sorted(store.changed_ids(base, source))
    before = catalog_for(store, base, branch=proposal.target).fetch(ids)
    after = catalog_for(store, source, branch=proposal.source).fetch(ids)
    changed = {}
    for doc_id, old in before.items():
        new = after.get(doc_id)
        how = (
            "removed"
            if new is None
            else "renamed"
            if new["apiName"] != old["apiName"]
            else "changed"
        )
        changed[(old["kind"], old["apiName"])] = how
    on_target = catalog_for(store, target, branch=proposal.target)
    found = []
    for (kind, name), referrers in on_target.referring_to_many(changed).items():
        for document in referrers:
            if (document["kind"], document["apiName"]) == (kind, name):
                continue  # an element naming itself (a replacedBy)
            for ref in references(document):
                if ref.name == name and kind in ref.kinds:
                    found.append(Impact(f"{document['kind']}/{document['apiName']}",
                                        json_path(ref.path), f"{kind}/{name}",
                                        changed[(kind, name)]))  # fmt: skip
    return sorted(found, key=lambda i: (i.refers_to, i.element, i.path))
