"""``VersionedStore`` over a TerminusDB server (see ``docs/terminusdb.md``).

One TerminusDB database holds one store: OMS documents in the instance graph (``layout.py``),
OMS branches as native branches, commits as TerminusDB commits (a merge's second parent in a
message trailer, ``messages.py``), tags and branch metadata on the internal ``_oms_refs``
branch. A commit is one WOQL transaction sent with the branch head as its
``TerminusDB-Data-Version``, so the server applies it only if the branch has not moved.
"""

from __future__ import annotations

import random
import re
import time
import uuid
from collections.abc import Sequence
from typing import Any

from terminusdb_client.woqlquery.woql_query import Doc, WOQLQuery

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
    DocumentNotFound,
    HeadMoved,
    InvalidName,
    RefExists,
    RefNotFound,
    StoreUnavailable,
    WriteRaced,
)
from ontology.storage.terminusdb import cursors, diffs, layout
from ontology.storage.terminusdb.graph import CommitGraph
from ontology.storage.terminusdb.history import DocumentHistory
from ontology.storage.terminusdb.messages import encode_message
from ontology.storage.terminusdb.options import check_options
from ontology.storage.terminusdb.transport import TerminusError, Transport

COMMIT_ID_RE = re.compile(r"^[a-z0-9]{8,64}$")
MAX_CAS_ATTEMPTS = 50
CACHE_SIZE = 20000
ABSENT = ""  # cached "no such document here" (a stored body is never empty)

UNRESOLVABLE = "api:UnresolvableAbsoluteDescriptor"
NOT_FOUND = "api:DocumentNotFound"
ID_TAKEN = "api:DocumentIdAlreadyExists"


