"""The commit DAG as OMS sees it: TerminusDB's first parents plus the merge trailers.

Commits are immutable, so every commit read is cached for the life of the process. A cache
miss fetches a whole first-parent chain in one log request (``PREFETCH`` commits), which is
what walking a history needs next. Ordering and merge-base follow the embedded backend:
newest generation first (a commit's generation is one more than its highest parent's), then
newest timestamp, then id, so the two backends page the same DAG the same way.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from oms_project.lru import LRU
from ontology.storage.base import CommitInfo
from ontology.storage.exceptions import CorruptStore
from ontology.storage.terminusdb.messages import decode_message

PREFETCH = 256

#: Fetches up to ``count`` commits of the first-parent chain that starts at a commit id.
ChainFetcher = Callable[[str, int], list[dict[str, Any]]]


def commit_info(entry: dict[str, Any]) -> CommitInfo:
    """A log entry (a commit document of TerminusDB's ref schema) as a ``CommitInfo``."""
    message, merge_parent = decode_message(str(entry.get("message", "")))
    parents: list[str] = []
    if entry.get("parent"):
        # The parent is the commit document's id, ``ValidCommit/<identifier>``.
        parents.append(str(entry["parent"]).rsplit("/", 1)[-1])
    if merge_parent:
        parents.append(merge_parent)
    return CommitInfo(
        id=str(entry["identifier"]),
        parents=tuple(parents),
        author=str(entry.get("author", "")),
        message=message,
        timestamp=_timestamp(entry["timestamp"]),
    )


def _timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        # terminusdb_client's log() hands out naive local times; make them aware UTC again.
        return value.astimezone(UTC)
    return datetime.fromtimestamp(float(value), UTC)


class CommitGraph:
    """Cached commits, their generations, log order and merge bases."""

    def __init__(self, fetch_chain: ChainFetcher, cache_size: int = 20000) -> None:
        self._fetch_chain = fetch_chain
        self._commits: LRU[str, CommitInfo] = LRU(cache_size)
        self._generations: dict[str, int] = {}
        self._lock = threading.Lock()

    def remember(self, entries: Iterable[dict[str, Any]]) -> list[CommitInfo]:
        """Cache the commits of log entries; return them as ``CommitInfo``."""
        infos = [commit_info(entry) for entry in entries]
        for info in infos:
            self._commits.put(info.id, info)
        return infos

    def get(self, commit_id: str, *, prefetch: int = PREFETCH) -> CommitInfo:
        """One commit (the fetcher's errors, e.g. for an unknown id, propagate)."""
        info = self._commits.get(commit_id)
        if info is None:
            self.remember(self._fetch_chain(commit_id, prefetch))
            info = self._commits.get(commit_id)
            if info is None:
                raise CorruptStore(f"TerminusDB's log does not show commit {commit_id!r}.")
        return info

    def generation(self, commit_id: str) -> int:
        """1 for a root commit, else one more than the highest parent's (iteratively)."""
        pending = [commit_id]
        while pending:
            current = pending[-1]
            if current in self._generations:
                pending.pop()
                continue
            parents = self.get(current).parents
            missing = [p for p in parents if p not in self._generations]
            if missing:
                pending.extend(missing)
                continue
            with self._lock:
                self._generations[current] = 1 + max(
                    (self._generations[p] for p in parents), default=0
                )
            pending.pop()
        return self._generations[commit_id]

    def first_parent_chain(self, commit_id: str) -> list[str]:
        """``commit_id`` and its first parents down to the root."""
        chain = [commit_id]
        while parents := self.get(chain[-1]).parents:
            chain.append(parents[0])
        return chain

    def log_page(self, frontier: list[str], limit: int) -> tuple[list[CommitInfo], list[str]]:
        """Up to ``limit`` commits reachable from ``frontier``, newest first, and the rest.

        The rest is the frontier to continue from: every commit on it is newer than all of
        its ancestors, so no commit is shown twice across pages.
        """
        heap = [self._order(c) for c in frontier]
        heapq.heapify(heap)
        queued = set(frontier)
        page: list[CommitInfo] = []
        while heap and len(page) < limit:
            _, _, commit_id = heapq.heappop(heap)
            info = self.get(commit_id)
            page.append(info)
            for parent in info.parents:
                if parent not in queued:
                    queued.add(parent)
                    heapq.heappush(heap, self._order(parent))
        return page, [item[2] for item in sorted(heap)]

    def merge_base(self, a: str, b: str) -> str | None:
        """The newest commit reachable from both (None if they share no history)."""
        flags = {a: 1}
        flags[b] = flags.get(b, 0) | 2
        heap = [self._order(c) for c in {a, b}]
        heapq.heapify(heap)
        while heap:
            _, _, commit_id = heapq.heappop(heap)
            flag = flags[commit_id]
            if flag == 3:
                return commit_id
            for parent in self.get(commit_id).parents:
                if parent not in flags:
                    flags[parent] = 0
                    heapq.heappush(heap, self._order(parent))
                flags[parent] |= flag
        return None

    def _order(self, commit_id: str) -> tuple[int, float, str]:
        info = self.get(commit_id)
        return (-self.generation(commit_id), -info.timestamp.timestamp(), commit_id)
