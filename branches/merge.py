"""Three-way merge of ontology elements, at field level.

Elements are matched by id; inside an element, objects merge key by key and lists whose
items carry an ``id`` (properties, parameters) merge item by item, so two branches that
edit different properties of one object type merge cleanly. What both sides changed
differently is a :class:`Conflict` with its path and the base, source and target values;
a resolution per conflict (``source``, ``target`` or ``{"value": ...}``) settles it.

Paths name list items by id: ``$.properties[id=p-1f].dataType``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ontology.catalog import Catalog
from ontology.storage.base import Document

MISSING: Any = object()  # a key or item absent on one side (distinct from JSON null)


@dataclass(frozen=True)
class Conflict:
    """Both sides changed the same place differently."""

    element_id: str
    element: str  # kind/apiName (target's name when it has one)
    path: str
    type: str  # modify/modify | modify/delete | delete/modify | add/add
    base: Any
    source: Any
    target: Any

    @property
    def key(self) -> str:
        """What a resolution names: ``<element id>:<path>``."""
        return f"{self.element_id}:{self.path}"

    def as_dict(self) -> dict[str, Any]:
        def shown(value: Any) -> Any:
            return None if value is MISSING else value

        return {
            "key": self.key, "elementId": self.element_id, "element": self.element,
            "path": self.path, "type": self.type, "base": shown(self.base),
            "source": shown(self.source), "target": shown(self.target),
        }  # fmt: skip


@dataclass
class MergeResult:
    """Documents to put on the target (None: delete), conflicts, resolutions not used."""

    changes: dict[str, Document | None] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    unused_resolutions: list[str] = field(default_factory=list)


def three_way(
    base: Catalog,
    source: Catalog,
    target: Catalog,
    *,
    source_changed: Iterable[str],
    target_changed: Iterable[str],
    resolutions: Mapping[str, Any] | None = None,
) -> MergeResult:
    """Bring what ``source`` changed since ``base`` onto ``target``."""
    resolutions = dict(resolutions or {})
    merger = _Merger(resolutions)
    result = MergeResult()
    target_changed = set(target_changed)
    ids = sorted(set(source_changed))
    bases, sources, targets = (side.fetch(ids) for side in (base, source, target))
    for element_id in ids:
        b, s, t = bases.get(element_id), sources.get(element_id), targets.get(element_id)
        if s == t:
            continue
        if element_id not in target_changed:
            result.changes[element_id] = s
            continue
        merged = merger.element(element_id, _name(t or s or b), b, s, t)
        if merged is not MISSING and merged != t:
            result.changes[element_id] = merged
    _add_add(source, target, base, result, merger)
    result.conflicts = merger.conflicts
    result.unused_resolutions = sorted(set(resolutions) - merger.used)
    return result


def _name(document: Document | None) -> str:
    return f"{document['kind']}/{document['apiName']}" if document else "?"


class _Merger:
    """Merges values recursively, recording conflicts and the resolutions it applied."""

    def __init__(self, resolutions: dict[str, Any]) -> None:
        self.resolutions = resolutions
        self.conflicts: list[Conflict] = []
        self.used: set[str] = set()
        self.element_id = ""
        self.element_name = ""

    def element(self, element_id: str, name: str, b: Any, s: Any, t: Any) -> Any:
        self.element_id, self.element_name = element_id, name
        b, s, t = (MISSING if v is None else v for v in (b, s, t))
        merged = self.value(b, s, t, "$")
        return None if merged is MISSING else merged

    def value(self, b: Any, s: Any, t: Any, path: str) -> Any:
        if s == t:
            return s
        if s == b:
            return t
        if t == b:
            return s
        if all(isinstance(v, dict) for v in (b, s, t)):
            return self._object(b, s, t, path)
        if all(_id_list(v) for v in (b, s, t)):
            return self._items(b, s, t, path)
        return self.conflict(b, s, t, path)

    def _object(self, b: dict, s: dict, t: dict, path: str) -> Any:
        merged: dict[str, Any] = {}
        for key in list(t) + [k for k in s if k not in t]:
            value = self.value(b.get(key, MISSING), s.get(key, MISSING), t.get(key, MISSING),
                               f"{path}.{key}")  # fmt: skip
            if value is not MISSING:
                merged[key] = value
        return merged

    def _items(self, b: list, s: list, t: list, path: str) -> list:
        by_id = [{item["id"]: item for item in side} for side in (b, s, t)]
        order = [item["id"] for item in t] + [
            item["id"] for item in s if item["id"] not in by_id[2]
        ]
        merged = []
        for item_id in order:
            b_item, s_item, t_item = (side.get(item_id, MISSING) for side in by_id)
            value = self.value(b_item, s_item, t_item, f"{path}[id={item_id}]")
            if value is not MISSING:
                merged.append(value)
        return merged

    def conflict(self, b: Any, s: Any, t: Any, path: str) -> Any:
        kind = "modify/modify"
        if b is MISSING:
            kind = "add/add"
        elif s is MISSING:
            kind = "delete/modify"
        elif t is MISSING:
            kind = "modify/delete"
        found = Conflict(self.element_id, self.element_name, path, kind, b, s, t)
        if found.key in self.resolutions:
            self.used.add(found.key)
            return resolve(self.resolutions[found.key], s, t)
        self.conflicts.append(found)
        return t  # provisional; the merge is refused while conflicts remain


def resolve(resolution: Any, source: Any, target: Any) -> Any:
    """The value a resolution picks: ``"source"``, ``"target"`` or ``{"value": v}``."""
    if resolution == "source":
        return source
    if resolution == "target":
        return target
    if isinstance(resolution, dict) and "value" in resolution:
        return MISSING if resolution["value"] is None else resolution["value"]
    raise ValueError(f"unknown resolution {resolution!r}")


def _id_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(i, dict) and "id" in i for i in value)


def _add_add(source: Catalog, target: Catalog, base: Catalog, result: MergeResult,
             merger: _Merger) -> None:  # fmt: skip
    """Two different elements added with one apiName on both sides."""
    for element_id, document in list(result.changes.items()):
        if document is None or element_id in base.by_id:
            continue
        rival = target.get(document["kind"], document["apiName"])
        if rival is None or rival["id"] == element_id or rival["id"] in result.changes:
            continue
        merger.element_id, merger.element_name = element_id, _name(document)
        key = f"{element_id}:$.apiName"
        found = Conflict(element_id, _name(document), "$.apiName", "add/add", MISSING,
                         document["apiName"], rival["apiName"])  # fmt: skip
        if key not in merger.resolutions:
            merger.conflicts.append(found)
            continue
        merger.used.add(key)
        choice = merger.resolutions[key]
        if choice == "target":
            del result.changes[element_id]
        elif choice == "source":
            result.changes[rival["id"]] = None
        else:
            renamed = resolve(choice, document["apiName"], rival["apiName"])
            result.changes[element_id] = {**document, "apiName": renamed}