class TerminusDBStore(VersionedStore):
    """``VersionedStore`` on one database of a TerminusDB server.

    OPTIONS: ``url`` (required), ``team``, ``user``, ``key``, ``db`` (the database that holds
    the store, created by :meth:`initialize`), ``timeout`` (seconds per HTTP request) and
    ``cache_bytes`` (document bodies kept per process, default 16 MiB).
    """

    def __init__(
        self,
        alias: str = "default",
        *,
        url: str,
        team: str = "admin",
        user: str = "admin",
        key: str = "root",
        db: str = "oms",
        timeout: float = 10.0,
        cache_bytes: int = 16 << 20,
    ) -> None:
        check_options(alias, url=url, team=team, user=user, key=key, db=db, timeout=timeout)
        super().__init__(
            alias, url=url, team=team, user=user, db=db, timeout=timeout, cache_bytes=cache_bytes
        )
        self.transport = Transport(
            url=url, team=team, user=user, key=key, db=db, timeout=float(timeout)
        )
        self.graph = CommitGraph(self._fetch_chain, CACHE_SIZE)
        # Bounded by the bytes of the bodies they hold, whatever the ontology's size.
        self._bodies: LRU[tuple[str, str], str] = LRU(CACHE_SIZE, max_weight=cache_bytes, weigh=len)
        self._snapshots: LRU[str, dict[str, str]] = LRU(
            16, max_weight=cache_bytes, weigh=lambda bodies: sum(map(len, bodies.values()))
        )
        self._stamps: LRU[str, str] = LRU(CACHE_SIZE)

    # -- lifecycle -------------------------------------------------------------------------

    def initialize(self, *, author: str = "system") -> Ref:
        try:
            self.transport.create_database(label=self.transport.db, comment="OMS versioned store")
        except TerminusError as exc:
            _unless(exc, "api:DatabaseAlreadyExists")
        if not self._has_schema():
            try:
                self.transport.insert_schema(
                    layout.SCHEMA,
                    branch=layout.DEFAULT_BRANCH,
                    author=author,
                    message="Initial commit",
                )
            except TerminusError as exc:
                _unless(exc, ID_TAKEN)  # another process initialised it meanwhile
        self._ensure_refs_branch()
        self._ensure_branch_info(self.default_branch, author)
        return self.get_branch(self.default_branch)

    def check(self) -> None:
        self.transport.info()
        self.transport.branch_documents()

    # -- refs ------------------------------------------------------------------------------

    def branches(self) -> list[Ref]:
        infos = {
            doc["name"]: doc
            for doc in self.transport.get_documents(
                layout.BRANCH_INFO_CLASS, branch=layout.REFS_BRANCH
            )
        }
        refs = []
        for doc in self.transport.branch_documents():
            if doc["name"].startswith("_") or not doc.get("head"):
                continue  # internal branches, and empty ones (never made by OMS)
            name = layout.decode_branch(doc["name"])
            head = str(doc["head"]).rsplit("/", 1)[-1]
            refs.append(self._branch_ref(name, head, infos.get(name)))
        return sorted(refs, key=lambda ref: ref.name)

    def get_branch(self, name: str) -> Ref:
        base.validate_ref_name(name)
        head = self._branch_head(layout.encode_branch(name))
        if head is None:
            raise RefNotFound(f"No branch named {name!r}.")
        info = self._refs_document(layout.branch_info_iri(name))
        return self._branch_ref(name, head, info)

    def create_branch(self, name: str, *, start: str, author: str = "") -> Ref:
        base.validate_ref_name(name)
        commit_id = self.resolve(start)
        if self._refs_document(layout.tag_iri(name)) is not None:
            raise RefExists(f"A tag named {name!r} exists already.")
        try:
            self.transport.create_branch(layout.encode_branch(name), commit_id)
        except TerminusError as exc:
            _unless(exc, "api:BranchExistsError")
            raise RefExists(f"A branch named {name!r} exists already.") from None
        at = layout.now()
        self.transport.put_documents(
            [layout.branch_info_document(name, author, at)],
            branch=layout.REFS_BRANCH,
            message=f"Branch {name} created",
        )
        return Ref(name, "branch", commit_id, at, author)

    def delete_branch(self, name: str) -> None:
        base.validate_ref_name(name)
        try:
            self.transport.delete_branch(layout.encode_branch(name))
        except TerminusError as exc:
            _unless(exc, "api:BranchDoesNotExistError")
            raise RefNotFound(f"No branch named {name!r}.") from None
        try:
            self.transport.delete_document(
                layout.branch_info_iri(name),
                branch=layout.REFS_BRANCH,
                message=f"Branch {name} deleted",
            )
        except TerminusError as exc:
            _unless(exc, NOT_FOUND)  # a branch made outside OMS has no metadata

    def reset_branch(self, name: str, *, to: str, expected_head: str | None = None) -> Ref:
        """Move branch ``name`` to the commit ``to`` resolves to, with TerminusDB's reset.

        ``POST /api/reset/...`` takes no data-version precondition, so the compare-and-swap
        is a check just before the request: a commit that lands on the branch between that
        check and the reset is left off the branch (it stays readable by id). See "Resetting
        a branch" in ``docs/terminusdb.md``.
        """
        base.validate_ref_name(name)
        encoded = layout.encode_branch(name)
        head = self._branch_head(encoded)
        if head is None:
            raise RefNotFound(f"No branch named {name!r}.")
        if expected_head is not None and head != expected_head:
            raise HeadMoved(f"Branch {name!r} is at {head}, not {expected_head}.")
        target = self.resolve(to)
        # With an expected head equal to the target there is nothing to move, and sending
        # the reset could only undo a commit that raced the check.
        if expected_head is None or target != head:
            try:
                self.transport.reset_branch(encoded, target)
            except TerminusError as exc:
                if exc.error_type == "api:UnresolvableCommitId":
                    raise RefNotFound(f"No commit {target!r}.") from None
                _unless(exc, UNRESOLVABLE)  # the branch was deleted meanwhile
                raise RefNotFound(f"No branch named {name!r}.") from None
        return self._branch_ref(name, target, self._refs_document(layout.branch_info_iri(name)))

    def tags(self) -> list[Ref]:
        documents = self.transport.get_documents(layout.TAG_CLASS, branch=layout.REFS_BRANCH)
        return sorted((_tag_ref(doc) for doc in documents), key=lambda ref: ref.name)

    def create_tag(self, name: str, *, target: str, author: str = "") -> Ref:
        base.validate_ref_name(name, what="tag")
        commit_id = self.resolve(target)
        if self._branch_head(layout.encode_branch(name)) is not None:
            raise RefExists(f"A branch named {name!r} exists already.")
        at = layout.now()
        try:
            self.transport.insert_documents(
                [layout.tag_document(name, commit_id, author, at)],
                branch=layout.REFS_BRANCH,
                message=f"Tag {name} created",
            )
        except TerminusError as exc:
            _unless(exc, ID_TAKEN)
            raise RefExists(f"A tag named {name!r} exists already.") from None
        return Ref(name, "tag", commit_id, at, author)

    def resolve(self, ref: str) -> str:
        return self._lookup(ref)[1]

    # -- writes ----------------------------------------------------------------------------

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
        """One WOQL transaction, guarded by the stamp it rewrites (see ``docs/terminusdb.md``).

        The real server compares the data-version header once, before the transaction, and
        re-runs a transaction that met a concurrent commit on the new head without comparing
        again. So the query itself carries the check: it matches the ``OmsStamp`` nonce of
        the head it was planned on, which every OMS commit rewrites. Re-run on another head,
        the query has no solution and writes nothing; a document that appeared or vanished
        meanwhile makes the insert or update fail. Both are a lost race: plan again, or
        ``HeadMoved`` for a caller that pinned the head.
        """
        base.validate_ref_name(branch)
        checked = base.validate_changes(changes, allow_empty=merge_parent is not None)
        merge_id = self.resolve(merge_parent) if merge_parent is not None else None
        text = encode_message(message, merge_id)
        encoded = layout.encode_branch(branch)
        for attempt in range(MAX_CAS_ATTEMPTS):
            head = self._branch_head(encoded)
            if head is None:
                raise RefNotFound(f"No branch named {branch!r}.")
            if expected_head is not None and head != expected_head:
                raise HeadMoved(f"Branch {branch!r} is at {head}, not {expected_head}.")
            self._check_deletes(head, checked)
            nonce = uuid.uuid4().hex
            query = _write_query(checked, self._present(head, checked), self._stamp_at(head), nonce)
            try:
                answer = self.transport.woql_write(
                    query, branch=encoded, author=author, message=text, version=f"branch:{head}"
                )
            except TerminusError as exc:
                if exc.error_type == UNRESOLVABLE:
                    raise RefNotFound(f"No branch named {branch!r}.") from None
                _unless(exc, "api:DataVersionMismatch", ID_TAKEN, NOT_FOUND)
                answer = None
            if answer is None or not answer.solutions:
                # Someone else's commit came first (before the request, or during it and the
                # server re-ran ours on top of it, where its guard no longer matched).
                if expected_head is not None:
                    raise HeadMoved(f"Branch {branch!r} moved past {expected_head}.")
                _back_off(attempt)
                continue
            commit = self.graph.get(answer.version.partition(":")[2], prefetch=1)
            if commit.parents[:1] != (head,):
                raise WriteRaced(
                    f"TerminusDB committed {commit.id} on {commit.parents[:1]}, not on {head} "
                    f"(transaction retried {answer.retries} time(s)); the history sweep "
                    "reconciles it."
                )
            self._stamps.put(commit.id, nonce)
            return commit
        raise StoreUnavailable(f"Branch {branch!r} is too contended; try again.")

    def _present(self, head: str, changes: list[Change]) -> set[str]:
        """The ids of the documents put that exist at ``head`` (replaced, not inserted)."""
        return {c.doc_id for c in changes if isinstance(c, Put) and self._body_at(head, c.doc_id)}

    def _stamp_at(self, commit_id: str) -> str | None:
        """The ``OmsStamp`` nonce at a commit (None before the first OMS commit)."""
        cached = self._stamps.get(commit_id)
        if cached is None:
            try:
                stamp = self.transport.get_document(layout.STAMP_ID, commit=commit_id)
                cached = str(stamp["nonce"])
            except TerminusError as exc:
                _unless(exc, NOT_FOUND)
                cached = ABSENT
            self._stamps.put(commit_id, cached)
        return cached or None

    def _check_deletes(self, head: str, changes: list[Change]) -> None:
        for change in changes:
            if not isinstance(change, Put) and self._body_at(head, change.doc_id) is None:
                raise DocumentNotFound(f"Cannot delete {change.doc_id!r}: no such document.")

    # -- reads -----------------------------------------------------------------------------

    def get(self, ref: str, doc_id: str) -> Document:
        base.validate_doc_id(doc_id)
        body = self._body_at(self.resolve(ref), doc_id)
        if body is None:
            raise DocumentNotFound(f"No document {doc_id!r} at {ref!r}.")
        return layout.decode_body(body)

    def snapshot(self, ref: str) -> dict[str, Document]:
        commit_id = self.resolve(ref)
        bodies = self._snapshots.get(commit_id)
        if bodies is None:
            documents = self.transport.get_documents(layout.DOCUMENT_CLASS, commit=commit_id)
            bodies = {doc["oms_id"]: doc["body"] for doc in documents}
            self._snapshots.put(commit_id, bodies)
        return {doc_id: layout.decode_body(body) for doc_id, body in bodies.items()}

    def changes(self, base: str, head: str) -> list[DocumentChange]:
        before, after = self.resolve(base), self.resolve(head)
        if before == after:
            return []
        found = (
            diffs.document_change(
                patch,
                lambda doc_id: self._body_at(before, doc_id),
                lambda doc_id: self._body_at(after, doc_id),
            )
            for patch in self.transport.diff(before, after)
        )
        return sorted((c for c in found if c is not None), key=lambda c: c.doc_id)

    def merge_base(self, a: str, b: str) -> str | None:
        return self.graph.merge_base(self.resolve(a), self.resolve(b))

    def get_commit(self, commit_id: str) -> CommitInfo:
        if not isinstance(commit_id, str) or not COMMIT_ID_RE.match(commit_id):
            raise RefNotFound(f"No commit {commit_id!r}.")
        return self.graph.get(commit_id)

    def log(
        self,
        ref: str,
        *,
        doc_id: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> LogPage:
        limit = max(1, min(int(limit), 1000))
        kind, head = self._lookup(ref)
        if doc_id is not None:
            base.validate_doc_id(doc_id)
            return self._document_log(
                ref if kind == "branch" else None, head, doc_id, cursor, limit
            )
        frontier = self._cursor_commits(cursor) if cursor else [head]
        page, rest = self.graph.log_page(frontier, limit)
        return LogPage(page, cursors.encode(rest) if rest else None)

    def _document_log(
        self, branch: str | None, head: str, doc_id: str, cursor: str | None, limit: int
    ) -> LogPage:
        history = DocumentHistory(
            self.graph,
            lambda commit_id: self._body_at(commit_id, doc_id),
            self._known_changes(branch or self.default_branch, doc_id),
        )
        first: str | None
        if cursor:
            (first,) = self._cursor_commits(cursor, size=1)
        else:
            first = history.introducer(head)
        page, after = history.page(first, limit)
        return LogPage(page, cursors.encode([after]) if after else None)

    def _known_changes(self, branch: str, doc_id: str) -> dict[str, bool]:
        """For a branch's first-parent chain, which commits changed ``doc_id``.

        From TerminusDB's history endpoint; empty when the branch moved while asking (the
        answer would not match the chain).
        """
        encoded = layout.encode_branch(branch)
        head = self._branch_head(encoded)
        if head is None:
            return {}
        chain = self.graph.first_parent_chain(head)
        # One request: the server's ``start`` skips commits of its walk while ``count``
        # limits the entries (history.pl walk_history_), so a page's end is not the next
        # page's start; the chain's length bounds the entries.
        entries = self.transport.history(
            encoded, layout.document_iri(doc_id), start=0, count=len(chain)
        )
        touched = {str(entry["identifier"]) for entry in entries}
        if self._branch_head(encoded) != head:
            return {}
        return {commit_id: commit_id in touched for commit_id in chain}

    # -- internals -------------------------------------------------------------------------

    def _lookup(self, ref: str) -> tuple[str, str]:
        """``("branch" | "tag" | "commit", commit id)`` for a ref: branches, then tags, then ids."""
        if not isinstance(ref, str) or not ref:
            raise InvalidName(f"Invalid ref {ref!r}.")
        named = _is_ref_name(ref)
        if named:
            head = self._branch_head(layout.encode_branch(ref))
            if head is not None:
                return "branch", head
            tag = self._refs_document(layout.tag_iri(ref))
            if tag is not None:
                return "tag", str(tag["commit"])
        if COMMIT_ID_RE.match(ref):
            if self._commit_exists(ref):
                return "commit", ref
        elif not named:
            base.validate_ref_name(ref, what="ref")
        raise RefNotFound(f"No branch, tag or commit {ref!r}.")

    def _branch_head(self, terminus_branch: str) -> str | None:
        """The head commit of a TerminusDB branch (None if there is no such branch)."""
        try:
            entries = self.transport.log(f"local/branch/{terminus_branch}", count=1)
        except TerminusError as exc:
            _unless(exc, UNRESOLVABLE)
            return None
        return self.graph.remember(entries)[0].id if entries else None

    def _commit_exists(self, commit_id: str) -> bool:
        try:
            self.graph.get(commit_id)
        except RefNotFound:
            return False
        return True

    def _fetch_chain(self, commit_id: str, count: int) -> list[dict[str, Any]]:
        try:
            return self.transport.log(f"local/commit/{commit_id}", count=count)
        except TerminusError as exc:
            _unless(exc, UNRESOLVABLE)
            raise RefNotFound(f"No commit {commit_id!r}.") from None

    def _body_at(self, commit_id: str, doc_id: str) -> str | None:
        """The stored body of a document at a commit (None if absent), cached forever."""
        cached = self._bodies.get((commit_id, doc_id))
        if cached is None:
            try:
                document = self.transport.get_document(
                    layout.document_iri(doc_id), commit=commit_id
                )
                cached = str(document["body"])
            except TerminusError as exc:
                _unless(exc, NOT_FOUND)
                cached = ABSENT
            self._bodies.put((commit_id, doc_id), cached)
        return cached or None

    def _refs_document(self, iri: str) -> dict[str, Any] | None:
        """A tag or branch-info document of ``_oms_refs`` (None if there is none)."""
        try:
            return self.transport.get_document(iri, branch=layout.REFS_BRANCH)
        except TerminusError as exc:
            _unless(exc, NOT_FOUND)
            return None

    def _branch_ref(self, name: str, head: str, info: dict[str, Any] | None) -> Ref:
        if info is None:  # made outside OMS: the best creation time known is its head's
            return Ref(name, "branch", head, self.graph.get(head).timestamp)
        created_at = layout.parse_time(str(info["created_at"]))
        return Ref(name, "branch", head, created_at, str(info.get("created_by", "")))

    def _has_schema(self) -> bool:
        try:
            self.transport.get_document(
                layout.DOCUMENT_CLASS, branch=layout.DEFAULT_BRANCH, graph_type="schema"
            )
        except TerminusError as exc:
            _unless(exc, NOT_FOUND)
            return False
        return True

    def _ensure_refs_branch(self) -> None:
        names = {doc["name"] for doc in self.transport.branch_documents()}
        if layout.REFS_BRANCH in names:
            return
        root = self._branch_head(layout.DEFAULT_BRANCH)
        if root is None:
            raise RefNotFound(f"Branch {self.default_branch!r} has no commit.")
        try:
            self.transport.create_branch(layout.REFS_BRANCH, root)
        except TerminusError as exc:
            _unless(exc, "api:BranchExistsError")

    def _ensure_branch_info(self, name: str, author: str) -> None:
        try:
            self.transport.insert_documents(
                [layout.branch_info_document(name, author, layout.now())],
                branch=layout.REFS_BRANCH,
                message=f"Branch {name} created",
            )
        except TerminusError as exc:
            _unless(exc, ID_TAKEN)

    def _cursor_commits(self, cursor: str, size: int | None = None) -> list[str]:
        ids = cursors.decode(cursor, COMMIT_ID_RE)
        if (size is not None and len(ids) != size) or not all(map(self._commit_exists, ids)):
            raise cursors.invalid(cursor)
        return ids


def _write_query(
    changes: list[Change], present: set[str], stamp: str | None, nonce: str
) -> dict[str, Any]:
    """One WOQL transaction: the guard, every put and delete, and the new stamp.

    The guard matches the stamp nonce of the planned-on head; before the first OMS commit
    there is no stamp, and inserting it fails if another writer inserted it first.
    """
    steps = []
    if stamp is not None:
        steps.append(WOQLQuery().triple(layout.STAMP_ID, "nonce", WOQLQuery().string(stamp)))
    for change in changes:
        if not isinstance(change, Put):
            steps.append(WOQLQuery().delete_document(layout.document_iri(change.doc_id)))
        elif change.doc_id in present:
            steps.append(WOQLQuery().update_document(Doc(layout.to_terminus(change.document))))
        else:
            steps.append(WOQLQuery().insert_document(Doc(layout.to_terminus(change.document))))
    new_stamp = Doc(layout.stamp(nonce))
    steps.append(
        WOQLQuery().update_document(new_stamp)
        if stamp is not None
        else WOQLQuery().insert_document(new_stamp)
    )
    return WOQLQuery().woql_and(*steps).to_dict()


def _tag_ref(document: dict[str, Any]) -> Ref:
    created_at = layout.parse_time(str(document["created_at"]))
    created_by = str(document.get("created_by", ""))
    return Ref(str(document["name"]), "tag", str(document["commit"]), created_at, created_by)


def _unless(exc: TerminusError, *error_types: str) -> None:
    """Re-raise ``exc`` unless TerminusDB said one of ``error_types`` (expected answers)."""
    if exc.error_type not in error_types:
        raise exc


def _is_ref_name(ref: str) -> bool:
    try:
        base.validate_ref_name(ref, what="ref")
    except InvalidName:
        return False
    return True


def _back_off(attempt: int) -> None:
    """Sleep a little before retrying a lost compare-and-swap (jittered, capped)."""
    time.sleep(random.uniform(0, min(0.5, 0.005 * 2**attempt)))
