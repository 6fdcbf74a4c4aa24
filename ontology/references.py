"""Where one element names another: every reference, with its path, found and rewritten.

References are by apiName (what users read and write). A reference to a property names
its object type too. The same walker serves the integrity checks (does it resolve?), the
delete guard (who refers to this?) and renames (rewrite every referrer in the same commit).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ontology.storage.base import Document

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Reference:
    """``document[path]`` names ``name`` of one of ``kinds`` (and ``prop`` of it, if set)."""

    path: Path
    kinds: tuple[str, ...]
    name: str
    prop: str | None = None  # for property references: path names the property


def json_path(path: Path) -> str:
    """``("properties", 2, "dataType")`` as ``$.properties[2].dataType``."""
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def many_side(link: Document) -> str:
    """The end of a link type that holds its foreign key."""
    return "source" if link.get("cardinality") == "many-to-one" else "target"


def references(document: Document) -> Iterator[Reference]:
    """Every reference the document makes to another element."""
    yield from _WALKERS[document["kind"]](document)
    deprecation = document.get("deprecation") or {}
    if deprecation.get("replacedBy"):
        yield Reference(
            ("deprecation", "replacedBy"), (document["kind"],), deprecation["replacedBy"]
        )


def _object_type(doc: Document) -> Iterator[Reference]:
    for i, group in enumerate(doc.get("groups", [])):
        yield Reference(("groups", i), ("groups",), group)
    for i, interface in enumerate(doc.get("implements", [])):
        yield Reference(("implements", i), ("interfaces",), interface)
    for i, prop in enumerate(doc.get("properties", [])):
        if prop.get("sharedProperty"):
            yield Reference(
                ("properties", i, "sharedProperty"), ("shared-properties",), prop["sharedProperty"]
            )
        if prop.get("valueType"):
            yield Reference(("properties", i, "valueType"), ("value-types",), prop["valueType"])


def _link_type(doc: Document) -> Iterator[Reference]:
    for end in ("source", "target"):
        yield Reference((end, "objectType"), ("object-types",), doc[end]["objectType"])
    if doc.get("foreignKey"):
        owner = doc[many_side(doc)]["objectType"]
        yield Reference(("foreignKey",), ("object-types",), owner, prop=doc["foreignKey"])


def _interface(doc: Document) -> Iterator[Reference]:
    for i, parent in enumerate(doc.get("extends", [])):
        yield Reference(("extends", i), ("interfaces",), parent)
    for i, prop in enumerate(doc.get("properties", [])):
        yield Reference(
            ("properties", i, "sharedProperty"), ("shared-properties",), prop["sharedProperty"]
        )
    for i, link in enumerate(doc.get("links", [])):
        yield Reference(("links", i, "target"), ("object-types", "interfaces"), link["target"])


def _action_type(doc: Document) -> Iterator[Reference]:
    params = {p["apiName"]: p for p in doc.get("parameters", [])}
    for i, param in enumerate(doc.get("parameters", [])):
        yield from _object_references(param.get("dataType"), ("parameters", i, "dataType"))
    for i, rule in enumerate(doc.get("rules", [])):
        if rule.get("objectType"):
            yield Reference(("rules", i, "objectType"), ("object-types",), rule["objectType"])
        if rule.get("linkType"):
            yield Reference(("rules", i, "linkType"), ("link-types",), rule["linkType"])
        target = rule_object_type(rule, params)
        for j, mapping in enumerate(rule.get("mappings", [])):
            if target:
                yield Reference(
                    ("rules", i, "mappings", j, "property"),
                    ("object-types",),
                    target,
                    prop=mapping["property"],
                )


def rule_object_type(rule: dict[str, Any], params: dict[str, Document]) -> str | None:
    """The object type a create/modify/delete rule acts on."""
    if rule.get("objectType"):
        return rule["objectType"]
    param = params.get(rule.get("object") or "")
    data_type = (param or {}).get("dataType") or {}
    return data_type.get("objectType") if data_type.get("type") == "objectReference" else None


def _object_references(data_type: Any, path: Path) -> Iterator[Reference]:
    if not isinstance(data_type, dict):
        return
    if data_type.get("type") == "objectReference":
        yield Reference((*path, "objectType"), ("object-types",), data_type["objectType"])
    elif data_type.get("type") == "array":
        yield from _object_references(data_type.get("itemType"), (*path, "itemType"))


def _shared_property(doc: Document) -> Iterator[Reference]:
    if doc.get("valueType"):
        yield Reference(("valueType",), ("value-types",), doc["valueType"])


def _none(doc: Document) -> Iterator[Reference]:
    return iter(())


_WALKERS = {
    "object-types": _object_type,
    "link-types": _link_type,
    "interfaces": _interface,
    "action-types": _action_type,
    "shared-properties": _shared_property,
    "value-types": _none,
    "groups": _none,
}


def set_at(document: Document, path: Path, value: Any) -> None:
    """Replace the value at ``path`` inside ``document`` (in place)."""
    node: Any = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def renamed(
    document: Document,
    renames: dict[tuple[str, str], str],
    prop_renames: dict[tuple[str, str], dict[str, str]],
) -> Document | None:
    """A copy of ``document`` with references to renamed elements or properties rewritten.

    ``renames`` maps (kind, old apiName) → new apiName; ``prop_renames`` maps
    (object type's old apiName, ...) → {old property: new property}. None when nothing
    in the document refers to anything renamed.
    """
    edits: list[tuple[Path, str]] = []
    for ref in references(document):
        if ref.prop is not None:
            props = prop_renames.get(("object-types", ref.name), {})
            if ref.prop in props:
                edits.append((ref.path, props[ref.prop]))
            # the path names the property; the object type is renamed through its own ref
            continue
        for kind in ref.kinds:
            if (kind, ref.name) in renames:
                edits.append((ref.path, renames[(kind, ref.name)]))
                break
    if not edits:
        return None
    copied = copy.deepcopy(document)
    for path, value in edits:
        set_at(copied, path, value)
    return copied
