"""What the index keeps of one element: its row and its facets.

A facet is ``name=value`` for a list filter (``FILTERS``; ``group`` and ``status`` apply to
every kind) or ``ref:kind/apiName`` for an element it refers to (``references``), so the
same table answers "object types implementing X" and "who refers to X".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ontology.documents import version_of_text
from ontology.kinds import KINDS
from ontology.references import references
from ontology.storage.base import Document, canonical_json

Values = Callable[[Document], Iterable[str]]


def _ends(document: Document) -> tuple[str, str]:
    return document["source"]["objectType"], document["target"]["objectType"]


def _one(field: str) -> Values:
    return lambda d: [d[field]] if isinstance(d.get(field), str) else []


#: Per kind: a filter's name and the values of an element it matches.
FILTERS: dict[str, dict[str, Values]] = {
    "object-types": {
        "implements": lambda d: d.get("implements", ()),
        "visibility": _one("visibility"),
        "sharedProperty": lambda d: [
            p["sharedProperty"] for p in d["properties"] if p.get("sharedProperty")
        ],
    },  # fmt: skip
    "link-types": {"objectType": _ends, "cardinality": _one("cardinality")},
    "interfaces": {"extends": lambda d: d.get("extends", ())},
    "action-types": {
        "objectType": lambda d: [
            r["objectType"] for r in d.get("rules", ()) if r.get("objectType")
        ],
    },
    "shared-properties": {"valueType": _one("valueType")},
    "value-types": {"baseType": lambda d: [d["baseType"].get("type", "")]},
    "groups": {},
}
COMMON: dict[str, Values] = {"group": lambda d: d.get("groups", ()), "status": _one("status")}


def is_element(document: Document | None) -> bool:
    """Whether a stored document is an ontology element (the store may hold others)."""
    return (
        document is not None
        and document.get("kind") in KINDS
        and isinstance(document.get("apiName"), str)
    )


def facet(name: str, value: str) -> str:
    return f"{name}={value}"


def reference_facet(kind: str, api_name: str) -> str:
    return f"ref:{kind}/{api_name}"


def facets(document: Document) -> set[str]:
    """Every facet of an element."""
    found = {
        facet(name, value)
        for name, values in (COMMON | FILTERS[document["kind"]]).items()
        for value in values(document)
    }
    found.update(reference_facet(kind, ref.name) for ref in references(document)
                 for kind in ref.kinds)  # fmt: skip
    return found


def search_text(document: Document) -> str:
    """What ``?search=`` looks in: apiName, displayName and description, casefolded."""
    return "\n".join(
        str(document.get(field, "")) for field in ("apiName", "displayName", "description")
    ).casefold()


@dataclass(frozen=True)
class Row:
    """One element as its index row and facets."""

    doc_id: str
    kind: str
    api_name: str
    search: str
    version: str
    content: str  # the store's key of the body (``VersionedStore.content_key``), or ""
    facets: frozenset[str]


def row(document: Document, content_key: Callable[[str], str]) -> Row:
    """The row of an element; ``content_key`` is its store's (the canonical JSON is made once
    for the version and the key)."""
    text = canonical_json(document)
    return Row(
        document["id"], document["kind"], document["apiName"], search_text(document),
        version_of_text(text), content_key(text), frozenset(facets(document)),
    )  # fmt: skip
