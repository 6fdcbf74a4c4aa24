"""Writes to the ontology: every write is one commit on a branch, checked before it lands.

A write is planned against the catalog of the branch head, validated (shape, then
integrity of the whole result), and committed with compare-and-swap on that head. When
another writer moved the head in between, the write is planned again on the new head
(unless the caller pinned ``expected_head``), so nothing is lost and nothing unchecked
lands. Renaming an element or a property rewrites every reference to it in the same
commit; the response lists the elements that were rewritten.
"""

from __future__ import annotations

import copy
import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import transaction

from integrations.user_service.principal import Principal
from oms_project.exceptions import flatten_drf_errors
from ontology import documents, integrity
from ontology.catalog import Catalog, catalogs
from ontology.exceptions import (
    ElementExists,
    ElementNotFound,
    ElementReferenced,
    IntegrityFailed,
    InvalidElement,
    VersionMismatch,
)
from ontology.kinds import KINDS
from ontology.references import renamed
from ontology.signals import commit_created, commit_intended, commit_requested
from ontology.storage import get_store
from ontology.storage.base import DOC_ID_MAX, DOC_ID_RE, CommitInfo, Delete, Document, Put
from ontology.storage.exceptions import HeadMoved, InvalidChange

MAX_ATTEMPTS = 8
Op = Literal["create", "update", "delete"]


@dataclass(frozen=True)
class Operation:
    """One change a client asks for: create, update (replace) or delete an element."""

    op: Op
    kind: str
    api_name: str = ""  # the element to update or delete (its current apiName)
    body: dict[str, Any] | None = None  # the new document (create, update)
    if_match: str | None = None  # the version the client last saw
    path: str = "$"  # where this operation sits in the request, for error paths
    element_id: str | None = None  # create only: keep this id (imports preserve ids)


@dataclass
class CommitResult:
    """What a write did: the commit, the written elements, the elements renamed along."""

    commit: CommitInfo | None
    elements: list[Document] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    cascaded: list[Document] = field(default_factory=list)
    dry_run: bool = False


def elements_commit(
    *,
    branch: str,
    operations: Sequence[Operation],
    actor: Principal,
    message: str,
    expected_head: str | None = None,
    dry_run: bool = False,
) -> CommitResult:
    """Apply element operations to ``branch`` as one checked, atomic commit."""
    if not operations:
        raise InvalidChange("A commit needs at least one change.")
    for operation in operations:
        if operation.kind not in KINDS:
            raise InvalidElement(f"Unknown kind {operation.kind!r}.")
    commit_requested.send(sender="ontology", branch=branch, actor=actor, operations=operations)
    bodies = [_validated(op) for op in operations]
    plans: list[_Plan] = []

    def plan(catalog: Catalog) -> dict[str, Document | None]:
        plans.append(_plan(catalog, operations, bodies))
        return plans[-1].changes()

    written = changes_commit(
        branch=branch, actor=actor, message=message, plan=plan, expected_head=expected_head,
        dry_run=dry_run, locate=lambda problem: _locate(problem, operations, plans[-1]),
    )  # fmt: skip
    return plans[-1].result(written.commit, dry_run=dry_run)


@dataclass
class Written:
    """A checked commit (``commit`` is None for a dry run) and the catalogs around it."""

    commit: CommitInfo | None
    before: Catalog
    after: Catalog
    changes: dict[str, Document | None]


def changes_commit(
    *,
    branch: str,
    actor: Principal,
    message: str,
    plan: Callable[[Catalog], dict[str, Document | None]],
    expected_head: str | None = None,
    merge_parent: str | None = None,
    dry_run: bool = False,
    locate: Callable[[integrity.Problem], dict[str, Any]] | None = None,
) -> Written:
    """Commit what ``plan`` derives from the branch head, if the result passes integrity.

    ``plan`` runs while the branch is locked, on the catalog of its current head, and
    returns the documents to put (or None to delete) by id. The commit announces itself
    with ``commit_created`` in the same transaction. Every write of elements goes here.
    """
    store = get_store()
    for attempt in range(MAX_ATTEMPTS):
        try:
            with store.write_lock(branch) as head:
                if expected_head is not None and head != expected_head:
                    raise HeadMoved(
                        f"Branch {branch!r} is at {head}, not {expected_head}.", head=head
                    )
                before = catalogs(store).at(head)
                changes = plan(before)
                after = before.patched("pending", changes.items())
                problems = integrity.check(after, changes)
                if problems:
                    raise IntegrityFailed(
                        f"The change leaves {len(problems)} integrity problem(s).",
                        errors=[(locate or integrity.Problem.as_error)(p) for p in problems],
                    )
                if dry_run:
                    return Written(None, before, after, changes)
                if not changes and merge_parent is None:
                    raise InvalidChange("Nothing to commit: the branch already has this content.")
                pairs = [(before.by_id.get(i), d) for i, d in changes.items()]
                intent = _intend(store, branch, head, actor, message, pairs)
                with transaction.atomic():
                    info = store.commit(
                        branch,
                        [Put(d) if d is not None else Delete(i) for i, d in changes.items()],
                        author=actor.username, expected_head=head, merge_parent=merge_parent,
                        message=f"{message}\n\nOMS-Intent: {intent}" if intent else message,
                    )  # fmt: skip
                    commit_created.send(
                        sender="ontology", branch=branch, commit=info, actor=actor,
                        changes=pairs, intent=intent,
                    )  # fmt: skip
        except HeadMoved:
            if expected_head is not None:
                raise
            # Only backends without write locks get here: back off and plan again.
            time.sleep(random.uniform(0, 0.01 * 2**attempt))
            continue
        after.commit = info.id  # the planned catalog is the new commit's: no second copy
        catalogs(store).remember(after)
        return Written(info, before, after, changes)
    raise HeadMoved(f"Branch {branch!r} kept moving; try again.")


