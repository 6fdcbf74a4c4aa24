"""Element writes: create, replace, merge-patch and delete elements as one checked commit.

:func:`elements_commit` builds an :class:`ElementEdits` plan and hands it to the write
pipeline (``ontology.pipeline``), which plans it under the branch lock against the locked
head, checks schema and integrity, commits and announces. Merge patches are applied there,
to the element as it is at the locked head, so concurrent patches of different fields all
land. Renaming an element or a property rewrites every reference to it in the same commit;
the response lists the elements that were rewritten.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from integrations.user_service.principal import Principal
from ontology import documents, pipeline
from ontology.catalog import Catalog
from ontology.exceptions import ElementExists, ElementNotFound, InvalidElement, VersionMismatch
from ontology.kinds import KINDS
from ontology.references import renamed
from ontology.storage.base import DOC_ID_MAX, DOC_ID_RE, CommitInfo, Document
from ontology.storage.exceptions import InvalidChange

Op = Literal["create", "update", "patch", "delete"]


@dataclass(frozen=True)
class Operation:
    """One change a client asks for: create, replace, merge-patch or delete an element."""

    op: Op
    kind: str
    api_name: str = ""  # the element to update, patch or delete (its current apiName)
    body: Any = None  # the new document (create, update) or the RFC 7386 patch (patch)
    if_match: str | None = None  # the version the client last saw
    path: str = "$"  # where this operation sits in the request, for error paths
    element_id: str | None = None  # create only: keep this id (imports preserve ids)
    checked: dict[str, Any] | None = None  # create, update: ``body`` as its schema returned it


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
    plan = ElementEdits(operations)
    written = pipeline.write(
        branch=branch, plan=plan, actor=actor, message=message, expected_head=expected_head,
        dry_run=dry_run,
    )  # fmt: skip
    return plan.result(written)


class ElementEdits(pipeline.Plan):
    """Element operations, planned on the locked head (bodies are checked before the lock)."""

    door: ClassVar[pipeline.Door] = "edit"

    def __init__(self, operations: Sequence[Operation]) -> None:
        if not operations:
            raise InvalidChange("A commit needs at least one change.")
        for operation in operations:
            if operation.kind not in KINDS:
                raise InvalidElement(f"Unknown kind {operation.kind!r}.")
            if operation.op == "patch" and not isinstance(operation.body, dict):
                raise InvalidElement(
                    "A PATCH body is a JSON merge patch object (RFC 7386).",
                    errors=[{"path": operation.path, "code": "invalid",
                             "message": "Expected an object."}],
                )  # fmt: skip
        self.operations = list(operations)
        # Whole bodies fail fast, before the lock; patches are checked once applied.
        self.bodies = [
            (op.checked or documents.validated_body(op.kind, op.body, op.path))
            if op.op in ("create", "update") else None
            for op in operations
        ]  # fmt: skip
        self.last: _Edits | None = None

    def plan(self, before: Catalog) -> pipeline.Planned:
        self.last = _plan(before, self.operations, self.bodies)
        return pipeline.Planned(self.last.changes(), checked=self.last.checked())

    def locate(self, problem: dict[str, Any], doc_id: str) -> dict[str, Any]:
        """The problem's path inside the request when one of its operations wrote it."""
        index = self.last.origin.get(doc_id, -1) if self.last else -1
        if index < 0 or not problem.get("path", "").startswith("$"):
            return problem
        return {**problem, "path": self.operations[index].path + problem["path"][1:]}

    def result(self, written: pipeline.Written) -> CommitResult:
        assert self.last is not None
        edits = self.last
        stored = written.changes  # as the schema step normalised them
        return CommitResult(
            commit=written.commit,
            elements=[documents.with_version(stored[i] or d)
                      for i, d in edits.puts.items() if i not in edits.cascaded],
            deleted=[f"{d['kind']}/{d['apiName']}" for d in edits.deletes.values()],
            cascaded=[documents.with_version(stored[i] or d) for i, d in edits.cascaded.items()],
            dry_run=written.dry_run,
        )  # fmt: skip


@dataclass
class _Edits:
    """The documents a write puts and deletes (and which operation asked for each)."""

    before: Catalog
    puts: dict[str, Document] = field(default_factory=dict)
    deletes: dict[str, Document] = field(default_factory=dict)
    cascaded: dict[str, Document] = field(default_factory=dict)
    origin: dict[str, int] = field(default_factory=dict)  # doc id -> operation index
    rewritten: set[str] = field(default_factory=set)  # ids whose references a rename rewrote

    def changes(self) -> dict[str, Document | None]:
        return {**self.puts, **dict.fromkeys(self.deletes)}

    def checked(self) -> frozenset[str]:
        """Documents built straight from a body the schema passed (a cascade rewrites some)."""
        return frozenset(self.puts.keys() - self.rewritten)


def _plan(
    catalog: Catalog, operations: Sequence[Operation], bodies: Sequence[dict[str, Any] | None]
) -> _Edits:
    plan = _Edits(catalog)
    renames: Renames = {}
    prop_renames: PropertyRenames = {}
    catalog.prefetch(  # every element named, existing or taken, and its referrers: one read
        [(o.kind, o.api_name) for o in operations]
        + [(o.kind, b["apiName"]) for o, b in zip(operations, bodies, strict=True)
           if isinstance(b, dict) and isinstance(b.get("apiName"), str)],
        referrers=True,
    )  # fmt: skip
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
        if operation.op == "patch":
            assert existing is not None  # applied to the element as it is at the locked head
            patched = documents.merge_patch(element_payload(existing), operation.body)
            body = documents.validated_body(operation.kind, patched, operation.path)
        if operation.op == "delete":
            assert existing is not None
            plan.deletes[existing["id"]] = existing
            plan.origin[existing["id"]] = index
            continue
        assert body is not None  # create and update bodies were checked before the lock
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
    _cascade(catalog, plan, renames, prop_renames)
    return plan


def _claimed_id(catalog: Catalog, plan: _Edits, operation: Operation) -> str:
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


Renames = dict[tuple[str, str], str]  # (kind, old apiName) -> new apiName
PropertyRenames = dict[tuple[str, str], dict[str, str]]  # (kind, type) -> {old: new}


def _collect_renames(
    old: Document, new: Document, renames: Renames, prop_renames: PropertyRenames
) -> None:
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


def _cascade(
    catalog: Catalog, plan: _Edits, renames: Renames, prop_renames: PropertyRenames
) -> None:
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
        plan.rewritten.add(doc_id)


def element_payload(document: Document) -> dict[str, Any]:
    """A stored document as a client may send it back (no server members)."""
    body = copy.deepcopy(document)
    for key in ("id", "kind", "version"):
        body.pop(key, None)
    return body
