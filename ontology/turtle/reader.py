"""An OWL/RDFS graph as OMS elements: every triple is used or reported, never dropped.

The mapping (docs/import-export.md) is chosen so that an element's kind never depends on how
the hierarchy grows: every named class becomes an object type; a class with subclasses also
becomes a group that its descendants join, and they inherit its datatype properties. Datatype
properties become properties of the classes in their domain (shared properties when they have
no domain); object properties become link types, one per domain class, an ``owl:inverseOf``
pair one link type named at both ends; restrictions used as superclasses add properties and
link types; OWL 2 datatype definitions become value types. Every element records the IRI it
came from (``origin``) and keeps the apiName its branch already gives that IRI
(:class:`~ontology.turtle.naming.Pins`). ``oms:`` annotations, as OMS exports write them,
take precedence, so an OMS export reads back to the same elements.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from ontology import datatypes
from ontology.kinds import KINDS
from ontology.serializers import CAMEL, PASCAL, STATUSES
from ontology.turtle.findings import Finding, Findings
from ontology.turtle.names import (
    camel_case,
    humanize,
    json_value,
    local_name,
    pascal_case,
    plural,
    rdf_list,
    snake_case,
    unique,
)
from ontology.turtle.naming import Candidate, Pins, assign, namespace, prefix_for
from ontology.turtle.vocabulary import (
    ASSUMED_DECIMAL,
    CLASS_KINDS,
    FACETS,
    FROM_XSD,
    MAX_DESCRIPTION,
    MAX_DISPLAY,
    OMS,
    ONTOLOGY_BASE,
    TITLE_NAMES,
    Triple,
)

LABELS = (RDFS.label, SKOS.prefLabel)
DESCRIPTIONS = (RDFS.comment, SKOS.definition, DCTERMS.description)
CARDINALITY = (OWL.cardinality, OWL.maxCardinality, OWL.qualifiedCardinality,
               OWL.maxQualifiedCardinality)  # fmt: skip
AT_LEAST = (OWL.cardinality, OWL.minCardinality, OWL.qualifiedCardinality,
            OWL.minQualifiedCardinality)  # fmt: skip


@dataclass
class Mapped:
    """What a graph maps to: element documents, assumptions, what was left out."""

    elements: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    unmapped: list[Finding] = field(default_factory=list)


def graph_elements(graph: Graph, pins: Pins | None = None) -> Mapped:
    """The elements an rdflib graph maps to, with warnings and what could not be mapped;
    IRIs in ``pins`` keep the apiNames given there."""
    return _Reader(graph, pins or Pins()).read()


@dataclass
class _Class:
    """A named class of the graph and the element kind it becomes."""

    iri: URIRef
    kind: str
    name: str
    parents: list[URIRef]
    children: list[URIRef] = field(default_factory=list)
    body: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Link:
    """A link type to make: property ``prop`` from class ``source`` to class ``target``."""

    prop: URIRef
    source: URIRef
    target: URIRef
    cardinality: str
    inverse: Node | None
    declared: bool = True  # from the property's domain, not from a restriction


class _Reader:
    """Maps one graph to elements, recording each triple it uses; the rest is reported."""

    def __init__(self, graph: Graph, pins: Pins) -> None:
        self.g = graph
        self.pins = pins
        self.used: set[Triple] = set()
        self.warnings, self.unmapped = Findings(), Findings()
        self.names: dict[str, set[str]] = defaultdict(set)
        self.bound = {str(ns): prefix for prefix, ns in graph.namespaces()}
        self.ontology, self.version, self.home = "", "", ""
        # Keyed by the IRIs (URIRef) of what they hold, looked up with any graph node.
        self.classes: dict[Node, _Class] = {}
        self.hierarchy: dict[URIRef, dict[str, Any]] = {}  # class -> the group of its subclasses
        self.restrictions: dict[URIRef, list[Node]] = defaultdict(list)
        self.equivalents: dict[URIRef, list[str]] = defaultdict(list)
        self.own: dict[URIRef, dict[str, dict[str, Any]]] = defaultdict(dict)  # class -> props
        self.value_types: dict[Node, dict[str, Any]] = {}
        self.shared: dict[Node, dict[str, Any]] = {}
        self.links: list[dict[str, Any]] = []
        self.link_names: dict[str, set[str]] = defaultdict(set)
        self.unlinked: set[Node] = set()  # object properties no domain and range map

    # -- the steps ----------------------------------------------------------------------------

    def read(self) -> Mapped:
        self.read_header()
        self.read_value_types()
        self.read_classes()
        data, links = self.properties()
        for prop in data:
            self.data_property(prop)
        self.data_restrictions()
        for cls in self.of_kind("object-types"):
            self.name_properties(cls)
        self.inherit_interface_properties()
        for cls in self.of_kind("object-types"):
            self.finish_keys(cls)
        self.read_links(links)
        self.read_action_types()
        self.read_individuals()
        self.report_the_rest()
        elements = [
            *self.value_types.values(),
            *self.shared.values(),
            *(cls.body for cls in self.classes.values() if cls.body),
            *self.hierarchy.values(),
            *self.links,
        ]
        return Mapped(
            sorted(elements, key=lambda e: (e["kind"], e["apiName"])),
            self.warnings.report(),
            self.unmapped.report(),
        )

    # -- graph access that remembers what it used ----------------------------------------------

    def objects(self, s: Node, p: Node) -> list[Node]:
        found = sorted(self.g.objects(s, p), key=str)
        self.used.update((s, p, o) for o in found)
        return found

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

    def number(self, s: Node, p: Node) -> int | None:
        value = self.one(s, p)
        try:
            return int(value.toPython()) if isinstance(value, Literal) else None
        except (TypeError, ValueError):
            return None

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
        try:
            # Every graph term is an Identifier, a str; rdflib annotates the term as str.
            return self.g.namespace_manager.normalizeUri(cast(str, node))
        except (ValueError, TypeError):
            return str(node)

    def qnames(self, predicates: Iterable[Node]) -> str:
        return ", ".join(sorted({self.qname(p) for p in predicates}))

    # -- the header, origins and names -----------------------------------------------------------

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

    # -- element members ---------------------------------------------------------------------------

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

    # -- value types ----------------------------------------------------------------------------

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

    # -- classes ---------------------------------------------------------------------------------

    def read_classes(self) -> None:
        iris = self.class_iris()
        if not self.home and iris:  # no header: the namespace most classes are in
            counts = Counter(namespace(str(s)) for s in iris)
            self.home = min(counts, key=lambda n: (-counts[n], n)).rstrip("#/")
        parents = {s: self.superclasses(s, iris) for s in sorted(iris, key=str)}
        kinds = {s: self.class_kind(s) for s in parents}
        for kind in CLASS_KINDS:
            of_kind = [s for s in parents if kinds[s] == kind]
            for s, name in self.named(kind, of_kind, pascal=True).items():
                self.classes[s] = _Class(cast(URIRef, s), kind, name, parents[cast(URIRef, s)])
        for cls in self.classes.values():
            for parent in cls.parents:
                self.classes[parent].children.append(cls.iri)
        self.hierarchy_groups()
        for cls in self.classes.values():
            cls.body = self.element(cls.iri, cls.kind, cls.name)
            getattr(self, "class_" + cls.kind.replace("-", "_"))(cls)

    def class_iris(self) -> set[URIRef]:
        found = {
            s
            for t in (OWL.Class, RDFS.Class)
            for s in self.g.subjects(RDF.type, t)
            if isinstance(s, URIRef)
        }
        for s, o in self.g.subject_objects(RDFS.subClassOf):
            found.update(n for n in (s, o) if isinstance(n, URIRef))
        datatypes_ = set(self.g.subjects(RDF.type, RDFS.Datatype))
        return {s for s in found if s not in (OWL.Thing, RDFS.Resource) and s not in datatypes_}

    def superclasses(self, s: URIRef, classes: set[URIRef]) -> list[URIRef]:
        """Named superclasses; restrictions and equivalences are kept for later steps."""
        self.has(s, RDF.type, OWL.Class)
        self.has(s, RDF.type, RDFS.Class)
        found: list[URIRef] = []
        for parent in self.objects(s, RDFS.subClassOf):
            if parent in (OWL.Thing, RDFS.Resource):
                continue
            if isinstance(parent, URIRef) and parent in classes:
                found.append(parent)
            else:
                found.extend(self.class_expression(s, parent, classes))
        for equivalent in self.objects(s, OWL.equivalentClass):
            if isinstance(equivalent, URIRef):
                self.equivalents[s].append(str(equivalent))
            else:
                found.extend(self.class_expression(s, equivalent, classes))
        return sorted(set(found) - {s}, key=str)

    def class_expression(self, s: URIRef, node: Node, classes: set[URIRef]) -> list[URIRef]:
        """An anonymous superclass: a restriction (kept for the property steps), an
        intersection (its named members are superclasses), or reported."""
        if (node, RDF.type, OWL.Restriction) in self.g:
            self.restrictions[s].append(node)
            return []
        members = self.g.value(node, OWL.intersectionOf)
        if members is not None:
            self.has(node, RDF.type, OWL.Class)
            self.objects(node, OWL.intersectionOf)
            named: list[URIRef] = []
            for member in self.collection(members):
                if isinstance(member, URIRef) and member in classes:
                    named.append(member)
                elif isinstance(member, URIRef):
                    self.equivalents[s].append(str(member))
                else:
                    named.extend(self.class_expression(s, member, classes))
            return named
        constructs = [self.qname(p) for p in self.g.predicates(node) if p != RDF.type]
        self.leave(s, f"A class expression ({', '.join(sorted(set(constructs))) or 'empty'}) "
                      "has no OMS equivalent.")  # fmt: skip
        self.consume_all(node)
        return []

    def class_kind(self, s: URIRef) -> str:
        declared = self.literal(s, OMS.kind)
        if declared in CLASS_KINDS:
            return declared
        if declared:
            self.warn(s, "oms:kind is not a class kind; the class is an object type.", declared)
        return "object-types"

    def hierarchy_groups(self) -> None:
        """A group for every object type with subclasses: its descendants join it."""
        parents = [c.iri for c in self.of_kind("object-types") if c.children]
        for s, name in self.named("groups", parents, pascal=True).items():
            cls = self.classes[s]
            body: dict[str, Any] = {
                "_iri": str(s), "kind": "groups", "apiName": name,
                "displayName": self.texts_first(s) or humanize(cls.name),
                "description": f"The subclasses of {cls.name}, direct or not (rdfs:subClassOf).",
            }  # fmt: skip
            origin = self.origin(s)
            if origin:
                body["origin"] = origin
            self.hierarchy[cast(URIRef, s)] = body

    def texts_first(self, s: Node) -> str | None:
        labels = self.texts(s, (OMS.displayName, *LABELS))
        chosen = labels.get(self.preferred_language(labels))
        return " ".join(sorted(chosen)[0].split())[:MAX_DISPLAY] if chosen else None

    def class_object_types(self, cls: _Class) -> None:
        for key in ("pluralDisplayName", "icon"):
            value = self.literal(cls.iri, OMS[key])
            if value:
                cls.body[key] = value[:MAX_DISPLAY] if key != "icon" else value[:100]
        visibility = self.literal(cls.iri, OMS.visibility)
        if visibility in ("prominent", "normal", "hidden"):
            cls.body["visibility"] = visibility
        ancestors = self.ancestors(cls)
        cls.body["groups"] = sorted(
            {self.classes[a].name for a in ancestors if self.classes[a].kind == "groups"}
            | {self.hierarchy[a]["apiName"] for a in ancestors if a in self.hierarchy}
        )
        cls.body["implements"] = self.nearest_interfaces(cls)
        cls.body["properties"] = []

    def class_interfaces(self, cls: _Class) -> None:
        cls.body["extends"] = self.nearest_interfaces(cls)
        cls.body["properties"] = []
        cls.body["links"] = []
        for node in self.positioned(self.objects(cls.iri, OMS.interfaceProperty)):
            shared = self.one(node, OMS.sharedProperty)
            if shared is not None:
                cls.body["properties"].append(
                    {
                        "sharedProperty": self.pending_shared_name(shared),
                        "required": self.flag(node, OMS.required) is not False,
                    }
                )
            self.consume_all(node)
        for node in self.positioned(self.objects(cls.iri, OMS.interfaceLink)):
            link = {
                "apiName": self.literal(node, OMS.apiName),
                "target": self.literal(node, OMS.target),
                "cardinality": self.literal(node, OMS.cardinality),
                "required": self.flag(node, OMS.required) is not False,
            }
            self.consume_all(node)
            cls.body["links"].append(link)

    def positioned(self, nodes: list[Node]) -> list[Node]:
        """Nodes in their ``oms:position`` order (OMS exports keep list order this way)."""

        def position(node: Node) -> int:
            value = self.one(node, OMS.position)
            return int(value.toPython()) if isinstance(value, Literal) else len(nodes)

        return sorted(nodes, key=position)

    def class_groups(self, cls: _Class) -> None:
        for parent in cls.parents:
            other = self.classes[parent]
            self.leave(cls.iri, "A group (oms:kind) with a superclass: OMS groups stand alone.",
                       f"{KINDS[other.kind].label} {other.name}")  # fmt: skip

    def ancestors(self, cls: _Class) -> list[URIRef]:
        """Every superclass, direct or not, nearest first (a cycle ends where it repeats)."""
        seen: list[URIRef] = []
        pending = list(cls.parents)
        while pending:
            current = pending.pop(0)
            if current in seen or current == cls.iri:
                continue
            seen.append(current)
            pending.extend(self.classes[current].parents if current in self.classes else [])
        return seen

    def descendants(self, cls: _Class) -> list[_Class]:
        seen: dict[URIRef, _Class] = {}
        pending = list(cls.children)
        while pending:
            current = pending.pop(0)
            if current in seen or current == cls.iri:
                continue
            seen[current] = self.classes[current]
            pending.extend(self.classes[current].children)
        return list(seen.values())

    def nearest_interfaces(self, cls: _Class) -> list[str]:
        """Interfaces among the superclasses, looking through other classes, not past them."""
        found: list[str] = []
        seen: set[URIRef] = set()
        pending = list(cls.parents)
        while pending:
            current = pending.pop(0)
            if current in seen or current not in self.classes:
                continue
            seen.add(current)
            parent = self.classes[current]
            if parent.kind == "interfaces":
                found.append(parent.name)
            else:
                pending.extend(parent.parents)
        return sorted(set(found))

    def of_kind(self, kind: str) -> list[_Class]:
        return [c for c in self.classes.values() if c.kind == kind]

    # -- datatype properties ---------------------------------------------------------------------

    def properties(self) -> tuple[list[URIRef], list[URIRef]]:
        """Datatype and object properties (``rdf:Property`` sorted by its range)."""
        data = {s for s in self.g.subjects(RDF.type, OWL.DatatypeProperty) if isinstance(s, URIRef)}
        links = {s for s in self.g.subjects(RDF.type, OWL.ObjectProperty) if isinstance(s, URIRef)}
        for s in self.g.subjects(RDF.type, RDF.Property):
            if not isinstance(s, URIRef) or s in data or s in links:
                continue
            ranges = set(self.g.objects(s, RDFS.range))
            (links if ranges and ranges <= set(self.classes) else data).add(s)
            self.has(s, RDF.type, RDF.Property)
        return sorted(data, key=str), sorted(links, key=str)

    def data_property(self, s: URIRef) -> None:
        self.has(s, RDF.type, OWL.DatatypeProperty)
        self.has(s, RDF.type, OWL.FunctionalProperty)
        domains = self.domains(s)
        if domains is None:
            return
        typed = self.data_type(s)
        if typed is None:
            return
        holders = [self.classes[d] for d in domains]
        if not holders or any(h.kind == "interfaces" for h in holders):
            self.shared_property(s, typed)
        for holder in holders:
            if holder.kind == "object-types":
                self.own[holder.iri][str(s)] = self.property_spec(s, typed)
            elif holder.kind == "interfaces":
                holder.body["properties"].append(
                    {
                        "sharedProperty": self.shared[s]["apiName"],
                        "required": self.flag(s, OMS.required) is not False,
                    }  # fmt: skip
                )
            else:
                self.leave(s, "Its domain is a group (oms:kind); groups have no properties.",
                           holder.name)  # fmt: skip

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

    def property_spec(self, s: URIRef, typed: tuple[dict[str, Any], str | None]) -> dict[str, Any]:
        """A property of an object type, without its apiName (named per type, later)."""
        candidate = self.candidate(s, pascal=False)
        prop: dict[str, Any] = {"_candidate": candidate, **self.meta(s, candidate.base)}
        prop["dataType"] = typed[0]
        prop_id = self.literal(s, OMS.id)
        if prop_id:
            prop["id"] = prop_id
        if self.flag(s, OMS.required):
            prop["required"] = True
        visibility = self.literal(s, OMS.visibility)
        if visibility in ("prominent", "normal", "hidden"):
            prop["visibility"] = visibility
        position = self.one(s, OMS.position)
        if isinstance(position, Literal):
            prop["_position"] = int(position.toPython())
        if typed[1]:
            prop["valueType"] = typed[1]
        annotated = self.one(s, OMS.originIri)
        if annotated is not None:
            prop["originIri"] = str(annotated)
        elif not str(s).startswith(ONTOLOGY_BASE):
            prop["originIri"] = str(s)
        for parent in self.objects(s, RDFS.subPropertyOf):
            if parent in self.shared or (parent, RDF.type, OWL.DatatypeProperty) in self.g:
                prop["sharedProperty"] = self.pending_shared_name(parent)
            else:
                self.leave(s, "rdfs:subPropertyOf names no shared property.", self.qname(parent))
        return prop

    def data_restrictions(self) -> None:
        """Restrictions on datatype properties: the class gets the property (required when
        the restriction says at least one)."""
        for cls_iri, nodes in sorted(self.restrictions.items(), key=lambda i: str(i[0])):
            cls = self.classes[cls_iri]
            for node in nodes:
                prop = self.g.value(node, OWL.onProperty)
                if not (
                    isinstance(prop, URIRef) and (prop, RDF.type, OWL.DatatypeProperty) in self.g
                ):
                    continue
                self.consume_all(node)
                if cls.kind != "object-types":
                    self.leave(cls_iri, "A restriction on a class that is not an object type.")
                    continue
                if (node, OWL.hasValue, None) in self.g:
                    self.leave(cls_iri, "An owl:hasValue restriction has no OMS equivalent.",
                               self.qname(prop))  # fmt: skip
                    continue
                at_least = self.at_least(node)
                spec = self.own[cls_iri].get(str(prop)) or self.inherited_spec(cls, prop)
                if spec is None:
                    filler = self.g.value(node, OWL.someValuesFrom) or self.g.value(
                        node, OWL.allValuesFrom
                    )
                    typed = self.data_type(prop, [filler] if filler is not None else None)
                    if typed is None:
                        continue
                    spec = self.property_spec(prop, typed)
                spec = dict(spec)
                if at_least:
                    spec["required"] = True
                self.own[cls_iri][str(prop)] = spec

    def at_least(self, node: Node) -> bool:
        """Whether a restriction asks for at least one value."""
        if (node, OWL.someValuesFrom, None) in self.g:
            return True
        return any(
            int(o.toPython()) >= 1
            for p in AT_LEAST
            for o in self.g.objects(node, p)
            if isinstance(o, Literal) and str(o).isdigit()
        )

    def inherited_spec(self, cls: _Class, prop: URIRef) -> dict[str, Any] | None:
        for ancestor in self.ancestors(cls):
            if str(prop) in self.own.get(ancestor, {}):
                return self.own[ancestor][str(prop)]
        return None

    def name_properties(self, cls: _Class) -> None:
        """The class's own properties and those of its superclasses (nearest wins), named."""
        specs: dict[str, dict[str, Any]] = {}
        for ancestor in reversed(self.ancestors(cls)):
            if self.classes[ancestor].kind == "object-types":
                specs.update(self.own.get(ancestor, {}))
        specs.update(self.own.get(cls.iri, {}))
        owner = self.origin_iri(cls.iri)
        candidates = {key: spec["_candidate"] for key, spec in specs.items()}
        pinned = {k: n for k in specs if (n := self.pins.property(owner, k))}
        names = assign(candidates, pascal=False, pinned=pinned)
        for key, spec in sorted(specs.items()):
            prop = {k: v for k, v in spec.items() if k != "_candidate"}
            cls.body["properties"].append({"apiName": names[key], **prop})

    def inherit_interface_properties(self) -> None:
        """Each object type gets the shared properties of the interfaces it implements."""
        interfaces = {c.name: c for c in self.of_kind("interfaces")}
        shared = {body["apiName"]: body for body in self.shared.values()}
        for cls in self.of_kind("object-types"):
            have = {p.get("sharedProperty") for p in cls.body["properties"]}
            for interface in self.interface_closure(cls.body["implements"], interfaces):
                for entry in interface.body["properties"]:
                    name = entry["sharedProperty"]
                    if name in have or name not in shared or not entry["required"]:
                        continue
                    have.add(name)
                    taken = {p["apiName"] for p in cls.body["properties"]}
                    api_name = unique(name, taken, lambda _note: None)
                    prop = {"apiName": api_name, "dataType": shared[name]["dataType"],
                            "sharedProperty": name}  # fmt: skip
                    if shared[name].get("valueType"):
                        prop["valueType"] = shared[name]["valueType"]
                    cls.body["properties"].append(prop)

    def implementers(self, interface: _Class) -> list[_Class]:
        """Object types implementing ``interface`` directly or through interfaces it extends."""
        interfaces = {c.name: c for c in self.of_kind("interfaces")}
        return [
            c
            for c in self.of_kind("object-types")
            if interface.name
            in {i.name for i in self.interface_closure(c.body["implements"], interfaces)}
        ]

    def interface_closure(self, names: list[str], interfaces: dict[str, _Class]) -> list[_Class]:
        found: dict[str, _Class] = {}
        pending = list(names)
        while pending:
            name = pending.pop(0)
            if name in found or name not in interfaces:
                continue
            found[name] = interfaces[name]
            pending.extend(interfaces[name].body["extends"])
        return list(found.values())

    def finish_keys(self, cls: _Class) -> None:
        """Primary key and title property: declared, guessed, or (reported) invented."""
        cls.body["properties"].sort(key=lambda p: p.get("_position", len(cls.body["properties"])))
        for prop in cls.body["properties"]:
            prop.pop("_position", None)
        props = {p["apiName"]: p for p in cls.body["properties"]}
        key = self.primary_key(cls, props)
        if key is None:
            key = unique("id", set(props), lambda _note: None)
            cls.body["properties"].insert(
                0,
                {
                    "apiName": key,
                    "displayName": "Id",
                    "dataType": {"type": "string"},
                    "required": True,
                },
            )
            props[key] = cls.body["properties"][0]
            self.warn(cls.iri, "No property maps to a primary key; a string property is added.",
                      key)  # fmt: skip
        cls.body["primaryKey"] = key
        cls.body["titleProperty"] = self.title_property(cls, props, key)

    def primary_key(self, cls: _Class, props: dict[str, dict[str, Any]]) -> str | None:
        declared = self.literal(cls.iri, OMS.primaryKey)
        keys = self.objects(cls.iri, OWL.hasKey)
        candidates: list[str | None] = [declared] if declared else []
        for head in keys:
            members = self.collection(head)
            if len(members) == 1:
                candidates.append(self.property_name_of(members[0], props))
            else:
                self.leave(cls.iri, "A compound owl:hasKey; OMS keys are one property.")
        camel = cls.name[0].lower() + cls.name[1:]
        candidates += ["id", f"{camel}Id", "identifier", "code"]
        for name in candidates:
            prop = props.get(name or "")
            if prop and prop["dataType"].get("type") in datatypes.PRIMARY_KEY_TYPES:
                prop["required"] = True
                return name
        return None

    def property_name_of(self, s: Node, props: dict[str, dict[str, Any]]) -> str | None:
        by_iri = {p.get("originIri"): name for name, p in props.items() if p.get("originIri")}
        if str(s) in by_iri:
            return by_iri[str(s)]
        given = self.g.value(s, OMS.apiName)
        name = str(given) if given is not None else camel_case(local_name(s))
        return name if name in props else None

    def title_property(self, cls: _Class, props: dict[str, dict[str, Any]], key: str) -> str:
        declared = self.literal(cls.iri, OMS.titleProperty)
        for name in ([declared] if declared else []) + list(TITLE_NAMES):
            if name in props and props[name]["dataType"].get("type") in datatypes.TITLE_TYPES:
                return name
        strings = [
            n for n, p in props.items() if p["dataType"].get("type") == "string" and n != key
        ]
        return strings[0] if strings else key

    # -- object properties -----------------------------------------------------------------------

    def read_links(self, props: list[URIRef]) -> None:
        """Link types from object properties (an inverse pair once) and from restrictions."""
        wanted: dict[tuple[URIRef, URIRef], _Link] = {}
        done: set[Node] = set()
        for prop in props:
            if prop in done:
                continue
            partner = self.partner(prop, done)
            done.update([prop] if partner is None else [prop, partner])
            for link in self.pair_links(prop, partner):
                wanted.setdefault((link.prop, link.source), link)
        for link in self.restriction_links():
            source = self.classes[link.source]
            above = [a for a in [source.iri, *self.ancestors(source)] if (link.prop, a) in wanted]
            if above:
                self.warn(link.source, "A restriction on a link its superclass has; OMS link "
                          "types have one cardinality, the superclass's.",
                          self.qname(link.prop))  # fmt: skip
                continue
            wanted[(link.prop, link.source)] = link
        for prop in sorted(self.unlinked - {p for p, _ in wanted}, key=str):
            self.leave(prop, "An object property without an rdfs:domain and one rdfs:range "
                             "that are classes of this ontology.")  # fmt: skip
        self.make_links(wanted)

    def partner(self, prop: URIRef, done: set[Node]) -> URIRef | None:
        """The other member of ``prop``'s ``owl:inverseOf`` pair, if it has one."""
        found = {o for o in self.g.objects(prop, OWL.inverseOf) if isinstance(o, URIRef)}
        found |= {s for s in self.g.subjects(OWL.inverseOf, prop) if isinstance(s, URIRef)}
        found -= done | {prop}
        return min(found, key=str) if found else None

    def ends(self, prop: Node, partner: Node | None) -> tuple[list[Node], list[Node]]:
        """A property's domain and range classes; a missing end is read off its inverse."""

        def classes(s: Node | None, p: Node) -> list[Node]:
            if s is None:
                return []
            found = [m for o in self.g.objects(s, p) for m in (self.union_members(o, False) or [o])]
            return [n for n in found if n not in (OWL.Thing, RDFS.Resource)]

        domains = classes(prop, RDFS.domain) or classes(partner, RDFS.range)
        ranges = classes(prop, RDFS.range) or classes(partner, RDFS.domain)
        return domains, ranges

    def mappable(self, prop: Node, partner: Node | None) -> bool:
        domains, ranges = self.ends(prop, partner)
        return (
            bool(domains)
            and all(d in self.classes for d in domains)
            and len(ranges) == 1
            and ranges[0] in self.classes
        )

    def pair_links(self, prop: URIRef, partner: URIRef | None) -> list[_Link]:
        """The link types of one property, or of an inverse pair through whichever member
        maps (the one declaring the pair when both do): never dependent on IRI order."""
        members = [prop] + ([partner] if partner is not None else [])
        for member in members:
            self.has(member, RDF.type, OWL.ObjectProperty)
            self.consume_property_ends(member)
        mapping = [m for m in members if self.mappable(m, self.other(m, members))]
        if not mapping:
            self.unlinked.update(members)  # reported unless a restriction links them
            return []
        declaring = [
            m
            for m in mapping
            if any(isinstance(o, URIRef) for o in self.g.objects(m, OWL.inverseOf))
        ]
        chosen = min(declaring or mapping, key=str)
        inverse = self.other(chosen, members)
        for member in members:
            if member != chosen:
                self.objects(member, OWL.inverseOf)
                self.objects(member, RDFS.label)
                self.objects(member, RDFS.comment)
                for t in (OWL.FunctionalProperty, OWL.InverseFunctionalProperty):
                    self.has(member, RDF.type, t)
        self.objects(chosen, OWL.inverseOf)
        domains, ranges = self.ends(chosen, inverse)
        cardinality = self.cardinality(chosen, inverse)
        return [
            _Link(chosen, cast(URIRef, d), cast(URIRef, ranges[0]), cardinality, inverse)
            for d in sorted(dict.fromkeys(domains), key=str)
        ]

    @staticmethod
    def other(member: URIRef, members: list[URIRef]) -> URIRef | None:
        return next((m for m in members if m != member), None)

    def consume_property_ends(self, prop: Node) -> None:
        for p in (RDFS.domain, RDFS.range):
            for o in self.objects(prop, p):
                self.union_members(o)

    def restriction_links(self) -> list[_Link]:
        """A link type for every restriction on an object property used as a superclass."""
        found: list[_Link] = []
        for cls_iri, nodes in sorted(self.restrictions.items(), key=lambda i: str(i[0])):
            for node in nodes:
                prop = self.g.value(node, OWL.onProperty)
                if isinstance(prop, URIRef) and (prop, RDF.type, OWL.DatatypeProperty) in self.g:
                    continue  # a datatype restriction: data_restrictions took it
                self.consume_all(node)
                if not isinstance(prop, URIRef):
                    self.leave(cls_iri, "A restriction on a property expression (owl:inverseOf "
                                        "...) has no OMS equivalent.")  # fmt: skip
                    continue
                if (node, OWL.hasValue, None) in self.g:
                    self.leave(cls_iri, "An owl:hasValue restriction has no OMS equivalent.",
                               self.qname(prop))  # fmt: skip
                    continue
                fillers = [
                    o
                    for p in (OWL.someValuesFrom, OWL.allValuesFrom, OWL.onClass)
                    for o in self.g.objects(node, p)
                ]
                partner = self.partner(prop, set())
                targets = [t for t in fillers if t in self.classes] or [
                    r for r in self.ends(prop, partner)[1] if r in self.classes
                ]
                if len(set(targets)) != 1:
                    self.leave(cls_iri, "A restriction whose target is not one class of this "
                                        "ontology.", self.qname(prop))  # fmt: skip
                    continue
                most = [int(o.toPython()) for p in CARDINALITY for o in self.g.objects(node, p)
                        if isinstance(o, Literal) and str(o).isdigit()]  # fmt: skip
                cardinality = (
                    "many-to-one" if most and min(most) <= 1 else self.cardinality(prop, None)
                )
                found.append(_Link(prop, cls_iri, cast(URIRef, targets[0]), cardinality,
                                   partner, declared=False))  # fmt: skip
        return found

    def cardinality(self, s: URIRef, inverse: Node | None) -> str:
        declared = self.literal(s, OMS.cardinality)
        if declared in ("one-to-one", "one-to-many", "many-to-one", "many-to-many"):
            self.has(s, RDF.type, OWL.FunctionalProperty)
            self.has(s, RDF.type, OWL.InverseFunctionalProperty)
            return declared
        functional = self.has(s, RDF.type, OWL.FunctionalProperty) or (
            inverse is not None and (inverse, RDF.type, OWL.InverseFunctionalProperty) in self.g
        )
        inverse_functional = self.has(s, RDF.type, OWL.InverseFunctionalProperty) or (
            inverse is not None and (inverse, RDF.type, OWL.FunctionalProperty) in self.g
        )
        if functional and inverse_functional:
            return "one-to-one"
        if functional:
            return "many-to-one"
        return "one-to-many" if inverse_functional else "many-to-many"

    def make_links(self, wanted: dict[tuple[URIRef, URIRef], _Link]) -> None:
        """Name every wanted link type at once (pinned, bare, else qualified by its source
        class), then build it; links from interfaces become interface links."""
        direct: dict[tuple[URIRef, URIRef], _Link] = {}
        for key, link in sorted(wanted.items(), key=lambda i: (str(i[0][0]), str(i[0][1]))):
            source = self.classes[link.source]
            if source.kind == "object-types":
                direct[key] = link
            elif source.kind == "interfaces":
                for implementer in self.implementers(source):
                    direct.setdefault((link.prop, implementer.iri), _Link(
                        link.prop, implementer.iri, link.target, link.cardinality, link.inverse,
                        declared=False,
                    ))  # fmt: skip
                self.interface_link(link, source)
            else:
                self.leave(link.prop, "Its domain is a group (oms:kind); groups have no links.",
                           source.name)  # fmt: skip
        domains = Counter(link.prop for link in direct.values() if link.declared)
        candidates = {}
        for key, link in direct.items():
            candidate = self.candidate(link.prop, pascal=False,
                                       qualifier=self.classes[link.source].name)  # fmt: skip
            preferred = candidate.preferred and link.declared and domains[link.prop] == 1
            candidates[key] = Candidate(candidate.base, candidate.qualifiers, preferred,
                                        f"{link.prop} {link.source}")  # fmt: skip
        pinned = {
            key: name
            for key in direct
            if (
                name := self.pins.element(
                    "link-types", self.origin_iri(key[0]), self.origin_iri(key[1])
                )
            )  # fmt: skip
        }
        names = assign(candidates, pascal=False, taken=self.names["link-types"], pinned=pinned)
        self.names["link-types"].update(names.values())
        for key, link in direct.items():
            self.link_type(link, names[key], per_type=domains[link.prop] != 1 or not link.declared)

    def link_type(self, link: _Link, api_name: str, *, per_type: bool) -> None:
        source = self.classes[link.source]
        target = self.concrete(link.prop, self.classes[link.target])
        if target is None:
            return
        body = self.element(link.prop, "link-types", api_name)
        if per_type:
            body.pop("id", None)  # one property, several link types: none keeps its id
        origin = self.origin(link.prop, link.source)
        if origin:
            body["origin"] = origin
        s = link.prop
        source_name = self.literal(s, OMS.sourceLinkApiName) or camel_case(local_name(s))
        many = link.cardinality in ("many-to-one", "many-to-many")
        target_name = self.literal(s, OMS.targetLinkApiName) or (
            camel_case(local_name(link.inverse)) if link.inverse is not None
            else plural(camel_case(source.name), many)
        )  # fmt: skip
        body["cardinality"] = link.cardinality
        body["source"] = self.link_end(s, "source", source, source_name, api_name)
        body["target"] = self.link_end(s, "target", target, target_name, api_name)
        if link.inverse is not None and "displayName" not in body["target"]:
            label = self.texts_first(link.inverse)
            if label:
                body["target"]["displayName"] = label
        if link.cardinality == "many-to-many":
            body["joinTable"] = self.literal(s, OMS.joinTable) or snake_case(api_name)
        else:
            body["foreignKey"] = self.foreign_key(s, body, source, target)
        self.links.append(body)

    def concrete(self, s: URIRef, target: _Class) -> _Class | None:
        """The object type at a link's far end (an interface with one implementer stands in)."""
        if target.kind == "object-types":
            return target
        implementers = self.implementers(target) if target.kind == "interfaces" else []
        if target.kind == "interfaces" and len(implementers) == 1:
            self.warn(s, "Its range is an interface; the link goes to its one implementation.",
                      implementers[0].name)  # fmt: skip
            return implementers[0]
        self.leave(s, "Its range is a group or an interface with several object types; link "
                      "types join object types.", target.name)  # fmt: skip
        return None

    def link_end(
        self, s: URIRef, end: str, cls: _Class, name: str, api_name: str
    ) -> dict[str, str]:
        """A link end named ``name``, or after its link type when the type has that name
        already (link type names are unique, so this never depends on the order)."""
        taken = self.link_names[cls.name]
        link_name = camel_case(name)
        if link_name in taken:
            link_name = unique(api_name, taken, lambda _note: None)
            self.warn(s, "A link end name is taken on its object type; the link type's name "
                         "is used.", f"{cls.name}.{link_name}")  # fmt: skip
        taken.add(link_name)
        out = {"objectType": cls.name, "linkApiName": link_name}
        display = self.literal(s, OMS[f"{end}DisplayName"])
        if display:
            out["displayName"] = display[:MAX_DISPLAY]
        return out

    def foreign_key(self, s: URIRef, body: dict[str, Any], source: _Class, target: _Class) -> str:
        """The many side's property holding the other side's primary key (added if missing)."""
        many_source = body["cardinality"] == "many-to-one"
        holder, other = (source, target) if many_source else (target, source)
        end = body["source" if many_source else "target"]["linkApiName"]
        key_type = next(
            p["dataType"]
            for p in other.body["properties"]
            if p["apiName"] == other.body["primaryKey"]
        )
        props = {p["apiName"]: p for p in holder.body["properties"]}
        declared = self.literal(s, OMS.foreignKey)
        for name in [declared, other.body["primaryKey"], f"{end}Id", f"{camel_case(other.name)}Id"]:
            if (
                name
                and name in props
                and name != holder.body["primaryKey"]
                and props[name]["dataType"] == key_type
            ):
                return name
        name = unique(f"{end}Id", set(props), lambda _note: None)
        holder.body["properties"].append(
            {"apiName": name, "displayName": humanize(name), "dataType": dict(key_type)}
        )
        self.warn(s, "A foreign key property is added for the link.", f"{holder.name}.{name}")
        return name

    def interface_link(self, link: _Link, source: _Class) -> None:
        """An interface link on an interface (``oms:kind``) in the domain of a property."""
        name = camel_case(self.literal(link.prop, OMS.apiName) or local_name(link.prop))
        target = self.classes[link.target]
        if target.kind == "groups":
            self.leave(link.prop, "Its range is a group (oms:kind); links need a type.",
                       target.name)  # fmt: skip
            return
        one = link.cardinality in ("many-to-one", "one-to-one")
        source.body["links"].append(
            {
                "apiName": name,
                "target": target.name,
                "cardinality": "one" if one else "many",
                "required": True,
            }  # fmt: skip
        )

    # -- what is not ontology schema -------------------------------------------------------------

    def read_action_types(self) -> None:
        for s in sorted(self.g.subjects(RDF.type, OMS.ActionType), key=str):
            self.consume_all(s)
            self.leave(s, "Action types are not imported from Turtle (their parameters and "
                          "rules are only in the JSON bundle).")  # fmt: skip

    def read_individuals(self) -> None:
        types = set(self.classes) | {OWL.NamedIndividual}
        for s, t in sorted(self.g.subject_objects(RDF.type), key=str):
            if t in types and s not in self.classes and (s, RDF.type, t) not in self.used:
                self.consume_all(s)
                self.leave(s, "An individual: OMS holds the schema, not instance data.",
                           self.qname(t))  # fmt: skip

    def report_the_rest(self) -> None:
        """Every triple no step used, grouped by what it is: one finding per predicate."""
        for s, p, o in sorted(self.g, key=lambda t: (str(t[1]), str(t[0]), str(t[2]))):
            if (s, p, o) in self.used:
                continue
            if isinstance(s, URIRef) and (s, RDF.type, OWL.Ontology) in self.g:
                self.leave(s, "The ontology header is not kept beyond its IRI and version.",
                           self.qname(p))  # fmt: skip
            elif isinstance(s, URIRef) and (s, RDF.type, OWL.AnnotationProperty) in self.g:
                self.leave(s, "An annotation property: OMS keeps no custom annotations.")
            elif p == RDF.type:
                self.leave(s, f"{self.qname(o)} is not mapped.")
            else:
                self.leave(s, f"{self.qname(p)} is not mapped.")
            self.used.add((s, p, o))
