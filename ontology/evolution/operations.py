"""The operations of an ontology migration.

Each operation changes a working copy of the branch (:class:`Working`); a migration's
operations together become one commit through the write pipeline. ``describe()`` is what the
ledger and the audit trail keep (a default or a cast is there for the systems that migrate
instance data); ``code()`` is the operation as Python, for drafted migration files.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from ontology.exceptions import ElementNotFound
from ontology.services import Operation
from ontology.storage.base import Document
from ontology.storage.exceptions import InvalidChange


class Elements(Protocol):
    """What operations read: a catalog (or, for a draft, one element)."""

    def get(self, kind: str, api_name: str) -> Document | None: ...

    def fetch(self, ids: Iterable[str]) -> Mapping[str, Document]: ...


class Working:
    """The elements a migration touches, read from the catalog once and changed in memory."""

    def __init__(self, catalog: Elements) -> None:
        self.catalog = catalog
        self.before: dict[str, Document | None] = {}  # id -> as in the catalog (None: new)
        self.now: dict[str, Document | None] = {}  # id -> as the operations left it
        self.names: dict[tuple[str, str], str] = {}  # (kind, apiName) -> id, as changed

    def get(self, kind: str, api_name: str) -> Document:
        """The element as the operations so far left it (``ElementNotFound`` if there is none)."""
        doc_id = self.names.get((kind, api_name))
        if doc_id is None:
            found = self.catalog.get(kind, api_name)
            if found is None or found["id"] in self.now:  # absent, or renamed/deleted above
                raise ElementNotFound(f"No {kind} named {api_name!r}.")
            doc_id = self._load(found["id"])
            self.names[(kind, api_name)] = doc_id
        document = self.now[doc_id]
        assert document is not None  # a deleted element has no name here
        return document

    def put(self, document: Document) -> None:
        """Create or replace an element (matched by its id when it has one, else its name)."""
        key = (document["kind"], document["apiName"])
        existing = self.catalog.get(*key)
        doc_id = (document.get("id") or self.names.get(key)
                  or (existing["id"] if existing else f"new:{key[0]}/{key[1]}"))  # fmt: skip
        self._load(doc_id)
        current = self.now[doc_id]
        if current is not None:
            self.names.pop((current["kind"], current["apiName"]), None)
        self.now[doc_id] = copy.deepcopy(document)
        self.names[key] = doc_id

    def delete(self, kind: str, api_name: str) -> None:
        self.get(kind, api_name)
        self.now[self.names.pop((kind, api_name))] = None

    def rename(self, kind: str, old: str, new: str) -> None:
        document = self.get(kind, old)
        self.names[(kind, new)] = self.names.pop((kind, old))
        document["apiName"] = new

    def operations(self) -> list[Operation]:
        """The element operations that make the catalog what the migration left: creates,
        then updates (a rename too: references follow it), then deletes."""
        creates, updates, deletes = [], [], []
        for doc_id, now in self.now.items():
            before = self.before[doc_id]
            if now is None:
                if before is not None:
                    deletes.append(Operation("delete", before["kind"], before["apiName"]))
                continue
            body = body_of(now)
            if before is None:
                keep = None if doc_id.startswith("new:") else doc_id
                creates.append(Operation("create", now["kind"], body=body, element_id=keep))
            elif body != body_of(before):
                updates.append(Operation("update", now["kind"], before["apiName"], body=body))
        return creates + updates + deletes

    def _load(self, doc_id: str) -> str:
        if doc_id not in self.before:
            found = None if doc_id.startswith("new:") else self.catalog.fetch([doc_id]).get(doc_id)
            self.before[doc_id] = copy.deepcopy(found)
            self.now[doc_id] = copy.deepcopy(found)
        return doc_id


def body_of(document: Document) -> dict[str, Any]:
    """An element's members without those the server assigns."""
    return {k: v for k, v in document.items() if k not in ("id", "kind", "version")}


def _property(object_type: Document, name: str) -> dict[str, Any]:
    for prop in object_type.get("properties", []):
        if prop["apiName"] == name:
            return prop
    raise InvalidChange(f"Object type {object_type['apiName']!r} has no property {name!r}.")


