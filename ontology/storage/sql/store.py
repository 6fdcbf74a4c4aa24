"""The embedded store: the contract of ``VersionedStore`` on Django's database.

Layout (see ``models.py``): documents and tree nodes are content-addressed objects; a commit
row names its root tree; parent rows form the DAG; a ref row per branch or tag; a change row
per document a commit set. Branch heads move with a conditional
``UPDATE ... WHERE commit = <head we built on>``, so concurrent writers in any number of
processes never lose an update: the loser of a race rebuilds on the new head (or, when the
caller gave ``expected_head``, gets ``HeadMoved``).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import contextvars
import hashlib
import heapq
import json
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router, transaction
from django.db.models import QuerySet
from django.utils import timezone

from oms_project.lru import LRU
from ontology.storage import base
from ontology.storage.base import (
    Change,
    CommitInfo,
    Document,
    DocumentChange,
    LogPage,
    Put,
    Ref,
    VersionedStore,
)
from ontology.storage.exceptions import (
    CorruptStore,
    DocumentNotFound,
    HeadMoved,
    InvalidCursor,
    InvalidName,
    RefExists,
    RefNotFound,
    StoreUnavailable,
)
from ontology.storage.sql import tree
from ontology.storage.sql.models import (
    StoreChange,
    StoreCommit,
    StoreObject,
    StoreParent,
    StoreRef,
)
from ontology.storage.sql.objects import (
    DOC,
    ObjectStore,
    Statement,
    execute_together,
    inserts,
    object_hash,
)

COMMIT_ID_RE = re.compile(r"^[0-9a-f]{7,64}$")
MAX_CAS_ATTEMPTS = 50
PREFETCH = 64  # ancestors fetched per round trip when a walk meets an uncached commit
SEED_PREFETCH = 16  # ancestors of a merge base's two starts (it is usually a few commits away)
REF = StoreRef._meta.db_table
BRANCH_LOCKS = 0x0E5  # the first key of the branches' advisory locks (the second: the name's CRC)


class _Lost(Exception):
    """The branch head moved between reading it and the conditional update."""


#: (alias, branch, head) that this context's transaction holds in ``write_lock``.
_held: contextvars.ContextVar[tuple[str, str, str] | None] = contextvars.ContextVar(
    "oms_sql_write_lock", default=None
)


class SQLStore(VersionedStore):
    """``VersionedStore`` on a Django database alias (SQLite or PostgreSQL).

    OPTIONS: ``using`` (database alias, default ``"default"``), ``cache_size`` (objects and
    commits kept in the in-process LRUs, default 20,000) and ``cache_bytes`` (the JSON text
    of objects kept, default 16 MiB).
    """

    def __init__(
        self,
        alias: str = "default",
        *,
        using: str = "default",
        cache_size: int = 20000,
        cache_bytes: int = 16 << 20,
    ):
        super().__init__(alias, using=using, cache_size=cache_size, cache_bytes=cache_bytes)
        self.using = using
        self.shares_database_transaction = using == "default"
        self.objects = ObjectStore(using, cache_size, cache_bytes, self._reading)
        self.commits: LRU[str, dict[str, Any]] = LRU(cache_size)
        self._committed: LRU[str, bool] = LRU(cache_size)  # commit ids seen committed

    # -- lifecycle -------------------------------------------------------------------------

    def initialize(self, *, author: str = "system") -> Ref:
        with transaction.atomic(using=self.using):
            existing = StoreRef.objects.using(self.using).filter(name=self.default_branch)
            if existing.exists():
                return self.get_branch(self.default_branch)
            writer = tree.TreeWriter(self.objects)
            root_tree = tree.empty_tree(writer)
            commit, statements = self._new_commit(
                tree_hash=root_tree,
                parents=[],
                author=author,
                message="Initial commit",
                changes=[],
            )
            execute_together(self.using, [*self.objects.saving(writer.new), *statements])
            return self._insert_ref(self.default_branch, StoreRef.BRANCH, commit["id"], author)

    def check(self) -> None:
        try:
            with connections[self.using].cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError as exc:
            raise StoreUnavailable(f"Database {self.using!r} is unavailable: {exc}") from exc

    # -- refs ------------------------------------------------------------------------------

    def branches(self) -> list[Ref]:
        return self._refs(StoreRef.BRANCH)

    def tags(self) -> list[Ref]:
        return self._refs(StoreRef.TAG)

    def get_branch(self, name: str) -> Ref:
        base.validate_ref_name(name)
        row = self._ref_rows().filter(name=name, kind=StoreRef.BRANCH).first()
        if row is None:
            raise RefNotFound(f"No branch named {name!r}.")
        return _ref(row)

    def branch_head(self, name: str) -> str:
        # Every read resolves its branch: one indexed lookup, without ORM query building.
        try:
            return self._head(name, lock=False)
        except RefNotFound:
            base.validate_ref_name(name)
            raise

    def create_branch(self, name: str, *, start: str, author: str = "") -> Ref:
        base.validate_ref_name(name)
        with transaction.atomic(using=self.using):
            head = self.resolve(start)
            return self._insert_ref(name, StoreRef.BRANCH, head, author)

    def delete_branch(self, name: str) -> None:
        base.validate_ref_name(name)
        deleted, _ = self._ref_rows().filter(name=name, kind=StoreRef.BRANCH).delete()
        if not deleted:
            raise RefNotFound(f"No branch named {name!r}.")

    def create_tag(self, name: str, *, target: str, author: str = "") -> Ref:
        base.validate_ref_name(name, what="tag")
        with transaction.atomic(using=self.using):
            commit_id = self.resolve(target)
            return self._insert_ref(name, StoreRef.TAG, commit_id, author)

    def resolve(self, ref: str) -> str:
        if not isinstance(ref, str) or not ref:
            raise InvalidName(f"Invalid ref {ref!r}.")
        if self._committed.get(ref):
            return ref  # no ref can bear a commit id's name (``validate_ref_name``)
        # One round trip: the ref of that name, and the commit of that id. A commit id is
        # asked of the database until it was seen outside a transaction: one cached inside a
        # transaction that rolled back must not resolve.
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                f"SELECT (SELECT commit_id FROM {REF} WHERE name = %s), "
                "(SELECT id FROM oms_store_commit WHERE id = %s)",
                [ref, ref if len(ref) == 64 else ""],
            )
            named, commit_id = cursor.fetchone()
        if named is not None:
            return str(named)
        if commit_id is not None:
            if not connections[self.using].in_atomic_block:  # committed: it stays
                self._committed.put(commit_id, True)
            return str(commit_id)
        if COMMIT_ID_RE.fullmatch(ref) and len(ref) < 64:
            found = list(self._commit_rows().filter(id__startswith=ref).values_list("id")[:2])
            if len(found) == 1:
                return found[0][0]
            if len(found) > 1:
                raise RefNotFound(f"Commit id prefix {ref!r} is ambiguous.")
        if not COMMIT_ID_RE.fullmatch(ref):
            base.validate_ref_name(ref, what="ref")
        raise RefNotFound(f"No branch, tag or commit {ref!r}.")

    # -- writes ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def write_lock(self, branch: str) -> Iterator[str]:
        """A transaction holding the branch's ref row (see ``_branch_head``). A commit of
        that branch inside it, on the head it yielded, needs neither to lock the row again
        nor a savepoint: nobody else can move the head, and a failure ends the transaction."""
        base.validate_ref_name(branch)
        with transaction.atomic(using=self.using):
            head = self._branch_head(branch)
            held = _held.set((self.using, branch, head))
            try:
                yield head
            finally:
                _held.reset(held)

    def commit(
        self,
        branch: str,
        changes: Sequence[Change],
        *,
        author: str,
        message: str,
        expected_head: str | None = None,
        merge_parent: str | None = None,
    ) -> CommitInfo:
        base.validate_ref_name(branch)
        checked = base.validate_changes(changes, allow_empty=merge_parent is not None)
        blobs = {
            c.doc_id: (*self.objects.encode(DOC, c.document), c.document)
            for c in checked
            if isinstance(c, Put)
        }
        for _ in range(MAX_CAS_ATTEMPTS):
            try:
                return self._try_commit(
                    branch, checked, blobs, author, message, expected_head, merge_parent
                )
            except _Lost:
                if expected_head is not None:
                    raise HeadMoved(f"Branch {branch!r} moved past {expected_head}.") from None
        raise StoreUnavailable(f"Branch {branch!r} is too contended; try again.")

    def _try_commit(
        self,
        branch: str,
        changes: list[Change],
        blobs: dict[str, tuple[str, str, Document]],
        author: str,
        message: str,
        expected_head: str | None,
        merge_parent: str | None,
    ) -> CommitInfo:
        locked = expected_head is not None and _held.get() == (self.using, branch, expected_head)
        with transaction.atomic(using=self.using, savepoint=not locked):
            head = expected_head if expected_head and locked else self._branch_head(branch)
            if expected_head is not None and head != expected_head:
                raise HeadMoved(f"Branch {branch!r} is at {head}, not {expected_head}.")
            parents = [head]
            merge_tree = None
            if merge_parent is not None:
                merge_commit = self._commit(self.resolve(merge_parent))
                parents.append(merge_commit["id"])
                merge_tree = merge_commit["tree"]
            head_tree = self._commit(head)["tree"]
            timestamp = timezone.now()
            stamp = _stamp(parents, author, message, timestamp)
            wanted = [
                (c.doc_id, blobs[c.doc_id][0] if isinstance(c, Put) else None) for c in changes
            ]
            updates, change_rows = self._plan(head_tree, merge_tree, wanted, stamp)
            writer = tree.TreeWriter(self.objects)
            new_tree = tree.update(writer, head_tree, updates) if updates else head_tree
            new_objects = {h: (DOC, text, doc) for h, text, doc in blobs.values()}
            new_objects.update(writer.new)
            commit, statements = self._new_commit(
                tree_hash=new_tree,
                parents=parents,
                author=author,
                message=message,
                changes=change_rows,
                timestamp=timestamp,
            )
            # Objects, commit and the compare-and-swap of the ref: one round trip.
            moved = execute_together(self.using, [
                *self.objects.saving(new_objects), *statements,
                (f"UPDATE {REF} SET commit_id = %s WHERE name = %s AND kind = %s "
                 "AND commit_id = %s", [commit["id"], branch, StoreRef.BRANCH, head]),
            ])[-1][0]  # fmt: skip
            if moved != 1:
                raise _Lost
        if locked:
            _held.set((self.using, branch, commit["id"]))
        self.objects.remember(new_objects)
        return _info(commit)

    def _plan(
        self,
        head_tree: str,
        merge_tree: str | None,
        wanted: list[tuple[str, str | None]],
        stamp: str,
    ) -> tuple[dict[str, tree.Entry], list[tuple[str, str | None, str | None]]]:
        """Tree updates and change rows for a commit; a no-op put changes nothing."""
        updates: dict[str, tree.Entry] = {}
        rows: list[tuple[str, str | None, str | None]] = []
        ids = [doc_id for doc_id, _ in wanted]
        heads = tree.lookup_many(self.objects, head_tree, ids)
        theirs_all = tree.lookup_many(self.objects, merge_tree, ids) if merge_tree else {}
        for doc_id, blob in wanted:
            current = heads.get(doc_id)
            current_blob = current[0] if current else None
            if blob is None and current_blob is None:
                raise DocumentNotFound(f"Cannot delete {doc_id!r}: no such document.")
            if blob == current_blob:
                continue
            if merge_tree is not None:
                # A merge that takes the other side's value keeps that side's authorship.
                theirs = theirs_all.get(doc_id)
                if theirs is not None and theirs[0] == blob:
                    updates[doc_id] = theirs
                    continue
            updates[doc_id] = [blob, stamp]
            rows.append((doc_id, blob, current[1] if current else None))
        return updates, rows

    def reset_branch(self, name: str, *, to: str, expected_head: str | None = None) -> Ref:
        base.validate_ref_name(name)
        with transaction.atomic(using=self.using):
            head = self._branch_head(name)
            if expected_head is not None and head != expected_head:
                raise HeadMoved(f"Branch {name!r} is at {head}, not {expected_head}.")
            target = self.resolve(to)
            self._ref_rows().filter(name=name, kind=StoreRef.BRANCH).update(commit_id=target)
        return self.get_branch(name)

    # -- reads -----------------------------------------------------------------------------

    def get(self, ref: str, doc_id: str) -> Document:
        base.validate_doc_id(doc_id)
        entry = tree.lookup(self.objects, self._tree(ref), doc_id)
        if entry is None or entry[0] is None:
            raise DocumentNotFound(f"No document {doc_id!r} at {ref!r}.")
        return self.objects.load(entry[0])

    def get_many(self, ref: str, doc_ids: Iterable[str]) -> dict[str, Document]:
        ids = [base.validate_doc_id(doc_id) for doc_id in doc_ids]
        if not ids:
            return {}
        found = tree.lookup_many(self.objects, self._tree(ref), ids)
        blobs = {doc_id: entry[0] for doc_id, entry in found.items() if entry[0] is not None}
        bodies = self.objects.load_many(blobs.values())
        return {doc_id: bodies[blob] for doc_id, blob in blobs.items()}

    def content_key(self, text: str) -> str:
        return object_hash(DOC, text)

    def content_texts(self, keys: Iterable[str]) -> dict[str, str]:
        return self.objects.texts(keys)

    def snapshot(self, ref: str) -> dict[str, Document]:
        return {doc["id"]: doc for batch in self.walk(ref) for doc in batch}

    def walk(self, ref: str, *, batch_size: int = 500) -> Iterator[list[Document]]:
        live = [e[0] for _, e in tree.entries(self.objects, self._tree(ref)) if e[0]]
        for start in range(0, len(live), batch_size):
            yield list(
                self.objects.load_many(live[start : start + batch_size], keep=False).values()
            )

    def changes(self, base_ref: str, head: str) -> list[DocumentChange]:
        differing = tree.diff(self.objects, self._tree(base_ref), self._tree(head))
        blobs = [e[0] for pair in differing.values() for e in pair if e and e[0]]
        bodies = self.objects.load_many(blobs)

        def body(entry: tree.Entry | None) -> Document | None:
            return bodies[entry[0]] if entry and entry[0] else None

        return [
            DocumentChange(doc_id, body(before), body(after))
            for doc_id, (before, after) in sorted(differing.items())
        ]

    def changed_ids(self, base_ref: str, head: str) -> list[str]:
        return sorted(tree.diff(self.objects, self._tree(base_ref), self._tree(head)))

    def merge_base(self, a: str, b: str) -> str | None:
        start_a, start_b = self.resolve(a), self.resolve(b)
        flags = {start_a: 1}
        flags[start_b] = flags.get(start_b, 0) | 2
        self._prefetch([c for c in flags if self.commits.get(c) is None], SEED_PREFETCH)
        heap = [self._heap_item(commit_id) for commit_id in flags]
        heapq.heapify(heap)
        while heap:
            _, _, commit_id = heapq.heappop(heap)
            flag = flags[commit_id]
            if flag == 3:
                return commit_id
            for parent in self._commit(commit_id)["parents"]:
                if parent not in flags:
                    heapq.heappush(heap, self._heap_item(parent, prefetch=PREFETCH))
                    flags[parent] = 0
                flags[parent] |= flag
        return None

    def get_commit(self, commit_id: str) -> CommitInfo:
        if not isinstance(commit_id, str) or not COMMIT_ID_RE.fullmatch(commit_id):
            raise RefNotFound(f"No commit {commit_id!r}.")
        return _info(self._commit(self.resolve(commit_id)))

    def log(
        self,
        ref: str,
        *,
        doc_id: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> LogPage:
        limit = max(1, min(int(limit), 1000))
        head = self.resolve(ref)
        if doc_id is not None:
            return self._document_log(head, base.validate_doc_id(doc_id), cursor, limit)
        frontier = _decode_cursor(cursor) if cursor else [head]
        heap = [self._heap_item(c, prefetch=limit) for c in frontier]
        heapq.heapify(heap)
        queued = set(frontier)
        page: list[CommitInfo] = []
        while heap and len(page) < limit:
            _, _, commit_id = heapq.heappop(heap)
            commit = self._commit(commit_id)
            page.append(_info(commit))
            for parent in commit["parents"]:
                if parent not in queued:
                    queued.add(parent)
                    heapq.heappush(heap, self._heap_item(parent, prefetch=limit))
        rest = [item[2] for item in sorted(heap)]
        return LogPage(page, _encode_cursor(rest) if rest else None)

    def _document_log(self, head: str, doc_id: str, cursor: str | None, limit: int) -> LogPage:
        """Follow the change index's ``previous`` chain: one lookup per commit shown."""
        stamp: str | None
        if cursor:
            (stamp,) = _decode_cursor(cursor)
        else:
            entry = tree.lookup(self.objects, self._commit(head)["tree"], doc_id)
            stamp = entry[1] if entry else None
        page: list[CommitInfo] = []
        while stamp and len(page) < limit:
            row = (
                StoreChange.objects.using(self.using)
                .filter(commit__stamp=stamp, doc_id=doc_id)
                .values_list("commit_id", "previous")
                .first()
            )
            if row is None:
                raise CorruptStore(f"Change index has no entry for {doc_id!r} at stamp {stamp}.")
            page.append(_info(self._commit(row[0])))
            stamp = row[1]
        return LogPage(page, _encode_cursor([stamp]) if stamp else None)

    # -- integrity -------------------------------------------------------------------------

    def verify(self) -> list[str]:
        """Check every object's hash, every commit's id, tree and parents, every ref."""
        problems: list[str] = []
        objects = StoreObject.objects.using(self.using).values_list("hash", "type", "data")
        stored: set[str] = set()
        for hash_, type_, data in objects.iterator(chunk_size=2000):
            stored.add(hash_)
            try:
                text = base.canonical_json(json.loads(data))
            except ValueError:
                problems.append(f"object {hash_}: not JSON")
                continue
            if object_hash(type_, text) != hash_:
                problems.append(f"object {hash_}: content does not match its hash")
        parents: dict[str, list[str]] = {}
        for link in StoreParent.objects.using(self.using).order_by("commit_id", "position"):
            parents.setdefault(link.commit_id, []).append(link.parent_id)
        commit_ids = set(self._commit_rows().values_list("id", flat=True))
        checked_trees: set[str] = set()
        for row in self._commit_rows().iterator(chunk_size=2000):
            own = parents.get(row.id, [])
            stamp = _stamp(own, row.author, row.message, row.timestamp)
            if stamp != row.stamp or _commit_id(stamp, row.tree) != row.id:
                problems.append(f"commit {row.id}: id does not match its content")
            problems.extend(
                f"commit {row.id}: parent {p} is missing" for p in own if p not in commit_ids
            )
            problems.extend(self._verify_tree(row.id, row.tree, stored, checked_trees))
        for ref in self._ref_rows():
            if ref.commit_id not in commit_ids:
                problems.append(f"{ref.kind} {ref.name}: points at missing commit {ref.commit_id}")
        return problems

    def _verify_tree(
        self, commit_id: str, root: str, stored: set[str], seen: set[str]
    ) -> list[str]:
        problems: list[str] = []
        pending = [root]
        while pending:
            node_hash = pending.pop()
            if node_hash in seen:
                continue
            seen.add(node_hash)
            if node_hash not in stored:
                problems.append(f"commit {commit_id}: tree object {node_hash} is missing")
                continue
            node = self.objects.node(node_hash)
            if "c" in node:
                pending.extend(child for child, _ in node["c"].values())
            else:
                problems.extend(
                    f"commit {commit_id}: document {doc_id} blob {entry[0]} is missing"
                    for doc_id, entry in node["l"].items()
                    if entry[0] is not None and entry[0] not in stored
                )
        return problems

    # -- internals -------------------------------------------------------------------------

    def _ref_rows(self) -> QuerySet[StoreRef]:
        return StoreRef.objects.using(self.using)

    def _commit_rows(self) -> QuerySet[StoreCommit]:
        return StoreCommit.objects.using(self.using)

    def _reading(self) -> str:
        """Where rows that never change are read: the router's choice (a replica) when the
        store lives in the default database; what the replica lacks is asked of ``using``."""
        if self.using != DEFAULT_DB_ALIAS:
            return self.using
        return str(router.db_for_read(StoreCommit))

    def _refs(self, kind: str) -> list[Ref]:
        return [_ref(row) for row in self._ref_rows().filter(kind=kind).order_by("name")]

    def _insert_ref(self, name: str, kind: str, commit_id: str, author: str) -> Ref:
        if self._ref_rows().filter(name=name).exists():
            raise RefExists(f"A branch or tag named {name!r} exists already.")
        row = self._ref_rows().create(
            name=name,
            kind=kind,
            commit_id=commit_id,
            created_at=timezone.now(),
            created_by=author,
        )
        return _ref(row)

    def _branch_head(self, branch: str) -> str:
        """The head of a branch, its ref row locked until the transaction ends.

        Writers of one branch queue on the row lock (PostgreSQL) or the IMMEDIATE
        transaction (SQLite) instead of racing; the conditional update stays as the guard.
        On PostgreSQL they first queue, in the same statement, on a transaction-scoped
        advisory lock of the branch: its queue is served in arrival order, where every
        waiter on a row lock wakes when its holder commits and they race for it (with eight
        writers of one branch, a PUT's p95 was twice its median).
        """
        return self._head(branch, lock=True)

    def _head(self, branch: str, *, lock: bool) -> str:
        # Raw SQL: this runs on every read and twice per write, and ORM query building
        # would cost more than the lookup itself.
        connection = connections[self.using]
        queue, queued = "", []  # the branch's advisory lock (PostgreSQL), then its row's
        if lock and connection.vendor == "postgresql":
            queue = ", (SELECT pg_advisory_xact_lock(%s, %s)) q"
            queued = [BRANCH_LOCKS, zlib.crc32(branch.encode()) - 2**31]
        sql = f"SELECT r.commit_id FROM {REF} r{queue} WHERE r.name = %s AND r.kind = %s"
        if lock and connection.features.has_select_for_update:
            sql += " FOR UPDATE OF r" if connection.vendor == "postgresql" else " FOR UPDATE"
        with connection.cursor() as cursor:
            cursor.execute(sql, [*queued, branch, StoreRef.BRANCH])
            row = cursor.fetchone()
        if row is None:
            raise RefNotFound(f"No branch named {branch!r}.")
        return str(row[0])

    def _tree(self, ref: str) -> str:
        return self._commit(self.resolve(ref))["tree"]

    def _new_commit(
        self,
        *,
        tree_hash: str,
        parents: list[str],
        author: str,
        message: str,
        changes: list[tuple[str, str | None, str | None]],
        timestamp: Any = None,
    ) -> tuple[dict[str, Any], list[Statement]]:
        """A new commit and the statements that insert it (its row, parents and changes)."""
        timestamp = timestamp or timezone.now()
        stamp = _stamp(parents, author, message, timestamp)
        commit_id = _commit_id(stamp, tree_hash)
        generation = 1 + max((self._commit(p)["generation"] for p in parents), default=0)
        connection = connections[self.using]
        statements = [
            *inserts(
                self.using,
                StoreCommit._meta.db_table,
                ("id", "stamp", "tree", "author", "message", "timestamp", "generation"),
                [
                    (
                        commit_id,
                        stamp,
                        tree_hash,
                        author,
                        message,
                        connection.ops.adapt_datetimefield_value(timestamp),
                        generation,
                    )
                ],
            ),  # fmt: skip
            *inserts(
                self.using,
                StoreParent._meta.db_table,
                ("commit_id", "parent_id", "position"),
                [(commit_id, p, i) for i, p in enumerate(parents)],
            ),
            *inserts(
                self.using,
                StoreChange._meta.db_table,
                ("commit_id", "doc_id", "blob", "previous"),
                [(commit_id, d, b, prev) for d, b, prev in changes],
            ),
        ]
        commit = {
            "id": commit_id,
            "stamp": stamp,
            "tree": tree_hash,
            "parents": parents,
            "author": author,
            "message": message,
            "timestamp": timestamp,
            "generation": generation,
        }
        # The next write builds on this commit: keep it. Safe even if the transaction rolls
        # back, since only refs make a commit reachable and ``resolve`` asks the database.
        self.commits.put(commit_id, commit)
        return commit, statements

    def _commit(self, commit_id: str) -> dict[str, Any]:
        """A commit as a dict (cached forever: commits are immutable)."""
        commit = self.commits.get(commit_id)
        if commit is None:
            self._load_commits([commit_id])
            commit = self.commits.get(commit_id)
            if commit is None:
                raise RefNotFound(f"No commit {commit_id!r}.")
        return commit

    def _load_commits(self, ids: Iterable[str]) -> set[str]:
        """Load commits with their parents in one query, cache them, return the ids found."""
        wanted, reading = list(ids), self._reading()
        rows = _commit_values(reading, wanted)
        if reading != self.using and len({row[0] for row in rows}) < len(set(wanted)):
            found = {row[0] for row in rows}  # a replica that lags: the primary has the rest
            rows += _commit_values(self.using, [i for i in wanted if i not in found])
        loaded: dict[str, dict[str, Any]] = {}
        for row in rows:
            commit = loaded.get(row[0])
            if commit is None:
                commit = loaded[row[0]] = dict(zip(_COMMIT_FIELDS, row[:7], strict=True))
                commit["parents"] = []
            if row[7] is not None:
                commit["parents"].append((row[8], row[7]))
        for commit in loaded.values():
            commit["parents"] = [parent for _, parent in sorted(commit["parents"])]
            self.commits.put(commit["id"], commit)
        return set(loaded)

    def _prefetch(self, starts: list[str], count: int) -> None:
        """Load ``starts`` and up to ``count`` of their ancestors in two queries."""
        if not starts:
            return
        marks = ", ".join(["%s"] * len(starts))
        sql = (
            f"WITH RECURSIVE anc(id) AS (SELECT id FROM oms_store_commit WHERE id IN ({marks}) "
            "UNION SELECT p.parent_id FROM oms_store_parent p JOIN anc ON p.commit_id = anc.id) "
            "SELECT id FROM anc LIMIT %s"
        )
        with connections[self._reading()].cursor() as cursor:
            cursor.execute(sql, [*starts, count + len(starts)])
            ids = [row[0] for row in cursor.fetchall()]
        self._load_commits(ids)

    def _heap_item(self, commit_id: str, prefetch: int = 0) -> tuple[int, float, str]:
        """Sort key of the DAG walks: children before parents, newer first."""
        if prefetch and self.commits.get(commit_id) is None:
            self._prefetch([commit_id], max(prefetch, PREFETCH))
        commit = self._commit(commit_id)
        return (-commit["generation"], -commit["timestamp"].timestamp(), commit_id)


