"""apiNames for imported IRIs that stay put from one version of an ontology to the next.

Three rules, in order (docs/import-export.md, "Names"):

1. **Pinned**: an IRI the branch already holds keeps the apiName it has there (``Pins``), so
   an upgrade never renames an unchanged element.
2. **Bare**: the IRI's local name, made valid, when no other candidate wants it, or when only
   one of those that do is *preferred* (a class of the ontology's own namespace beats one of
   an imported namespace).
3. **Qualified**: otherwise each contender is prefixed with its qualifiers (its namespace's
   prefix, or the class it belongs to), then with a short hash of its IRI.

Every decision depends on the set of candidates, never on their order, so shuffled input
names alike, and a class appearing in another namespace renames nobody already pinned.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ontology.storage.base import Document
from ontology.turtle.names import camel_case, pascal_case

MAX_NAME = 100
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Candidate:
    """What one IRI would like to be called."""

    base: str  # a valid apiName already (PascalCase or camelCase)
    qualifiers: tuple[str, ...] = ()  # most specific first, e.g. ("foaf",)
    preferred: bool = False  # wins the bare name over the others that want it
    iri: str = ""  # for the last resort: a hash of it


def assign(
    candidates: Mapping[K, Candidate],
    *,
    pascal: bool,
    taken: Iterable[str] = (),
    pinned: Mapping[K, str] | None = None,
) -> dict[K, str]:
    """A distinct apiName for every candidate, none of them in ``taken``."""
    used = set(taken)
    names: dict[K, str] = {}
    for key in candidates:
        name = (pinned or {}).get(key)
        if name and name not in used:
            names[key] = name
            used.add(name)
    wanting: dict[str, list[K]] = defaultdict(list)
    for key, candidate in candidates.items():
        if key not in names:
            wanting[candidate.base].append(key)
    for base, keys in wanting.items():
        if base in used:
            continue
        preferred = [k for k in keys if candidates[k].preferred]
        winner = keys[0] if len(keys) == 1 else preferred[0] if len(preferred) == 1 else None
        if winner is not None:
            names[winner] = base
            used.add(base)
    left = [k for k in candidates if k not in names]
    depth = max((len(candidates[k].qualifiers) for k in left), default=0)
    for level in range(1, depth + 2):
        proposals = {k: _qualified(candidates[k], level, pascal) for k in left}
        counts: dict[str, int] = defaultdict(int)
        for name in proposals.values():
            counts[name] += 1
        for key, name in proposals.items():
            if counts[name] == 1 and name not in used:
                names[key] = name
                used.add(name)
        left = [k for k in left if k not in names]
    for key in sorted(left, key=lambda k: (candidates[k].iri, str(k))):  # hash collisions
        base, number = _qualified(candidates[key], depth + 1, pascal), 2
        while f"{base}{number}" in used:
            number += 1
        names[key] = f"{base}{number}"
        used.add(names[key])
    return names


def _qualified(candidate: Candidate, level: int, pascal: bool) -> str:
    """The base under its first ``level`` qualifiers; past them, with a hash of the IRI."""
    parts = list(reversed(candidate.qualifiers[:level])) + [candidate.base]
    if level > len(candidate.qualifiers):
        digest = hashlib.sha1(candidate.iri.encode()).hexdigest()[:6]
        parts = [candidate.base, "X" + digest]
    name = pascal_case("".join(p[:1].upper() + p[1:] for p in parts))
    name = name if pascal else name[:1].lower() + name[1:]
    return name[:MAX_NAME]


# -- namespaces --------------------------------------------------------------------------------


def namespace(iri: str) -> str:
    """The namespace part of an IRI: up to its last ``#`` or ``/``."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1] if cut >= 0 else iri


def prefix_for(namespace_iri: str, bound: Mapping[str, str]) -> str:
    """The namespace's prefix in the document, else a word from its IRI (``foaf``)."""
    prefix = bound.get(namespace_iri, "")
    if prefix and re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", prefix):
        return camel_case(prefix)
    words = [w for w in re.split(r"[^A-Za-z]+", namespace_iri) if len(w) > 1]
    skip = {"http", "https", "www", "org", "com", "net", "owl", "rdf", "ns", "ontology", "onto"}
    meaningful = [w for w in words if w.lower() not in skip]
    return camel_case((meaningful or words or ["ns"])[-1])


# -- pins --------------------------------------------------------------------------------------


@dataclass
class Pins:
    """The apiNames a branch gives the IRIs it imported before (``origin`` / ``originIri``)."""

    elements: dict[tuple[str, str, str], str] = field(default_factory=dict)
    properties: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def of(cls, documents: Iterable[Document]) -> Pins:
        pins = cls()
        for document in documents:
            origin: dict[str, Any] = document.get("origin") or {}
            if not origin.get("iri"):
                continue
            key = (document["kind"], origin["iri"], origin.get("domain", ""))
            pins.elements[key] = document["apiName"]
            for prop in document.get("properties", []):
                if prop.get("originIri"):
                    pins.properties[(origin["iri"], prop["originIri"])] = prop["apiName"]
        return pins

    def element(self, kind: str, iri: str, domain: str = "") -> str | None:
        return self.elements.get((kind, iri, domain))

    def property_name(self, owner_iri: str, iri: str) -> str | None:
        return self.properties.get((owner_iri, iri))