@dataclass(frozen=True)
class Op:
    """The base: a name for the ledger, the change, and the operation as Python."""

    def apply(self, working: Working) -> None:
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        return {"op": type(self).__name__, **asdict(self)}

    def code(self) -> str:
        arguments = ", ".join(f"{k}={v!r}" for k, v in asdict(self).items())
        return f"ops.{type(self).__name__}({arguments})"


@dataclass(frozen=True)
class RenameProperty(Op):
    object_type: str
    old: str
    new: str

    def apply(self, working: Working) -> None:
        document = working.get("object-types", self.object_type)
        _property(document, self.old)["apiName"] = self.new
        for member in ("primaryKey", "titleProperty"):
            if document.get(member) == self.old:
                document[member] = self.new


@dataclass(frozen=True)
class AddProperty(Op):
    """A new property; ``default`` is the value instance data gets (kept in the ledger)."""

    object_type: str
    property: dict[str, Any]
    default: Any = None

    def apply(self, working: Working) -> None:
        document = working.get("object-types", self.object_type)
        if any(p["apiName"] == self.property["apiName"] for p in document["properties"]):
            raise InvalidChange(
                f"{self.object_type!r} has a property {self.property['apiName']!r} already."
            )
        document["properties"].append(copy.deepcopy(self.property))


@dataclass(frozen=True)
class ChangePropertyType(Op):
    """A property's data type; ``cast`` says how instance data converts (kept in the ledger)."""

    object_type: str
    property: str
    data_type: dict[str, Any]
    cast: str = ""

    def apply(self, working: Working) -> None:
        prop = _property(working.get("object-types", self.object_type), self.property)
        prop["dataType"] = copy.deepcopy(self.data_type)


@dataclass(frozen=True)
class MoveToSharedProperty(Op):
    """Bind a property to a shared property of its type (created when missing)."""

    object_type: str
    property: str
    shared: str

    def apply(self, working: Working) -> None:
        prop = _property(working.get("object-types", self.object_type), self.property)
        try:
            working.get("shared-properties", self.shared)
        except ElementNotFound:
            working.put({"kind": "shared-properties", "apiName": self.shared,
                         "displayName": prop.get("displayName", self.shared),
                         "description": prop.get("description", ""),
                         "dataType": copy.deepcopy(prop["dataType"])})  # fmt: skip
        prop["sharedProperty"] = self.shared


@dataclass(frozen=True)
class Deprecate(Op):
    kind: str
    api_name: str
    reason: str
    deadline: str | None = None
    replaced_by: str = ""

    def apply(self, working: Working) -> None:
        document = working.get(self.kind, self.api_name)
        document["status"] = "deprecated"
        deprecation: dict[str, Any] = {"reason": self.reason}
        if self.deadline:
            deprecation["deadline"] = self.deadline
        if self.replaced_by:
            deprecation["replacedBy"] = self.replaced_by
        document["deprecation"] = deprecation


@dataclass(frozen=True)
class SetMembers(Op):
    """Set members of an element (display name, description, icon, ...); None removes one."""

    kind: str
    api_name: str
    members: dict[str, Any]

    def apply(self, working: Working) -> None:
        document = working.get(self.kind, self.api_name)
        for member, value in self.members.items():
            if value is None:
                document.pop(member, None)
            else:
                document[member] = copy.deepcopy(value)


@dataclass(frozen=True)
class RenameElement(Op):
    """A new apiName; every reference to the element follows it in the same commit."""

    kind: str
    old: str
    new: str

    def apply(self, working: Working) -> None:
        working.rename(self.kind, self.old, self.new)


@dataclass(frozen=True)
class DeleteElement(Op):
    kind: str
    api_name: str

    def apply(self, working: Working) -> None:
        working.delete(self.kind, self.api_name)


@dataclass(frozen=True)
class PutElement(Op):
    """An element as a whole (created, or replaced; matched by its id when it has one)."""

    document: dict[str, Any] = field(default_factory=dict)

    def apply(self, working: Working) -> None:
        working.put(copy.deepcopy(self.document))
