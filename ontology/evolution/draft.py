"""Drafting a migration from the semantic diff of two refs (``ontology_makemigrations``), so a
breaking change ships with its plan.

Each changed element becomes the operations that say what happened (a rename, a property
added, renamed or retyped, a deprecation) when they reproduce it exactly, else one
``PutElement`` with the element as the head has it; removed elements become
``DeleteElement``, new ones ``PutElement`` (ids kept). A reference that only follows a rename
needs nothing: the rename carries it. Applied to the base, the draft gives the head.
"""

from __future__ import annotations

import pprint
from collections import defaultdict
from typing import Any

from ontology.catalog import catalog_for
from ontology.diff import Change, diff_documents
from ontology.evolution import operations as ops
from ontology.evolution.operations import Working, body_of
from ontology.kinds import KINDS
from ontology.storage import get_store
from ontology.storage.base import Document

KIND_ORDER = {kind: index for index, kind in enumerate(KINDS)}
#: Members whose differences only the specific operations describe: anything left over in
#: them makes the draft replace the whole element.
STRUCTURE = {"object-types": {"properties"}, "action-types": {"parameters", "rules"},
             "interfaces": {"properties", "links"}}  # fmt: skip


def migration_draft(*, base: str, head: str) -> list[ops.Op]:
    """The operations that turn ``base`` into ``head``."""
    store = get_store()
    start, end = store.resolve(base), store.resolve(head)
    ids = sorted(store.changed_ids(start, end))
    old = catalog_for(store, start, branch=base).fetch(ids)
    new = catalog_for(store, end, branch=head).fetch(ids)
    pairs = [(old.get(i), new.get(i)) for i in ids]
    changes, uncovered = diff_documents(p for p in pairs if p[0] != p[1])
    by_element: dict[str, list[Change]] = defaultdict(list)
    for change in (*changes, *uncovered):
        by_element[change.element_id].append(change)
    renames: list[ops.Op] = []
    edits: list[ops.Op] = []
    deletes: list[ops.Op] = []
    for before, after in sorted(pairs, key=_order):
        if after is None:
            if before is not None:
                deletes.append(ops.DeleteElement(before["kind"], before["apiName"]))
        elif before is None:
            edits.append(
                ops.PutElement(body_of(after) | {"id": after["id"], "kind": after["kind"]})
            )
        elif before != after:
            rename, rest = _element_ops(before, after, by_element[after["id"]])
            renames += rename
            edits += rest
    return renames + edits + deletes


def _order(pair: tuple[Document | None, Document | None]) -> tuple[int, str]:
    document = pair[1] or pair[0]
    assert document is not None
    return KIND_ORDER[document["kind"]], document["apiName"]


def _element_ops(
    before: Document, after: Document, changes: list[Change]
) -> tuple[list[ops.Op], list[ops.Op]]:
    """(rename, the other operations) of one changed element."""
    kind, name = after["kind"], after["apiName"]
    if all(c.type == "ReferenceRenamed" for c in changes):
        return [], []  # the renames of what it names carry it
    rename: list[ops.Op] = []
    rest: list[ops.Op] = []
    for change in changes:
        member = _member(after, change.member)
        if change.rule == "OMS-C003":  # the element's apiName
            rename.append(ops.RenameElement(kind, before["apiName"], name))
        elif change.type == "PropertyRenamed":
            rest.append(ops.RenameProperty(name, change.before, change.after))
        elif change.type == "PropertyAdded" and member is not None:
            rest.append(ops.AddProperty(name, member))
        elif change.type == "PropertyTypeChanged" and member is not None:
            rest.append(ops.ChangePropertyType(name, member["apiName"], member["dataType"]))
        elif change.type == "Deprecated" and change.member is None:
            deprecation = after.get("deprecation") or {}
            rest.append(ops.Deprecate(kind, name, deprecation.get("reason", ""),
                                      deprecation.get("deadline"),
                                      deprecation.get("replacedBy", "")))  # fmt: skip
    simulated = Working(_One(before))
    for op in rename + rest:
        op.apply(simulated)
    left = body_of(simulated.now.get(before["id"]) or before)
    wanted = body_of(after)
    members = {k: wanted.get(k) for k in sorted(set(left) | set(wanted))
               if left.get(k) != wanted.get(k)}  # fmt: skip
    if not members:
        return rename, rest
    if not set(members) & STRUCTURE.get(kind, set()):  # what is left: plain members
        return rename, [*rest, ops.SetMembers(kind, name, members)]
    return rename, [ops.PutElement(_whole(after))]


def _whole(document: Document) -> dict[str, Any]:
    """An element for ``PutElement``: its members, kind and id (no version)."""
    return body_of(document) | {"id": document["id"], "kind": document["kind"]}


def _member(document: Document, api_name: str | None) -> dict[str, Any] | None:
    return next((p for p in document.get("properties", []) if p["apiName"] == api_name), None)


class _One:
    """A catalog of one element: what a draft operation is tried on."""

    def __init__(self, document: Document) -> None:
        self.document = document

    def get(self, kind: str, api_name: str) -> Document | None:
        found = (self.document["kind"], self.document["apiName"]) == (kind, api_name)
        return self.document if found else None

    def fetch(self, ids: Any) -> dict[str, Document]:
        return {i: self.document for i in ids if i == self.document["id"]}


def migration_source(operations: list[ops.Op], *, base: str, head: str, description: str) -> str:
    """The migration file: a docstring, ``description`` and ``operations``."""
    lines = [
        f'"""Drafted by manage.py ontology_makemigrations from {base} to {head}: review it, then',
        'apply it with manage.py ontology_migrate."""',
        "",
        "from ontology.evolution import operations as ops",
        "",
        f"description = {description!r}",
        "operations = [",
    ]
    lines += [f"    {_code(op)}," for op in operations]
    lines.append("]")
    return "\n".join(lines) + "\n"


def _code(op: ops.Op) -> str:
    if isinstance(op, ops.PutElement):
        document = pprint.pformat(op.document, indent=4, width=92, sort_dicts=True)
        return "ops.PutElement(document=" + document.replace("\n", "\n    ") + ")"
    return op.code()
