"""An OWL/RDFS graph as OMS elements: every triple is used or reported, never dropped.

The mapping (docs/import-export.md): named classes become object types, or interfaces when
other classes subclass them and properties name them, or groups when they only group their
subclasses; datatype properties become properties of the classes in their domain (shared
properties when they have no domain or an interface's); object properties become link
types, with cardinality from ``owl:FunctionalProperty``/``owl:InverseFunctionalProperty``;
OWL 2 datatype definitions become value types. ``oms:`` annotations, as OMS exports write
them, take precedence, so an OMS export reads back to the same elements.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from ontology import datatypes
from ontology.bundles import Finding
from ontology.kinds import KINDS
from ontology.serializers import CAMEL, PASCAL, STATUSES
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
from ontology.turtle.vocabulary import (
    ASSUMED_DECIMAL,
    CLASS_KINDS,
    FACETS,
    FROM_XSD,
    MAX_DESCRIPTION,
    MAX_DISPLAY,
    OMS,
    TITLE_NAMES,
    Triple,
)


@dataclass
class Mapped:
    """What a graph maps to: element documents, assumptions, what was left out."""

    elements: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    unmapped: list[Finding] = field(default_factory=list)


def graph_elements(graph: Graph) -> Mapped:
    """The elements an rdflib graph maps to, with warnings and what could not be mapped."""
    return _Reader(graph).read()


@dataclass
class _Class:
    """A named class of the graph and the element kind it becomes."""

    iri: URIRef
    kind: str
    name: str
    parents: list[URIRef]
    body: dict[str, Any] = field(default_factory=dict)


class _Reader:
    """Maps one graph to elements, recording each triple it uses; the rest is reported."""

    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self.used: set[Triple] = set()
        self.out = Mapped()
        self.names: dict[str, set[str]] = defaultdict(set)
        # Keyed by the IRIs (URIRef) of what they hold, looked up with any graph node.
        self.classes: dict[Node, _Class] = {}
        self.value_types: dict[Node, dict[str, Any]] = {}
        self.shared: dict[Node, dict[str, Any]] = {}
        self.links: list[dict[str, Any]] = []
        self.link_names: dict[str, set[str]] = defaultdict(set)

    # -- the steps ----------------------------------------------------------------------------

    def read(self) -> Mapped:
        self.read_value_types()
        self.read_classes()
        data, links = self.properties()
        for prop in data:
            self.data_property(prop)
        self.inherit_interface_properties()
        for cls in self.of_kind("object-types"):
            self.finish_keys(cls)
        done: set[Node] = set()
        for prop in links:
            if prop not in done:
                done.update(self.object_property(prop))
        self.read_action_types()
        self.read_individuals()
        self.report_the_rest()
        self.out.elements = self.elements()
        return self.out

    def elements(self) -> list[dict[str, Any]]:
        found = [
            *self.value_types.values(),
            *self.shared.values(),
            *(cls.body for cls in self.classes.values() if cls.body),
            *self.links,
        ]
        return sorted(found, key=lambda e: (e["kind"], e["apiName"]))

    # -- graph access that remembers what it used ----------------------------------------------

    def objects(self, s: Node, p: Node) -> list[Node]:
        found = sorted(self.g.objects(s, p), key=str)
        self.used.update((s, p, o) for o in found)
        return found

    def one(self, s: Node, p: Node) -> Node | None:
        found = self.objects(s, p)
        if len(found) > 1:
            self.warn(s, f"{len(found)} values of {self.qname(p)}; kept {found[0]}.")
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

    def text(self, s: Node, predicates: Iterable[Node], limit: int) -> str | None:
        """The preferred text among predicates (English or untagged first), within ``limit``."""
        candidates: list[Literal] = []
        for p in predicates:
            candidates.extend(o for o in self.objects(s, p) if isinstance(o, Literal))
        if not candidates:
            return None
        candidates.sort(key=lambda o: (o.language not in (None, "en"), str(o)))
        chosen = (
            " ".join(str(candidates[0]).split()) if limit <= MAX_DISPLAY else str(candidates[0])
        )
        if len({str(o) for o in candidates}) > 1:
            self.warn(s, f"Several labels or comments; kept {chosen[:60]!r}.")
        if len(chosen) > limit:
            self.warn(s, f"Text cut to {limit} characters.")
            chosen = chosen[:limit]
        return chosen

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

    def warn(self, s: Node, reason: str) -> None:
        self.out.warnings.append({"subject": self.subject(s), "reason": reason})

    def leave(self, s: Node, reason: str) -> None:
        self.out.unmapped.append({"subject": self.subject(s), "reason": reason})

    def subject(self, s: Node) -> str:
        """An IRI to show for ``s``: its own, or that of the named node a blank node hangs on."""
        seen = {s}
        while isinstance(s, BNode):
            owner = next(iter(self.g.subjects(None, s)), None)
            if owner is None or owner in seen:
                return f"_:{s}"
            seen.add(owner)
            s = owner
        return f"{s} (blank node)" if len(seen) > 1 else str(s)

    def qname(self, node: Node) -> str:
        try:
            # Every graph term is an Identifier, a str; rdflib annotates the term as str.
            return self.g.namespace_manager.normalizeUri(cast(str, node))
        except (ValueError, TypeError):
            return str(node)

    # -- names ---------------------------------------------------------------------------------

    def name(self, s: URIRef, kind: str, *, camel: bool) -> str:
        """A free apiName of ``kind``: oms:apiName, else the IRI's local name, made valid."""
        pattern = CAMEL if camel else PASCAL
        given = self.literal(s, OMS.apiName)
        if given and pattern.match(given):
            base = given
        else:
            base = (camel_case if camel else pascal_case)(local_name(s))
            if given:
                self.warn(s, f"oms:apiName {given!r} is not valid here; used {base!r}.")
        return unique(base, self.names[kind], lambda taken: self.warn(s, taken))

    def meta(self, s: URIRef, api_name: str) -> dict[str, Any]:
        """displayName, description and status of an element or property."""
        body: dict[str, Any] = {
            "displayName": self.text(s, (OMS.displayName, RDFS.label, SKOS.prefLabel), MAX_DISPLAY)
            or humanize(api_name)
        }
        description = self.text(
            s,
            (OMS.description, RDFS.comment, SKOS.definition, DCTERMS.description),
            MAX_DESCRIPTION,
        )
        if description:
            body["description"] = description
        status = self.literal(s, OMS.status)
        deprecated = self.flag(s, OWL.deprecated)
        if status in STATUSES:
            body["status"] = status
        elif deprecated:
            body["status"] = "deprecated"
        elif status:
            self.warn(s, f"oms:status {status!r} is not one of {', '.join(STATUSES)}.")
        return body

    def element(self, s: URIRef, kind: str, api_name: str) -> dict[str, Any]:
        """The members every element has, plus the private ``_iri`` used in error paths."""
        body: dict[str, Any] = {"_iri": str(s), "kind": kind, "apiName": api_name}
        body.update(self.meta(s, api_name))
        element_id = self.literal(s, OMS.id)
        if element_id:
            body["id"] = element_id
        deprecation = self.json_annotation(s, OMS.deprecation)
        if isinstance(deprecation, dict) and body.get("status") == "deprecated":
            body["deprecation"] = deprecation
        self.literal(s, OMS.kind)  # consumed: the kind was read when classifying
        return body

    # -- value types ----------------------------------------------------------------------------

    def read_value_types(self) -> None:
        for s in sorted(self.g.subjects(RDF.type, RDFS.Datatype), key=str):
            if isinstance(s, URIRef) and s not in FROM_XSD:
                self.value_type(s)

    def value_type(self, s: URIRef) -> None:
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
            return
        api_name = self.name(s, "value-types", camel=False)
        body = self.element(s, "value-types", api_name)
        body.update(baseType=base, constraints=constraints)
        self.value_types[s] = body

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
            constraints.extend(self.restrictions(s, restrictions))
        left = self.consume_all(node)
        if left:
            self.leave(s, f"Datatype definition parts not mapped: {self.qnames(left)}.")
        return bases

    def restrictions(self, s: URIRef, head: Node) -> list[dict[str, Any]]:
        found: dict[str, Any] = {}
        for node in self.collection(head):
            for facet, value in sorted(self.g.predicate_objects(node), key=str):
                self.used.add((node, facet, value))
                if isinstance(facet, URIRef) and facet in FACETS and isinstance(value, Literal):
                    found[FACETS[facet]] = json_value(value)
                else:
                    self.leave(s, f"Facet {self.qname(facet)} has no OMS constraint.")
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
            self.warn(s, f"Several base datatypes; used {known[0]}.")
        if known[0] == "decimal":
            self.warn(s, "xsd:decimal says no precision; assumed decimal(38,10).")
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
        parents = {s: self.superclasses(s, iris) for s in sorted(iris, key=str)}
        is_parent = {p for ps in parents.values() for p in ps}
        used_in_properties = self.classes_in_properties()
        for s, supers in parents.items():
            kind = self.class_kind(s, s in is_parent, s in used_in_properties)
            name = self.name(s, kind, camel=False)
            self.classes[s] = _Class(s, kind, name, supers)
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
        self.has(s, RDF.type, OWL.Class)
        self.has(s, RDF.type, RDFS.Class)
        found = []
        for parent in self.objects(s, RDFS.subClassOf):
            if parent in (OWL.Thing, RDFS.Resource):
                continue
            if isinstance(parent, URIRef) and parent in classes:
                found.append(parent)
            else:
                self.class_expression(s, parent)
        return found

    def class_expression(self, s: URIRef, node: Node) -> None:
        """An anonymous superclass (a restriction, a union ...): reported, never mapped."""
        if (node, RDF.type, OWL.Restriction) in self.g:
            on = self.g.value(node, OWL.onProperty)
            what = [
                self.qname(p)
                for p in self.g.predicates(node, None)
                if p not in (RDF.type, OWL.onProperty)
            ]
            self.leave(
                s,
                f"OWL restriction on {self.qname(on) if on else '?'} ({', '.join(sorted(what))}) "
                "has no OMS equivalent.",
            )
        else:
            self.leave(s, "An anonymous superclass (class expression) has no OMS equivalent.")
        self.consume_all(node)

    def classes_in_properties(self) -> set[Node]:
        """Classes named as a domain or range of a property (so they carry structure)."""
        found: set[Node] = set()
        for p in (RDFS.domain, RDFS.range):
            for node in self.g.objects(None, p):
                found.update(self.union_members(node, consume=False) or [node])
        return found

    def class_kind(self, s: URIRef, is_parent: bool, in_properties: bool) -> str:
        declared = self.literal(s, OMS.kind)
        if declared in CLASS_KINDS:
            return declared
        if declared:
            self.warn(s, f"oms:kind {declared!r} is not a class kind; guessed from the graph.")
        if not is_parent:
            return "object-types"
        return "interfaces" if in_properties else "groups"

    def class_object_types(self, cls: _Class) -> None:
        for key in ("pluralDisplayName", "icon"):
            value = self.literal(cls.iri, OMS[key])
            if value:
                cls.body[key] = value[:MAX_DISPLAY] if key != "icon" else value[:100]
        visibility = self.literal(cls.iri, OMS.visibility)
        if visibility in ("prominent", "normal", "hidden"):
            cls.body["visibility"] = visibility
        cls.body["groups"] = sorted(
            {self.classes[a].name for a in self.ancestors(cls) if self.classes[a].kind == "groups"}
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
            self.leave(
                cls.iri,
                f"Subclass of {KINDS[other.kind].label} {other.name}: OMS groups stand alone.",
            )

    def ancestors(self, cls: _Class) -> list[URIRef]:
        seen: list[URIRef] = []
        pending = list(cls.parents)
        while pending:
            current = pending.pop(0)
            if current in seen or current == cls.iri:
                continue
            seen.append(current)
            pending.extend(self.classes[current].parents if current in self.classes else [])
        return seen

    def nearest_interfaces(self, cls: _Class) -> list[str]:
        """Interfaces among the superclasses, looking through groups but not past interfaces."""
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
            elif parent.kind == "groups":
                pending.extend(parent.parents)
            else:
                self.leave(
                    cls.iri, f"Subclass of object type {parent.name}: OMS types do not inherit."
                )
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
                self.attach(s, holder, typed)
            elif holder.kind == "interfaces":
                holder.body["properties"].append(
                    {
                        "sharedProperty": self.shared[s]["apiName"],
                        "required": self.flag(s, OMS.required) is not False,
                    }  # fmt: skip
                )
            else:
                self.leave(
                    s, f"Its domain {holder.name} became a group; groups have no properties."
                )

    def domains(self, s: URIRef) -> list[URIRef] | None:
        """The classes a property belongs to ([] for none); None (reported) if one is unknown."""
        found: list[Node] = []
        declared = self.objects(s, RDFS.domain)
        for node in declared:
            found.extend(self.union_members(node) or [node])
        found = [d for d in found if d not in (OWL.Thing, RDFS.Resource)]
        unknown = [d for d in found if d not in self.classes]
        if unknown:
            self.leave(s, f"Its domain {self.qname(unknown[0])} is not a class of this ontology.")
            return None
        if len(declared) > 1:
            self.warn(s, "Several rdfs:domain: OWL reads them as an intersection; "
                         "OMS gives the property to each class.")  # fmt: skip
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

    def data_type(self, s: URIRef) -> tuple[dict[str, Any], str | None] | None:
        """(dataType, valueType) of a datatype property, or None (reported)."""
        ranges = self.objects(s, RDFS.range)
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
            self.warn(s, "No rdfs:range; assumed string.")
            return {"type": "string"}, None
        if value_type:
            return self.value_types[ranges[0]]["baseType"], value_type
        kind = FROM_XSD.get(ranges[0])
        if kind is None:
            self.leave(s, f"Its range {self.qname(ranges[0])} has no OMS data type.")
            return None
        if kind == "decimal":
            self.warn(s, "xsd:decimal says no precision; assumed decimal(38,10).")
            return dict(ASSUMED_DECIMAL), None
        return {"type": kind}, None

    def shared_property(self, s: URIRef, typed: tuple[dict[str, Any], str | None]) -> None:
        if s in self.shared:
            return
        api_name = self.name(s, "shared-properties", camel=True)
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

    def attach(self, s: URIRef, holder: _Class, typed: tuple[dict[str, Any], str | None]) -> None:
        """A datatype property becomes a property of the object type ``holder``."""
        taken = {p["apiName"] for p in holder.body["properties"]}
        given = self.literal(s, OMS.apiName)
        base = given if given and CAMEL.match(given) else camel_case(local_name(s))
        api_name = unique(base, taken, lambda note: self.warn(s, note))
        prop: dict[str, Any] = {"apiName": api_name, **self.meta(s, api_name), "dataType": typed[0]}
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
        for parent in self.objects(s, RDFS.subPropertyOf):
            if parent in self.shared or (parent, RDF.type, OWL.DatatypeProperty) in self.g:
                prop["sharedProperty"] = self.pending_shared_name(parent)
            else:
                self.leave(s, f"rdfs:subPropertyOf {self.qname(parent)} is not a shared property.")
        holder.body["properties"].append(prop)

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
                    api_name = unique(name, taken, lambda note, c=cls: self.warn(c.iri, note))
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
            key = unique("id", set(props), lambda note: self.warn(cls.iri, note))
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
            self.warn(cls.iri, f"No property maps to a primary key; added string property {key!r}.")
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

    def object_property(self, s: URIRef) -> list[Node]:
        """A link type (or an interface link) from an object property; the IRIs it covers."""
        self.has(s, RDF.type, OWL.ObjectProperty)
        inverse = self.inverse_of(s)
        covered: list[Node] = [s] + ([inverse] if inverse is not None else [])
        domains = self.domains(s)
        ranges = [
            r for node in self.objects(s, RDFS.range) for r in (self.union_members(node) or [node])
        ]
        if domains is None:
            return covered
        if not domains or len(ranges) != 1 or ranges[0] not in self.classes:
            self.leave(s, "An object property needs an rdfs:domain and one rdfs:range that are "
                          "classes of this ontology.")  # fmt: skip
            return covered
        cardinality = self.cardinality(s, inverse)
        target = self.classes[ranges[0]]
        for domain in domains:
            source = self.classes[domain]
            if source.kind == "object-types":
                self.link_type(s, source, target, cardinality, inverse, len(domains) > 1)
            elif source.kind == "interfaces":
                self.interface_link(s, source, target, cardinality, inverse)
            else:
                self.leave(s, f"Its domain {source.name} became a group; groups have no links.")
        return covered

    def inverse_of(self, s: URIRef) -> Node | None:
        found: list[Node] = [o for o in self.objects(s, OWL.inverseOf) if isinstance(o, URIRef)]
        for other in self.g.subjects(OWL.inverseOf, s):  # an IRI or a blank node
            self.used.add((other, OWL.inverseOf, s))
            found.append(other)
        if not found:
            return None
        inverse = found[0]
        for p in (RDFS.domain, RDFS.range, RDFS.label, RDFS.comment):
            self.objects(inverse, p)
        for t in (OWL.ObjectProperty, OWL.FunctionalProperty, OWL.InverseFunctionalProperty):
            self.has(inverse, RDF.type, t)
        return inverse

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

    def link_type(
        self, s: URIRef, source: _Class, target: _Class, cardinality: str,
        inverse: Node | None, per_type: bool,
    ) -> None:  # fmt: skip
        target_type = self.concrete(s, target)
        if target_type is None:
            return
        base = self.literal(s, OMS.apiName) or camel_case(local_name(s))
        if per_type:
            base = camel_case(source.name) + base[0].upper() + base[1:]
        api_name = unique(camel_case(base), self.names["link-types"], lambda n: self.warn(s, n))
        body = self.element(s, "link-types", api_name)
        if per_type:
            body.pop("id", None)  # one property, several link types: none keeps its id
        source_name = self.literal(s, OMS.sourceLinkApiName) or camel_case(local_name(s))
        target_name = self.literal(s, OMS.targetLinkApiName) or (
            camel_case(local_name(inverse)) if inverse is not None
            else plural(camel_case(source.name), cardinality in ("many-to-one", "many-to-many"))
        )  # fmt: skip
        body["cardinality"] = cardinality
        body["source"] = self.link_end(s, "source", source, source_name)
        body["target"] = self.link_end(s, "target", target_type, target_name)
        if cardinality == "many-to-many":
            body["joinTable"] = self.literal(s, OMS.joinTable) or snake_case(api_name)
        else:
            body["foreignKey"] = self.foreign_key(s, body, source, target_type)
        self.links.append(body)

    def concrete(self, s: URIRef, target: _Class) -> _Class | None:
        """The object type at a link's far end (an interface with one implementer stands in)."""
        if target.kind == "object-types":
            return target
        implementers = self.implementers(target) if target.kind == "interfaces" else []
        if target.kind == "interfaces" and len(implementers) == 1:
            self.warn(s, f"Its range {target.name} is an interface; linked to its one "
                         f"implementation {implementers[0].name}.")  # fmt: skip
            return implementers[0]
        self.leave(
            s,
            f"Its range {target.name} is a {KINDS[target.kind].label} with "
            f"{len(implementers)} object types; link types join object types.",
        )
        return None

    def link_end(self, s: URIRef, end: str, cls: _Class, name: str) -> dict[str, str]:
        taken = self.link_names[cls.name]
        link_name = unique(camel_case(name), taken, lambda note: self.warn(s, f"{end}: {note}"))
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
        name = unique(f"{end}Id", set(props), lambda note: self.warn(s, note))
        holder.body["properties"].append(
            {"apiName": name, "displayName": humanize(name), "dataType": dict(key_type)}
        )
        self.warn(s, f"Added foreign key property {holder.name}.{name} for this link.")
        return name

    def interface_link(
        self, s: URIRef, source: _Class, target: _Class, cardinality: str, inverse: Node | None
    ) -> None:
        """An interface link, and a link type for each object type implementing the interface."""
        name = camel_case(self.literal(s, OMS.apiName) or local_name(s))
        if target.kind == "groups":
            self.leave(s, f"Its range {target.name} became a group; links need a type.")
            return
        implementers = self.implementers(source)
        made = 0
        for implementer in implementers:
            before = len(self.links)
            self.link_type(s, implementer, target, cardinality, inverse, True)
            made += len(self.links) - before
        one = cardinality in ("many-to-one", "one-to-one")
        source.body["links"].append(
            {
                "apiName": name,
                "target": target.name,
                "cardinality": "one" if one else "many",
                "required": made == len(implementers),
            }  # fmt: skip
        )
        if made < len(implementers):
            self.warn(s, f"Interface link {source.name}.{name} is optional: not every "
                         "implementation got a link type.")  # fmt: skip

    # -- what is not ontology schema -------------------------------------------------------------

    def read_action_types(self) -> None:
        for s in sorted(self.g.subjects(RDF.type, OMS.ActionType), key=str):
            self.consume_all(s)
            self.leave(s, "Action types are not imported from Turtle (their parameters and rules "
                          "are only in the JSON bundle).")  # fmt: skip

    def read_individuals(self) -> None:
        types = set(self.classes) | {OWL.NamedIndividual}
        for s, t in sorted(self.g.subject_objects(RDF.type), key=str):
            if t in types and s not in self.classes and (s, RDF.type, t) not in self.used:
                self.consume_all(s)
                self.leave(s, f"An individual of {self.qname(t)}: OMS holds the schema, not "
                              "instance data.")  # fmt: skip

    def report_the_rest(self) -> None:
        left: dict[Node, list[Node]] = defaultdict(list)
        for s, p, o in self.g:
            if (s, p, o) not in self.used and not isinstance(s, BNode):
                left[s].append(p)
        for s in sorted(left, key=str):
            predicates = left[s]
            self.consume_all(s)
            if (s, RDF.type, OWL.Ontology) in self.g:
                self.leave(s, f"The ontology header is not kept ({self.qnames(predicates)}).")
            elif (s, RDF.type, OWL.AnnotationProperty) in self.g:
                self.leave(s, "An annotation property: OMS keeps no custom annotations.")
            else:
                self.leave(s, f"Not mapped: {self.qnames(predicates)}.")
        for s, p, o in self.g:
            if (s, p, o) not in self.used:
                self.used.add((s, p, o))
                self.leave(s, f"Not mapped: {self.qname(p)}.")

    def qnames(self, predicates: Iterable[Node]) -> str:
        return ", ".join(sorted({self.qname(p) for p in predicates}))
