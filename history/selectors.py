"""Reads of history: element history, blame, commit detail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from history.models import CommitProposal
from ontology.selectors import catalog_at, element_get
from ontology.storage import get_store
from ontology.storage.base import CommitInfo, Document, LogPage
from ontology.storage.exceptions import DocumentNotFound

BLAME_DEPTH = 500  # versions a blame looks back through, at most


def element_history(
    *, branch: str, kind: str, api_name: str, cursor: str | None = None, limit: int = 50
) -> tuple[Document, LogPage]:
    """The element (as of the branch head) and the commits that changed it, newest first."""
    document = element_get(catalog=catalog_at(branch=branch), kind=kind, api_name=api_name)
    store = get_store()
    page = store.log(store.resolve(branch), doc_id=document["id"], cursor=cursor, limit=limit)
    return document, page


@dataclass(frozen=True)
class BlameLine:
    """Who last changed one field of an element, in which commit (and proposal)."""

    path: str
    value: Any
    commit: CommitInfo
    proposal: int | None


def element_blame(*, branch: str, kind: str, api_name: str) -> list[BlameLine]:
    """For every leaf field of the element, the newest commit that gave it its value."""
    store = get_store()
    document = element_get(catalog=catalog_at(branch=branch), kind=kind, api_name=api_name)
    current = flatten(document)
    unattributed = set(current)
    blamed: dict[str, CommitInfo] = {}
    history = store.log(store.resolve(branch), doc_id=document["id"], limit=BLAME_DEPTH).commits
    for index, commit in enumerate(history):
        if not unattributed:
            break
        older = _version_before(history, index, document["id"])
        for path in list(unattributed):
            if path not in older or older[path] != current[path]:
                blamed[path] = commit
                unattributed.discard(path)
    if unattributed and history:  # older than BLAME_DEPTH: the oldest version seen
        blamed.update(dict.fromkeys(unattributed, history[-1]))
    proposals = dict(
        CommitProposal.objects.filter(
            commit__in={c.id for c in blamed.values()}, target=branch
        ).values_list("commit", "proposal_id")
    )
    return [
        BlameLine(path, current[path], blamed[path], proposals.get(blamed[path].id))
        for path in sorted(blamed)
    ]


def _version_before(history: list[CommitInfo], index: int, doc_id: str) -> dict[str, Any]:
    """The flattened element as the commit after ``history[index]`` found it."""
    store = get_store()
    if index + 1 >= len(history):
        return {}
    try:
        return flatten(store.get(history[index + 1].id, doc_id))
    except DocumentNotFound:
        return {}  # the element did not exist yet (or was deleted) there


def flatten(value: Any, path: str = "$") -> dict[str, Any]:
    """Leaf values by JSON path; list items with an ``id`` are addressed by it."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{path}.{key}"))
        return out
    if isinstance(value, list) and value and all(isinstance(i, dict) and "id" in i for i in value):
        out = {}
        for item in value:
            out.update(flatten(item, f"{path}[id={item['id']}]"))
        return out
    return {path: value}


def commit_proposal(*, commit: str) -> int | None:
    """The proposal that brought ``commit`` into a branch, if any."""
    return (
        CommitProposal.objects.filter(commit=commit).values_list("proposal_id", flat=True).first()
    )