def _intend(store, branch, head, actor, message, pairs) -> uuid.UUID | None:  # type: ignore[no-untyped-def]
    """Record the write before it reaches a store outside the database transaction.

    If the process dies between the store commit and the outbox transaction, the history
    sweep finds the commit by the intent id in its message and announces it; if it dies
    before the store commit, the sweep finds nothing and drops the intent.
    """
    if store.shares_database_transaction:
        return None
    intent = uuid.uuid4()
    commit_intended.send(
        sender="ontology", intent=intent, branch=branch, expected_head=head, actor=actor,
        message=message, changes=pairs,
    )  # fmt: skip
    return intent


def _validated(operation: Operation) -> dict[str, Any] | None:
    """The operation's body checked against its kind's schema (400 with paths if not)."""
    if operation.op == "delete":
        return None
    if not isinstance(operation.body, dict):
        raise InvalidElement(
            "The document must be a JSON object.",
            errors=[{"path": operation.path, "code": "invalid", "message": "Expected an object."}],
        )
    serializer = KINDS[operation.kind].serializer(data=operation.body)
    if not serializer.is_valid():
        errors = flatten_drf_errors(serializer.errors, operation.path)
        raise InvalidElement(f"The {KINDS[operation.kind].label} is invalid.", errors=errors)
    return dict(serializer.validated_data)


@dataclass
class _Plan:
    """The documents a write puts and deletes (and which operation asked for each)."""

    before: Catalog
    puts: dict[str, Document] = field(default_factory=dict)
    deletes: dict[str, Document] = field(default_factory=dict)
    cascaded: dict[str, Document] = field(default_factory=dict)
    origin: dict[str, int] = field(default_factory=dict)  # doc id -> operation index

    def changes(self) -> dict[str, Document | None]:
        return {**self.puts, **dict.fromkeys(self.deletes)}

    def result(self, info: CommitInfo | None, *, dry_run: bool = False) -> CommitResult:
        written = [d for i, d in self.puts.items() if i not in self.cascaded]
        return CommitResult(
            commit=info,
            elements=[documents.with_version(d) for d in written],
            deleted=[f"{d['kind']}/{d['apiName']}" for d in self.deletes.values()],
            cascaded=[documents.with_version(d) for d in self.cascaded.values()],
            dry_run=dry_run,
        )


def _plan(catalog: Catalog, operations: Sequence[Operation], bodies: list) -> _Plan:  # type: ignore[type-arg]
    plan = _Plan(catalog)
    renames: dict[tuple[str, str], str] = {}
    prop_renames: dict[tuple[str, str], dict[str, str]] = {}
    for index, (operation, body) in enumerate(zip(operations, bodies, strict=True)):
        existing = None
        if operation.op != "create":
            existing = catalog.get(operation.kind, operation.api_name)
            if existing is None:
                raise ElementNotFound(
                    f"No {KINDS[operation.kind].label} named {operation.api_name!r}.",
                    errors=[{"path": operation.path, "code": "not_found",
                             "message": f"{operation.kind}/{operation.api_name} does not exist."}],
                )  # fmt: skip
            if operation.if_match and operation.if_match != documents.version(existing):
                raise VersionMismatch(
                    f"{operation.kind}/{operation.api_name} is at version "
                    f"{documents.version(existing)}, not {operation.if_match}.",
                    current=documents.version(existing),
                )
            if existing["id"] in plan.origin:
                raise InvalidChange(f"{operation.path}: the element is changed twice.")
        if operation.op == "delete":
            assert existing is not None
            plan.deletes[existing["id"]] = existing
            plan.origin[existing["id"]] = index
            continue
        document = documents.prepare(operation.kind, body, existing)
        if operation.op == "create" and operation.element_id:
            document["id"] = _claimed_id(catalog, plan, operation)
        taken = catalog.get(operation.kind, document["apiName"])
        if taken is not None and taken["id"] != document["id"] and taken["id"] not in plan.deletes:
            raise ElementExists(
                f"A {KINDS[operation.kind].label} named {document['apiName']!r} exists already.",
                errors=[{"path": f"{operation.path}.apiName", "code": "element_exists",
                         "message": f"{operation.kind}/{document['apiName']} exists."}],
            )  # fmt: skip
        if existing is not None:
            _collect_renames(existing, document, renames, prop_renames)
        plan.puts[document["id"]] = document
        plan.origin[document["id"]] = index
    _guard_deletes(catalog, plan, operations)
    _cascade(catalog, plan, renames, prop_renames)
    return plan


