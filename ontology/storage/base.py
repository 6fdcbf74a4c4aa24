"""The versioned document store contract.

Every backend (``ontology.storage.sql.SQLStore``, ``ontology.storage.terminusdb.TerminusDBStore``)
implements :class:`VersionedStore` and passes the shared contract suite in
``tests/storage/test_contract.py``. Callers never see backend types: they get documents
(plain JSON objects), :class:`CommitInfo` records, :class:`Ref` records and the exceptions of
``ontology.storage.exceptions``.
"""

from __future__ import annotations

import abc
import builtins
import contextlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from oms_project import metrics
from ontology.storage.exceptions import (
    CorruptStore,
    DocumentNotFound,
    InvalidChange,
    InvalidName,
    StoreError,
)

Document = dict[str, Any]

# Branch and tag names: a conservative subset of git's rules (no "..", no trailing "/",
# ".lock" or ".", nothing that could be read as a path segment or a commit id prefix).
REF_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
REF_NAME_MAX = 100
#: A ref name inside a URL path; lazy, so that routes below /branches/{name}/ still match.
REF_URL_PATTERN = r"[A-Za-z][A-Za-z0-9._/-]*?"
#: What reads as a commit id (or its prefix): never a branch or tag name.
COMMIT_LIKE_RE = re.compile(r"^[0-9a-f]{7,64}$")
DOC_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
DOC_ID_MAX = 200


@dataclass(frozen=True)
class Put:
    """Create or replace one document (the document carries its own ``id``)."""

    document: Document

    @property
    def doc_id(self) -> str:
        return self.document["id"]


@dataclass(frozen=True)
class Delete:
    """Delete one existing document."""

    doc_id: str


Change = Put | Delete


@dataclass(frozen=True)
class CommitInfo:
    """An immutable commit: its id, parents (first parent first), author, message, time."""

    id: str
    parents: tuple[str, ...]
    author: str
    message: str
    timestamp: datetime


@dataclass(frozen=True)
class Ref:
    """A named pointer: a branch (movable) or a tag (immutable)."""

    name: str
    kind: str  # "branch" | "tag"
    head: str
    created_at: datetime
    created_by: str = ""


@dataclass(frozen=True)
class DocumentChange:
    """One document that differs between two commits; ``before``/``after`` is None when absent."""

    doc_id: str
    before: Document | None
    after: Document | None