_COMMIT_FIELDS = ("id", "stamp", "tree", "author", "message", "timestamp", "generation")


def _stamp(parents: list[str], author: str, message: str, timestamp: Any) -> str:
    """What makes a commit unique before its tree exists."""
    payload = [parents, author, message, timestamp.isoformat()]
    return hashlib.sha256(base.canonical_json(payload).encode()).hexdigest()


def _commit_id(stamp: str, tree_hash: str) -> str:
    """A commit's id covers its stamp and (through the tree's hash) its whole content."""
    return hashlib.sha256(f"{stamp}\0{tree_hash}".encode()).hexdigest()


def _info(commit: dict[str, Any]) -> CommitInfo:
    return CommitInfo(
        id=commit["id"],
        parents=tuple(commit["parents"]),
        author=commit["author"],
        message=commit["message"],
        timestamp=commit["timestamp"],
    )


def _ref(row: StoreRef) -> Ref:
    return Ref(row.name, row.kind, row.commit_id, row.created_at, row.created_by)


def _encode_cursor(ids: list[str]) -> str:
    return base64.urlsafe_b64encode(",".join(ids).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> list[str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidCursor(f"Cursor {cursor!r} is not one this store issued.") from None
    ids = raw.split(",")
    if not all(len(i) == 64 and COMMIT_ID_RE.fullmatch(i) for i in ids):
        raise InvalidCursor(f"Cursor {cursor!r} is not one this store issued.")
    return ids


def _commit_values(using: str, ids: list[str]) -> list[tuple[Any, ...]]:
    """Commit rows with their parent links (one row per parent) from ``using``."""
    return list(
        StoreCommit.objects.using(using)
        .filter(id__in=ids)
        .values_list(
            "id",
            "stamp",
            "tree",
            "author",
            "message",
            "timestamp",
            "generation",
            "parent_links__parent_id",
            "parent_links__position",
        )  # fmt: skip
    )
