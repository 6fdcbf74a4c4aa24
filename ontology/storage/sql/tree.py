"""A commit's tree: a canonical hash-array-mapped trie from document id to entry.

An entry is ``[blob_hash, stamp]``: the document body and the stamp of the commit that set it
(``blob_hash`` is None for a deleted document, a tombstone that keeps its history chain).
Entries are never removed, so a subtree only grows and no node ever has to collapse.
Keys are spread by the hex digits of ``sha256(doc_id)``; a node holding at most
``LEAF_MAX`` entries in its subtree is a leaf (``{"l": {id: entry}}``), a larger one an
interior node (``{"c": {digit: [child_hash, count]}}``). The shape depends only on the
entries, so equal subtrees have equal hashes: an update rewrites one path per changed
document and a diff skips every subtree whose hash matches.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from ontology.storage.sql.objects import TREE, ObjectStore

LEAF_MAX = 16
PATHS_AT_ONCE = 32  # lookups of up to this many documents read their paths in one query
Entry = list[Any]  # [blob_hash | None, commit stamp]
EMPTY: dict[str, Any] = {"l": {}}


def key_digits(doc_id: str) -> str:
    """Where a document lives in the trie."""
    return hashlib.sha256(doc_id.encode()).hexdigest()


class TreeWriter:
    """Collects the new nodes of one commit so they can be written in one batch."""

    def __init__(self, objects: ObjectStore) -> None:
        self.objects = objects
        self.new: dict[str, tuple[str, str, Any]] = {}

    def put(self, node: dict[str, Any]) -> str:
        hash_, text = self.objects.encode(TREE, node)
        self.new[hash_] = (TREE, text, node)
        return hash_

    def load(self, hash_: str) -> dict[str, Any]:
        pending = self.new.get(hash_)
        return pending[2] if pending else self.objects.node(hash_)


def empty_tree(writer: TreeWriter) -> str:
    """The hash of the tree with no entries."""
    return writer.put(EMPTY)


def lookup(objects: ObjectStore, root: str, doc_id: str) -> Entry | None:
    """The entry of ``doc_id`` (tombstones included), in one node read per level."""
    return lookup_many(objects, root, [doc_id]).get(doc_id)


def lookup_many(objects: ObjectStore, root: str, doc_ids: list[str]) -> dict[str, Entry]:
    """The entries of many documents (those present), one batched read per trie level."""
    found: dict[str, Entry] = {}
    pending = [(doc_id, key_digits(doc_id)) for doc_id in doc_ids]
    at: dict[str, str] = dict.fromkeys(doc_ids, root)  # doc id -> node to look in next
    if len(pending) <= PATHS_AT_ONCE:
        objects.read_paths(_uncached(objects, root, pending))
    depth = 0
    while pending:
        nodes = objects.nodes({at[doc_id] for doc_id, _ in pending})
        still = []
        for doc_id, digits in pending:
            node = nodes[at[doc_id]]
            if "l" in node:
                if doc_id in node["l"]:
                    found[doc_id] = node["l"][doc_id]
            elif (child := node["c"].get(digits[depth])) is not None:
                at[doc_id] = child[0]
                still.append((doc_id, digits))
        pending = still
        depth += 1
    return found


def _uncached(
    objects: ObjectStore, root: str, pending: list[tuple[str, str]]
) -> list[tuple[str, str, int]]:
    """Where each document's path leaves the cache: (node hash, key digits, depth)."""
    starts = set()
    for _, digits in pending:
        hash_, depth = root, 0
        while (node := objects.cached_node(hash_)) is not None:
            child = node.get("c", {}).get(digits[depth])
            if child is None:  # a leaf, or no such subtree: the path is all cached
                break
            hash_, depth = child[0], depth + 1
        else:
            starts.add((hash_, digits, depth))
    return sorted(starts)


def entries(objects: ObjectStore, root: str) -> Iterator[tuple[str, Entry]]:
    """Every (doc_id, entry) of a tree, tombstones included; one query per trie level."""
    level = [root]
    while level:
        nodes = objects.nodes(level)
        level = []
        for node in nodes.values():
            if "l" in node:
                yield from node["l"].items()
            else:
                level.extend(child for child, _ in node["c"].values())


def _node_entries(objects: ObjectStore, node: dict[str, Any]) -> Iterator[tuple[str, Entry]]:
    if "l" in node:
        yield from node["l"].items()
        return
    for child_hash, _ in node["c"].values():
        yield from _node_entries(objects, objects.node(child_hash))


def update(writer: TreeWriter, root: str, changes: dict[str, Entry]) -> str:
    """A new tree: ``root`` with ``changes`` (doc_id → entry) applied."""
    keyed = {key_digits(doc_id): (doc_id, entry) for doc_id, entry in changes.items()}
    return _update(writer, root, keyed, 0)[0]


def _update(
    writer: TreeWriter, hash_: str, keyed: dict[str, tuple[str, Entry]], depth: int
) -> tuple[str, int]:
    node = writer.load(hash_)
    if "l" in node:
        merged = dict(node["l"])
        merged.update(dict(keyed.values()))
        return _build(writer, {key_digits(k): (k, v) for k, v in merged.items()}, depth)
    groups: dict[str, dict[str, tuple[str, Entry]]] = defaultdict(dict)
    for digits, item in keyed.items():
        groups[digits[depth]][digits] = item
    children = dict(node["c"])
    for digit, group in groups.items():
        if digit in children:
            children[digit] = list(_update(writer, children[digit][0], group, depth + 1))
        else:
            children[digit] = list(_build(writer, group, depth + 1))
    return writer.put({"c": children}), sum(count for _, count in children.values())


def _build(writer: TreeWriter, keyed: dict[str, tuple[str, Entry]], depth: int) -> tuple[str, int]:
    if len(keyed) <= LEAF_MAX:
        return writer.put({"l": dict(keyed.values())}), len(keyed)
    groups: dict[str, dict[str, tuple[str, Entry]]] = defaultdict(dict)
    for digits, item in keyed.items():
        groups[digits[depth]][digits] = item
    children = {digit: list(_build(writer, group, depth + 1)) for digit, group in groups.items()}
    return writer.put({"c": children}), len(keyed)


def diff(objects: ObjectStore, a: str, b: str) -> dict[str, tuple[Entry | None, Entry | None]]:
    """Entries whose blob differs between two trees: doc_id → (entry in a, entry in b).

    Level by level: the differing subtrees of one level are read in one query.
    """
    out: dict[str, tuple[Entry | None, Entry | None]] = {}
    pairs: list[tuple[str | None, str | None]] = [(a, b)] if a != b else []
    while pairs:
        nodes = objects.nodes(h for pair in pairs for h in pair if h)
        deeper: list[tuple[str | None, str | None]] = []
        for hash_a, hash_b in pairs:
            node_a = nodes[hash_a] if hash_a else EMPTY
            node_b = nodes[hash_b] if hash_b else EMPTY
            if "c" in node_a and "c" in node_b:
                for digit in node_a["c"].keys() | node_b["c"].keys():
                    child_a, child_b = node_a["c"].get(digit), node_b["c"].get(digit)
                    pair = (child_a and child_a[0], child_b and child_b[0])
                    if pair[0] != pair[1]:
                        deeper.append(pair)
                continue
            left = dict(_node_entries(objects, node_a))
            right = dict(_node_entries(objects, node_b))
            for doc_id in left.keys() | right.keys():
                before, after = left.get(doc_id), right.get(doc_id)
                if (before and before[0]) != (after and after[0]):
                    out[doc_id] = (before, after)
        pairs = deeper
    return out