@dataclass(frozen=True)
class LogPage:
    """One page of a log; pass ``next_cursor`` back to get the next page (None at the end)."""

    commits: list[CommitInfo]
    next_cursor: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class VersionedStore(abc.ABC):
    """Git-like storage of JSON documents.

    Semantics every backend honours:

    * Documents are JSON objects with a string ``id`` (``DOC_ID_RE``, at most ``DOC_ID_MAX``
      characters). A commit applies a set of :class:`Put`/:class:`Delete` changes
      atomically: either all of them become visible under a new commit or none does.
    * Commits are immutable, have an opaque string id, an author, a message, a timestamp and
      one parent (two for a merge commit; the first is the branch's previous head). They
      form a DAG. The very first commit of a store is made by :meth:`initialize`.
    * Branches are named movable pointers; tags are immutable named pointers. Both share
      the name rules of ``REF_NAME_RE``; a branch and a tag may not share a name.
    * Every read takes a ``ref``: a branch name, a tag name or a commit id (time travel).
      Branch names win over tag names, tag names over commit ids.
    * :meth:`commit` is compare-and-swap on the branch head. With ``expected_head`` the
      commit applies only if the head is still that commit, else :class:`HeadMoved`. Without
      it the store applies the changes on top of whatever the head is at that moment, so
      concurrent writers never lose an update.
    * Cost model: creating a branch is O(1); a commit is O(documents changed); ``changes``
      is O(documents changed); reading one document at any commit is O(1) lookups; logs are
      paged by cursor. What a process caches is bounded by its OPTIONS, not by the data.
    """

    #: Name of the branch :meth:`initialize` creates.
    default_branch = "main"
    #: Whether commits run inside Django's default database transaction, so that rows written
    #: next to them (the audit outbox) commit or roll back with them.
    shares_database_transaction = False

    #: The operations timed on /metrics (``oms_store_operation_seconds``), by backend.
    timed_operations = (
        "branch_head", "resolve", "commit", "reset_branch", "create_branch", "get", "get_many",
        "content_texts", "snapshot", "list", "changes", "changed_ids", "merge_base", "get_commit",
        "log",
    )  # fmt: skip

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        metrics.timed_operations(
            cls, cls.__name__.removesuffix("Store").lower(), cls.timed_operations
        )

    def __init__(self, alias: str = "default", **options: Any) -> None:
        self.alias = alias
        self.options = options

    # -- lifecycle -------------------------------------------------------------------------

    @abc.abstractmethod
    def initialize(self, *, author: str = "system") -> Ref:
        """Create the store's root commit and ``main`` if the store is empty; idempotent."""

    @abc.abstractmethod
    def check(self) -> None:
        """Raise ``StoreUnavailable`` if the backend cannot serve requests (health checks)."""

    # -- refs ------------------------------------------------------------------------------

    @abc.abstractmethod
    def branches(self) -> list[Ref]:
        """All branches, sorted by name."""

    @abc.abstractmethod
    def get_branch(self, name: str) -> Ref:
        """One branch; ``RefNotFound`` if there is none."""

    def branch_head(self, name: str) -> str:
        """The commit a branch points at (``RefNotFound`` if there is none); the hot path."""
        return self.get_branch(name).head

    @abc.abstractmethod
    def create_branch(self, name: str, *, start: str, author: str = "") -> Ref:
        """Create branch ``name`` pointing at the commit ``start`` resolves to; O(1)."""

    @abc.abstractmethod
    def delete_branch(self, name: str) -> None:
        """Delete a branch (its commits stay reachable by id)."""

    @abc.abstractmethod
    def tags(self) -> list[Ref]:
        """All tags, sorted by name."""

    @abc.abstractmethod
    def create_tag(self, name: str, *, target: str, author: str = "") -> Ref:
        """Create an immutable tag on the commit ``target`` resolves to."""

    @abc.abstractmethod
    def resolve(self, ref: str) -> str:
        """The commit id a branch, tag or commit id names; ``RefNotFound`` otherwise."""

    # -- writes ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def write_lock(self, branch: str) -> Iterator[str]:
        """Hold other writers of ``branch`` off for the block; yields the branch head.

        Callers that plan a commit from the head (validate, then commit with
        ``expected_head``) use it so that concurrent writers queue instead of retrying.
        Backends without locks yield the head and rely on compare-and-swap: the commit may
        still raise ``HeadMoved``, and callers retry.
        """
        yield self.get_branch(branch).head

    @abc.abstractmethod
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
        """Apply ``changes`` to ``branch`` as one new commit and move the branch to it.

        ``merge_parent`` makes a merge commit whose second parent is that commit; only a
        merge commit may have an empty change set. Raises ``InvalidChange`` (bad documents,
        duplicate ids, empty change set),
        ``DocumentNotFound`` (deleting a missing document), ``HeadMoved`` (stale
        ``expected_head``) and ``RefNotFound``; on any error nothing is written.
        """

    @abc.abstractmethod
    def reset_branch(self, name: str, *, to: str, expected_head: str | None = None) -> Ref:
        """Point ``name`` at the commit ``to`` resolves to (compare-and-swap on the head).

        Nothing is deleted: commits left behind stay readable by id. ``HeadMoved`` when
        ``expected_head`` is stale.
        """

    # -- reads -----------------------------------------------------------------------------

    @abc.abstractmethod
    def get(self, ref: str, doc_id: str) -> Document:
        """The document ``doc_id`` as of ``ref``; ``DocumentNotFound`` if absent there."""

    def get_many(self, ref: str, doc_ids: Iterable[str]) -> dict[str, Document]:
        """The documents of ``doc_ids`` present at ``ref``, keyed by id (absent ones left out).

        Reads of a page of elements: backends answer it in as few round trips as they can.
        """
        found: dict[str, Document] = {}
        for doc_id in doc_ids:
            try:
                found[doc_id] = self.get(ref, doc_id)
            except DocumentNotFound:
                continue
        return found

    def content_key(self, text: str) -> str:
        """The key of a document whose canonical JSON is ``text`` for :meth:`content_texts`,
        the same at every commit that holds it ("": this store has no such keys).

        The index keeps it with each element's row, so a page of a list reads its bodies
        without looking each one up in the commit's tree.
        """
        return ""

    def content_texts(self, keys: Iterable[str]) -> dict[str, str]:
        """The canonical JSON text of documents by :meth:`content_key`, keyed by it, unparsed
        (a list page answers with it as it is); a key the store lacks is ``CorruptStore``."""
        wanted = builtins.list(keys)
        if wanted:
            raise CorruptStore(f"{type(self).__name__} keeps no documents by content.")
        return {}

    @abc.abstractmethod
    def snapshot(self, ref: str) -> dict[str, Document]:
        """Every document as of ``ref``, keyed by id."""

    def walk(self, ref: str, *, batch_size: int = 500) -> Iterator[builtins.list[Document]]:
        """Every document as of ``ref``, ``batch_size`` at a time, in no particular order.

        What rebuilds and verifies the index reads: a backend that can stream keeps only a
        batch in memory.
        """
        documents = builtins.list(self.snapshot(ref).values())
        for start in range(0, len(documents), batch_size):
            yield documents[start : start + batch_size]

    def list(self, ref: str, *, kind: str | None = None) -> list[Document]:
        """Documents as of ``ref`` sorted by id, optionally only those whose ``kind`` matches."""
        docs = self.snapshot(ref).values()
        return sorted(
            (d for d in docs if kind is None or d.get("kind") == kind),
            key=lambda d: d["id"],
        )

    # From here on ``list`` in this class body is the method above: annotations spell the
    # built-in type ``builtins.list``.

    @abc.abstractmethod
    def changes(self, base: str, head: str) -> builtins.list[DocumentChange]:
        """Documents that differ between two refs, sorted by id (direct, not via merge base)."""

    def changed_ids(self, base: str, head: str) -> builtins.list[str]:
        """The ids of the documents that differ between two refs (no bodies), sorted."""
        return [change.doc_id for change in self.changes(base, head)]

    @abc.abstractmethod
    def merge_base(self, a: str, b: str) -> str | None:
        """The best common ancestor of two refs (None if they share no history)."""

    @abc.abstractmethod
    def get_commit(self, commit_id: str) -> CommitInfo:
        """One commit by id; ``RefNotFound`` if unknown."""

    @abc.abstractmethod
    def log(
        self,
        ref: str,
        *,
        doc_id: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> LogPage:
        """Commits reachable from ``ref``, newest first, a page at a time.

        With ``doc_id``, only the commits that changed that document (its history).
        """

    # -- integrity -------------------------------------------------------------------------

    def verify(self) -> builtins.list[str]:
        """Problems found in the stored data (empty when sound); used by ``storage_fsck``.

        This generic check walks every ref's full history through the public API: each ref
        must point at a readable commit whose parents and snapshot are readable. Backends
        that can also check content hashes override it and add those checks.
        """
        problems: list[str] = []
        seen: set[str] = set()
        for ref in self.branches() + self.tags():
            cursor: str | None = None
            while True:
                try:
                    page = self.log(ref.head, cursor=cursor, limit=500)
                except StoreError as exc:
                    problems.append(f"{ref.kind} {ref.name}: history unreadable: {exc}")
                    break
                for commit in page.commits:
                    if commit.id in seen:
                        continue
                    seen.add(commit.id)
                    try:
                        self.snapshot(commit.id)
                    except StoreError as exc:
                        problems.append(f"commit {commit.id}: snapshot unreadable: {exc}")
                if not (cursor := page.next_cursor):
                    break
        return problems


# -- validation helpers shared by the backends ------------------------------------------------


def validate_ref_name(name: object, *, what: str = "branch") -> str:
    """Return ``name`` if it is a valid branch or tag name, else raise ``InvalidName``."""
    if (
        not isinstance(name, str)
        or len(name) > REF_NAME_MAX
        or not REF_NAME_RE.fullmatch(name)
        or ".." in name
        or name.endswith((".", ".lock"))
    ):
        raise InvalidName(
            f"Invalid {what} name {name!r}: use letters, digits, '.', '_', '-' and '/' "
            f"separated segments, starting with a letter, at most {REF_NAME_MAX} characters."
        )
    if COMMIT_LIKE_RE.fullmatch(name):
        raise InvalidName(f"Invalid {what} name {name!r}: it reads as a commit id.")
    return name


def validate_doc_id(doc_id: object) -> str:
    """Return ``doc_id`` if it is a valid document id, else raise ``InvalidName``."""
    if not isinstance(doc_id, str) or len(doc_id) > DOC_ID_MAX or not DOC_ID_RE.fullmatch(doc_id):
        raise InvalidName(
            f"Invalid document id {doc_id!r}: use letters, digits, '.', '_', ':' and '-', "
            f"at most {DOC_ID_MAX} characters."
        )
    return doc_id


def validate_changes(changes: Iterable[Change], *, allow_empty: bool = False) -> list[Change]:
    """Check a change set (types, ids, JSON-ness, no duplicates) before any write.

    Only a merge commit (``allow_empty``) may change nothing: it still records the merge.
    """
    checked: list[Change] = []
    seen: set[str] = set()
    for index, change in enumerate(changes):
        if isinstance(change, Put):
            if not isinstance(change.document, Mapping):
                raise InvalidChange(f"changes[{index}]: the document must be a JSON object.")
            validate_doc_id(change.document.get("id"))
            try:
                json.dumps(change.document, allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise InvalidChange(f"changes[{index}]: not JSON-serialisable: {exc}") from exc
        elif isinstance(change, Delete):
            validate_doc_id(change.doc_id)
        else:
            raise InvalidChange(f"changes[{index}]: expected Put or Delete, got {change!r}.")
        if change.doc_id in seen:
            raise InvalidChange(f"changes[{index}]: document {change.doc_id!r} changed twice.")
        seen.add(change.doc_id)
        checked.append(change)
    if not checked and not allow_empty:
        raise InvalidChange("A commit needs at least one change.")
    return checked


def canonical_json(value: Any) -> str:
    """The one JSON text of a value that hashes are computed over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
