"""One document's history: the commits that made each of its versions, newest first.

The rule is the embedded backend's. A commit is in the history of document X when it changed
X relative to its first parent, except a merge commit that took X as it was on the merged-in
side: that version was made over there, so the history continues on that side instead. Each
commit shown leads to the commit that made the previous version, found from its first parent.

"Changed X" is known without reading X when TerminusDB's history endpoint covered the commit
(the store passes what it answered for a branch's first-parent chain); other commits compare
X's body at the commit and at its first parent, one cached read each.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ontology.storage.base import CommitInfo
from ontology.storage.terminusdb.graph import CommitGraph

#: The body of the document at a commit, None where it does not exist.
BodyAt = Callable[[str], str | None]


class DocumentHistory:
    """Walks the history of one document through a :class:`CommitGraph`."""

    def __init__(
        self, graph: CommitGraph, body_at: BodyAt, known: Mapping[str, bool] | None = None
    ) -> None:
        self.graph = graph
        self.body_at = body_at
        self.known = known or {}

    def page(self, first: str | None, limit: int) -> tuple[list[CommitInfo], str | None]:
        """Up to ``limit`` commits starting with ``first``, and the commit after them."""
        page: list[CommitInfo] = []
        current = first
        while current is not None and len(page) < limit:
            info = self.graph.get(current)
            page.append(info)
            current = self.introducer(info.parents[0]) if info.parents else None
        return page, current

    def introducer(self, start: str) -> str | None:
        """The commit that made the version of the document that ``start`` has (or lacks)."""
        commit = start
        while True:
            info = self.graph.get(commit)
            if self._changed(info):
                merged_from = self._merged_from(info)
                if merged_from is None:
                    return commit
                commit = merged_from
            elif info.parents:
                commit = info.parents[0]
            else:
                return None

    def _changed(self, info: CommitInfo) -> bool:
        if info.id in self.known:
            return self.known[info.id]
        previous = self.body_at(info.parents[0]) if info.parents else None
        return self.body_at(info.id) != previous

    def _merged_from(self, info: CommitInfo) -> str | None:
        """The merged-in parent when a merge commit took the document's version from it."""
        if len(info.parents) < 2:
            return None
        theirs = info.parents[1]
        body = self.body_at(info.id)
        if body != self.body_at(theirs):
            return None
        if body is None and self.introducer(theirs) is None:
            return None  # absent on both sides and never made over there: the merge deleted it
        return theirs