def _claimed_id(catalog: Catalog, plan: _Plan, operation: Operation) -> str:
    """The id an import asks a created element to keep, when it is valid and free."""
    element_id = operation.element_id or ""
    if not DOC_ID_RE.fullmatch(element_id) or len(element_id) > DOC_ID_MAX:
        raise InvalidElement(
            f"{element_id!r} is not a valid element id.",
            errors=[{"path": f"{operation.path}.id", "code": "invalid_id",
                     "message": "Letters, digits, '.', '_', ':' and '-'; at most 200."}],
        )  # fmt: skip
    if element_id in catalog.by_id or element_id in plan.puts:
        raise ElementExists(
            f"An element with id {element_id!r} exists already.",
            errors=[{"path": f"{operation.path}.id", "code": "id_exists",
                     "message": f"The id {element_id!r} is taken."}],
        )  # fmt: skip
    return element_id


def _collect_renames(old: Document, new: Document, renames: dict, prop_renames: dict) -> None:  # type: ignore[type-arg]
    if old["apiName"] != new["apiName"]:
        renames[(old["kind"], old["apiName"])] = new["apiName"]
    if old["kind"] == "object-types":
        new_names = {p["id"]: p["apiName"] for p in new.get("properties", [])}
        moved = {
            p["apiName"]: new_names[p["id"]]
            for p in old.get("properties", [])
            if p["id"] in new_names and new_names[p["id"]] != p["apiName"]
        }
        if moved:
            prop_renames[("object-types", old["apiName"])] = moved


def _guard_deletes(catalog: Catalog, plan: _Plan, operations: Sequence[Operation]) -> None:
    """Refuse to delete what others still refer to (unless the same write deletes them)."""
    for doc_id, document in plan.deletes.items():
        referrers = [
            r for r in catalog.referring_to(document["kind"], document["apiName"])
            if r["id"] not in plan.deletes and r["id"] != doc_id
        ]  # fmt: skip
        if referrers:
            names = [f"{r['kind']}/{r['apiName']}" for r in referrers]
            raise ElementReferenced(
                f"{document['kind']}/{document['apiName']} is referred to by {', '.join(names)}.",
                referrers=names,
                errors=[{"path": operations[plan.origin[doc_id]].path, "code": "referenced",
                         "message": f"Referred to by {name}."} for name in names],
            )  # fmt: skip


def _cascade(catalog: Catalog, plan: _Plan, renames: dict, prop_renames: dict) -> None:  # type: ignore[type-arg]
    """Rewrite references to renamed elements and properties, in the same commit."""
    if not renames and not prop_renames:
        return
    affected: dict[str, Document] = {}
    for kind, name in [*renames, *prop_renames]:
        for referrer in catalog.referring_to(kind, name):
            affected[referrer["id"]] = plan.puts.get(referrer["id"], referrer)
    for doc_id, document in plan.puts.items():
        affected.setdefault(doc_id, document)
    for doc_id, document in affected.items():
        if doc_id in plan.deletes:
            continue
        rewritten = renamed(document, renames, prop_renames)
        if rewritten is None:
            continue
        if doc_id not in plan.puts:
            plan.cascaded[doc_id] = rewritten
            plan.origin.setdefault(doc_id, -1)
        plan.puts[doc_id] = rewritten


def _locate(problem: integrity.Problem, operations: Sequence[Operation], plan: _Plan) -> dict:  # type: ignore[type-arg]
    """An integrity problem with its path inside the request when the request wrote it."""
    error = problem.as_error()
    kind, _, name = problem.element.partition("/")
    written = (d for d in plan.puts.values() if d["kind"] == kind and d["apiName"] == name)
    document = next(written, None)
    index = plan.origin.get(document["id"], -1) if document else -1
    if index >= 0:
        error["path"] = operations[index].path + problem.path[1:]
    return error


def element_payload(document: Document) -> dict[str, Any]:
    """A stored document as a client may send it back (no server members)."""
    body = copy.deepcopy(document)
    for key in ("id", "kind", "version"):
        body.pop(key, None)
    return body
