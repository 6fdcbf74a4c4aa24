"""The reading core of the OWL mapping: graph access that remembers every triple it uses,
findings, the ontology header, origins, names, element members, value types and datatypes.

``classes.py``, ``properties.py`` and ``links.py`` build on it, one step of the mapping each;
``reader.py`` runs them in order (the mapping itself is described there and in
docs/import-export.md).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from rdflib import BNode, Literal, URIRef
from rdflib import namespace as ns
from rdflib.term import Node

from ontology import datatypes
from ontology.serializers import CAMEL, PASCAL, STATUSES
from ontology.turtle import vocabulary
from ontology.turtle.findings import Findings
from ontology.turtle.names import (
    camel_case,
    humanize,
    json_value,
    local_name,
    pascal_case,
    rdf_list,
)
from ontology.turtle.naming import Candidate, Pins, assign, namespace, prefix_for
from ontology.turtle.triples import Triples
from ontology.turtle.vocabulary import (
    ASSUMED_DECIMAL,
    FACETS,
    FROM_XSD,
    MAX_DESCRIPTION,
    MAX_DISPLAY,
    ONTOLOGY_BASE,
    Triple,
)


class _Terms:
    """A namespace whose terms are made once: rdflib makes a new one at every attribute
    access, and the reader asks hundreds of thousands of times."""

    def __init__(self, namespace: Any) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:
        term: URIRef = getattr(self._namespace, name)
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str) -> URIRef:
        return cast(URIRef, getattr(self, name))


DCTERMS, OWL, RDF, RDFS = _Terms(ns.DCTERMS), _Terms(ns.OWL), _Terms(ns.RDF), _Terms(ns.RDFS)
SKOS, XSD, OMS = _Terms(ns.SKOS), _Terms(ns.XSD), _Terms(vocabulary.OMS)
LABELS = (RDFS.label, SKOS.prefLabel)
DESCRIPTIONS = (RDFS.comment, SKOS.definition, DCTERMS.description)
CARDINALITY = (OWL.cardinality, OWL.maxCardinality, OWL.qualifiedCardinality,
               OWL.maxQualifiedCardinality)  # fmt: skip
AT_LEAST = (OWL.cardinality, OWL.minCardinality, OWL.qualifiedCardinality,
            OWL.minQualifiedCardinality)  # fmt: skip


@dataclass
class NamedClass:
    """A named class of the graph and the element kind it becomes."""

    iri: URIRef
    kind: str
    name: str
    parents: list[URIRef]
    children: list[URIRef] = field(default_factory=list)
    body: dict[str, Any] = field(default_factory=dict)


class Core:
    """Maps one graph to elements, recording each triple it uses; the rest is reported."""

    def __init__(self, graph: Triples, pins: Pins) -> None:
        self.g = graph
        self.pins = pins
        self.used: set[Triple] = set()
        self.warnings, self.unmapped = Findings(), Findings()
        self.names: dict[str, set[str]] = defaultdict(set)
        self.bound = graph.bound
        self.ontology, self.version, self.home = "", "", ""
        # Keyed by the IRIs (URIRef) of what they hold, looked up with any graph node.
        self.classes: dict[Node, NamedClass] = {}
        self.hierarchy: dict[URIRef, dict[str, Any]] = {}  # class -> the group of its subclasses
        self.restrictions: dict[URIRef, list[Node]] = defaultdict(list)
        self.equivalents: dict[URIRef, list[str]] = defaultdict(list)
        self.own: dict[URIRef, dict[str, dict[str, Any]]] = defaultdict(dict)  # class -> props
        self.value_types: dict[Node, dict[str, Any]] = {}
        self.shared: dict[Node, dict[str, Any]] = {}
        self.links: list[dict[str, Any]] = []
        self.link_names: dict[str, set[str]] = defaultdict(set)
        self.unlinked: set[Node] = set()  # object properties no domain and range map

    def objects(self, s: Node, p: Node) -> list[Node]:
        found = self.g.spo.get(s, {}).get(p)
        if not found:
            return []
        if len(found) == 1:
            self.used.add((s, p, found[0]))
            return list(found)
        self.used.update((s, p, o) for o in found)
        return sorted(found, key=str)

    def one(self, s: Node, p: Node) -> Node | None:
        found = self.objects(s, p)
        if len(found) > 1:
            self.warn(s, f"Several values of {self.qname(p)}; the first is kept.", str(found[0]))
        return found[0] if found else None

    def has(self, s: Node, p: Node, o: Node) -> bool:
        if (s, p, o) in self.g:
            self.used.add((s, p, o))
            return True
        return False

    def literal(self, s: Node, p: Node) -> str | None:
        value = self.one(s, p)
        return str(value) if isinstance(value, Literal) else None

    def flag(self, s: Node, p: Node) -> bool | None:
        value = self.one(s, p)
        return bool(value.toPython()) if isinstance(value, Literal) else None

    def json_annotation(self, s: Node, p: Node) -> Any:
        text = self.literal(s, p)
        if text is None:
            return None
        try:
            return json.loads(text)
        except ValueError:
            self.warn(s, f"{self.qname(p)} is not JSON; ignored.")
            return None

    def consume_all(self, s: Node) -> list[Node]:
        """Mark every triple of ``s`` (and of blank nodes under it) as used; their predicates."""
        predicates: list[Node] = []
        pending, seen = [s], {s}
        while pending:  # a loop, not recursion: blank nodes may nest deep or form cycles
            node = pending.pop()
            for p, o in sorted(self.g.predicate_objects(node), key=str):
                if (node, p, o) not in self.used and node == s:
                    predicates.append(p)
                self.used.add((node, p, o))
                if isinstance(o, BNode) and o not in seen:
                    seen.add(o)
                    pending.append(o)
        return predicates

    def warn(self, s: Node, reason: str, detail: str = "") -> None:
        self.warnings.add(reason, self.subject(s), detail)

    def leave(self, s: Node, reason: str, detail: str = "") -> None:
        self.unmapped.add(reason, self.subject(s), detail)

    def subject(self, s: Node) -> str:
        """An IRI to show for ``s``: its own, or that of the named node a blank node hangs on."""
        seen = {s}
        while isinstance(s, BNode):
            owner = min(self.g.subjects(None, s), key=str, default=None)
            if owner is None or owner in seen:
                return "_:blank"
            seen.add(owner)
            s = owner
        return str(s)

    def qname(self, node: Node) -> str:
        return self.g.qname(node)

    def qnames(self, predicates: Iterable[Node]) -> str:
        return ", ".join(sorted({self.qname(p) for p in predicates}))

    def read_header(self) -> None:
        headers = sorted(
            s for s in self.g.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef)
        )
        if headers:
            header = headers[0]
            self.has(header, RDF.type, OWL.Ontology)
            self.ontology = str(header)
            self.version = self.literal(header, OWL.versionInfo) or str(
                self.one(header, OWL.versionIRI) or ""
            )
            self.home = self.ontology.rstrip("#/")

    def origin(self, s: Node, domain: Node | None = None) -> dict[str, Any] | None:
        """Where an element came from: ``oms:origin`` as written, else the subject's IRI with
        the ontology and version (none for the IRIs of an OMS export)."""
        annotated = self.json_annotation(s, OMS.origin)
        if isinstance(annotated, dict) and isinstance(annotated.get("iri"), str):
            return annotated
        if not isinstance(s, URIRef) or str(s).startswith(ONTOLOGY_BASE):
            return None
        origin: dict[str, Any] = {"iri": str(s)}
        if domain is not None:
            origin["domain"] = self.origin_iri(domain)
        if self.ontology:
            origin["ontology"] = self.ontology
        if self.version:
            origin["version"] = self.version[:200]
        if self.equivalents.get(s):
            origin["equivalents"] = sorted(set(self.equivalents[s]))
        return origin

    def origin_iri(self, s: Node) -> str:
        annotated = self.json_annotation(s, OMS.origin)
        if isinstance(annotated, dict) and isinstance(annotated.get("iri"), str):
            return str(annotated["iri"])
        return str(s)

    def candidate(self, s: Node, *, pascal: bool, qualifier: str = "") -> Candidate:
        """What ``s`` would like to be called: its oms:apiName, else its local name."""
        pattern = PASCAL if pascal else CAMEL
        given = self.literal(s, OMS.apiName)
        if given and pattern.match(given):
            return Candidate(given, preferred=True, iri=str(s))
        base = (pascal_case if pascal else camel_case)(local_name(s))
        if given:
            self.warn(s, "oms:apiName is not valid here; the local name is used.", given)
        space = namespace(str(s))
        qualifiers = (qualifier, prefix_for(space, self.bound)) if qualifier else (
            prefix_for(space, self.bound),
        )  # fmt: skip
        return Candidate(base, qualifiers, preferred=self.at_home(space), iri=str(s))

    def at_home(self, space: str) -> bool:
        return bool(self.home) and space.rstrip("#/") == self.home

    def named(self, kind: str, subjects: Iterable[Node], *, pascal: bool) -> dict[Node, str]:
        """apiNames of ``kind`` for ``subjects``: pinned, bare or qualified (naming.py)."""
        candidates = {s: self.candidate(s, pascal=pascal) for s in subjects}
        pinned = {s: n for s in candidates if (n := self.pins.element(kind, self.origin_iri(s)))}
        names = assign(candidates, pascal=pascal, taken=self.names[kind], pinned=pinned)
        self.names[kind].update(names.values())
        for s, name in names.items():
            if name != candidates[s].base and s not in pinned:
                self.warn(s, "Another IRI has the same local name; the name is qualified.", name)
        return names

    def meta(self, s: Node, api_name: str) -> dict[str, Any]:
        """displayName, description, aliases, translations and status of an element or property."""
        labels = self.texts(s, (OMS.displayName, *LABELS))
        descriptions = self.texts(s, (OMS.description, *DESCRIPTIONS))
        aliases = self.texts(s, (SKOS.altLabel,))
        language = self.preferred_language(labels)
        main = (language, None, "en")  # untagged text and English are the main language
        body: dict[str, Any] = {
            "displayName": self.pick(s, labels.get(language), MAX_DISPLAY) or humanize(api_name)
        }
        texts = next((d for m in main if (d := descriptions.get(m))), None)
        description = self.pick(s, texts, MAX_DESCRIPTION)
        if description:
            body["description"] = description
        main_aliases = {" ".join(a.split())[:MAX_DISPLAY] for m in main for a in aliases.get(m, [])}
        if main_aliases:
            body["aliases"] = sorted(main_aliases)
        translations: dict[str, dict[str, Any]] = {}
        for other in sorted({*labels, *descriptions, *aliases} - set(main), key=str):
            assert other is not None
            entry: dict[str, Any] = {}
            if labels.get(other):
                entry["displayName"] = " ".join(sorted(labels[other])[0].split())[:MAX_DISPLAY]
            if descriptions.get(other):
                entry["description"] = sorted(descriptions[other])[0][:MAX_DESCRIPTION]
            if aliases.get(other):
                entry["aliases"] = sorted({a[:MAX_DISPLAY] for a in aliases[other]})
            translations[other] = entry
        if translations:
            body["translations"] = translations
        status = self.literal(s, OMS.status)
        deprecated = (
            self.flag(s, OWL.deprecated)
            or self.has(s, RDF.type, OWL.DeprecatedClass)
            or self.has(s, RDF.type, OWL.DeprecatedProperty)
        )
        if status in STATUSES:
            body["status"] = status
        elif deprecated:
            body["status"] = "deprecated"
        elif status:
            self.warn(s, "oms:status is not an OMS status; ignored.", status)
        return body

    def texts(self, s: Node, predicates: Iterable[Node]) -> dict[str | None, list[str]]:
        """Literal texts by language (None: untagged), from the first predicate that has some
        in that language."""
        found: dict[str | None, list[str]] = {}
        for p in predicates:
            by_language: dict[str | None, list[str]] = defaultdict(list)
            for o in self.objects(s, p):
                if isinstance(o, Literal):
                    by_language[o.language.lower() if o.language else None].append(str(o))
            for language, texts in by_language.items():
                found.setdefault(language, texts)
        return found

    @staticmethod
    def preferred_language(labels: dict[str | None, list[str]]) -> str | None:
        """Untagged text first, then English, then the first language tag."""
        for language in (None, "en", *sorted(k for k in labels if k and k.startswith("en-"))):
            if language in labels:
                return language
        return min((k for k in labels if k), default=None)

    def pick(self, s: Node, texts: list[str] | None, limit: int) -> str | None:
        if not texts:
            return None
        chosen = sorted(texts)[0]
        chosen = " ".join(chosen.split()) if limit <= MAX_DISPLAY else chosen
        if len(set(texts)) > 1:
            self.warn(s, "Several labels or comments in one language; the first is kept.",
                      chosen[:60])  # fmt: skip
        if len(chosen) > limit:
            self.warn(s, f"A text is cut to {limit} characters.")
            chosen = chosen[:limit]
        return chosen

    def element(self, s: Node, kind: str, api_name: str) -> dict[str, Any]:
        """The members every element has, plus the private ``_iri`` used in error paths."""
        body: dict[str, Any] = {"_iri": str(s), "kind": kind, "apiName": api_name}
        body.update(self.meta(s, api_name))
        element_id = self.literal(s, OMS.id)
        if element_id:
            body["id"] = element_id
        deprecation = self.json_annotation(s, OMS.deprecation)
        if body.get("status") == "deprecated":
            replaced = self.one(s, DCTERMS.isReplacedBy)
            if isinstance(deprecation, dict):
                body["deprecation"] = deprecation
            elif replaced is not None:
                body["deprecation"] = {"reason": "Deprecated in the source ontology."}
                if replaced in self.classes:
                    body["deprecation"]["replacedBy"] = self.classes[replaced].name
        origin = self.origin(s)
        if origin:
            body["origin"] = origin
        self.literal(s, OMS.kind)  # consumed: the kind was read when classifying
        return body

    def read_value_types(self) -> None:
        found = [
            s
            for s in sorted(self.g.subjects(RDF.type, RDFS.Datatype), key=str)
            if isinstance(s, URIRef) and s not in FROM_XSD
        ]
        defined: dict[Node, Any] = {s: self.value_type(s) for s in found}
        names = self.named("value-types", [s for s, d in defined.items() if d], pascal=True)
        for s, name in names.items():
            base, constraints = defined[s] or ({}, [])
            body = self.element(s, "value-types", name)
            body.update(baseType=base, constraints=constraints)
            self.value_types[s] = body

    def value_type(self, s: URIRef) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        """The base type and constraints of a datatype (None, reported, if OMS has none)."""
        self.has(s, RDF.type, RDFS.Datatype)
        constraints: list[dict[str, Any]] = []
        bases: list[Node] = []
        for definition in self.objects(s, OWL.equivalentClass):
            bases.extend(self.datatype_definition(s, definition, constraints))
        base = self.json_annotation(s, OMS.dataType)
        if not isinstance(base, dict) or datatypes.data_type_errors(base):
            base = self.base_type(s, bases)
        if base is None:
            self.leave(s, "A datatype without a base type OMS knows (owl:onDatatype).")
            return None
        return base, constraints

    def datatype_definition(
        self, s: URIRef, node: Node, constraints: list[dict[str, Any]]
    ) -> list[Node]:
        """Constraints of one OWL 2 datatype definition; the base datatypes it names."""
        self.has(node, RDF.type, RDFS.Datatype)
        bases = self.objects(node, OWL.onDatatype)
        one_of = self.one(node, OWL.oneOf)
        if one_of is not None:
            literals = self.collection(one_of)
            constraints.append({"type": "enum", "values": [json_value(v) for v in literals]})
            bases.extend(v.datatype or XSD.string for v in literals if isinstance(v, Literal))
        restrictions = self.one(node, OWL.withRestrictions)
        if restrictions is not None:
            constraints.extend(self.facets(s, restrictions))
        left = self.consume_all(node)
        if left:
            self.leave(s, "Datatype definition parts are not mapped.", self.qnames(left))
        return bases

    def facets(self, s: URIRef, head: Node) -> list[dict[str, Any]]:
        found: dict[str, Any] = {}
        for node in self.collection(head):
            for facet, value in sorted(self.g.predicate_objects(node), key=str):
                self.used.add((node, facet, value))
                if isinstance(facet, URIRef) and facet in FACETS and isinstance(value, Literal):
                    found[FACETS[facet]] = json_value(value)
                else:
                    self.leave(s, "A datatype facet has no OMS constraint.", self.qname(facet))
        constraints: list[dict[str, Any]] = []
        if "pattern" in found:
            constraints.append({"type": "regex", "pattern": found["pattern"]})
        if "length" in found:
            found["minLength"] = found["maxLength"] = found["length"]
        length = {k: found[f"{k}Length"] for k in ("min", "max") if f"{k}Length" in found}
        if length:
            constraints.append({"type": "length", **length})
        bounds: dict[str, Any] = {k: found[k] for k in ("min", "max") if k in found}
        if bounds:
            constraints.append({"type": "range", **bounds})
        return constraints

    def base_type(self, s: URIRef, bases: list[Node]) -> dict[str, Any] | None:
        known = [FROM_XSD[b] for b in bases if b in FROM_XSD]
        if not known:
            return None
        if len(set(known)) > 1:
            self.warn(s, "Several base datatypes; the first is used.", known[0])
        if known[0] == "decimal":
            self.warn(s, "xsd:decimal says no precision; decimal(38,10) is assumed.")
            return dict(ASSUMED_DECIMAL)
        return {"type": known[0]}

    def collection(self, head: Node) -> list[Node]:
        """The members of an RDF list, its cells marked used."""
        items = rdf_list(self.g, head)
        node: Node | None = head
        seen: set[Node] = set()
        while node is not None and node != RDF.nil and node not in seen:
            seen.add(node)
            self.objects(node, RDF.first)
            rest = self.objects(node, RDF.rest)
            node = rest[0] if rest else None
        return items

    def domains(self, s: URIRef) -> list[URIRef] | None:
        """The classes a property belongs to ([] for none); None (reported) if one is unknown."""
        found: list[Node] = []
        declared = self.objects(s, RDFS.domain)
        for node in declared:
            found.extend(self.union_members(node) or [node])
        found = [d for d in found if d not in (OWL.Thing, RDFS.Resource)]
        unknown = [d for d in found if d not in self.classes]
        if unknown:
            self.leave(s, "Its domain is not a class of this ontology.", self.qname(unknown[0]))
            return None
        if len(declared) > 1:
            self.warn(s, "Several rdfs:domain: OWL reads them as an intersection; OMS gives "
                         "the property to each class.")  # fmt: skip
        # Each one is a key of self.classes, so an IRI.
        return [d for d in dict.fromkeys(found) if isinstance(d, URIRef)]

    def union_members(self, node: Node, consume: bool = True) -> list[Node]:
        if not isinstance(node, BNode):
            return []
        head = self.g.value(node, OWL.unionOf)
        if head is None:
            return []
        if consume:
            self.has(node, RDF.type, OWL.Class)
            self.objects(node, OWL.unionOf)
            return self.collection(head)
        return rdf_list(self.g, head)

    def data_type(
        self, s: URIRef, ranges: list[Node] | None = None
    ) -> tuple[dict[str, Any], str | None] | None:
        """(dataType, valueType) of a datatype property, or None (reported)."""
        ranges = self.objects(s, RDFS.range) if ranges is None else ranges
        annotated = self.json_annotation(s, OMS.dataType)
        value_type = next(
            (self.value_types[r]["apiName"] for r in ranges if r in self.value_types), None
        )
        if isinstance(annotated, dict) and not datatypes.data_type_errors(annotated):
            return annotated, value_type
        if len(ranges) > 1:
            self.leave(s, "Several rdfs:range datatypes; OMS properties have one type.")
            return None
        if not ranges:
            self.warn(s, "No rdfs:range; string is assumed.")
            return {"type": "string"}, None
        if value_type:
            return self.value_types[ranges[0]]["baseType"], value_type
        kind = FROM_XSD.get(ranges[0])
        if kind is None:
            self.leave(s, "Its range has no OMS data type.", self.qname(ranges[0]))
            return None
        if kind == "decimal":
            self.warn(s, "xsd:decimal says no precision; decimal(38,10) is assumed.")
            return dict(ASSUMED_DECIMAL), None
        return {"type": kind}, None

    def shared_property(self, s: URIRef, typed: tuple[dict[str, Any], str | None]) -> None:
        if s in self.shared:
            return
        (api_name,) = self.named("shared-properties", [s], pascal=False).values()
        body = self.element(s, "shared-properties", api_name)
        body["dataType"] = typed[0]
        if typed[1]:
            body["valueType"] = typed[1]
        self.shared[s] = body

    def pending_shared_name(self, s: Node) -> str:
        """The apiName a shared property IRI gets (named before the property is read)."""
        if s not in self.shared and isinstance(s, URIRef):
            typed = self.data_type(s) or ({"type": "string"}, None)
            self.shared_property(s, typed)
        return self.shared[s]["apiName"] if s in self.shared else camel_case(local_name(s))

    def texts_first(self, s: Node) -> str | None:
        labels = self.texts(s, (OMS.displayName, *LABELS))
        chosen = labels.get(self.preferred_language(labels))
        return " ".join(sorted(chosen)[0].split())[:MAX_DISPLAY] if chosen else None
