"""A whole branch as OWL/RDFS Turtle (rdflib): export, and import of any OWL/RDFS ontology.

Export: object types, interfaces and groups become ``owl:Class``es (``implements`` and
group membership become ``rdfs:subClassOf``), properties and shared properties
``owl:DatatypeProperty``s with XSD ranges, link types ``owl:ObjectProperty``s, value types
OWL 2 datatype definitions, action types ``oms:ActionType`` individuals; OMS facts OWL has no
word for are ``oms:`` annotations, so an OMS export imports back to the same elements.

Import maps classes, datatype properties, object properties, datatypes and subclassing to
elements (the table is in docs/import-export.md), reports every assumption it makes in
``warnings`` and everything it cannot map in ``unmapped`` (each with its subject IRI): every
triple is either used or reported, never dropped silently. The elements then go through
:func:`ontology.bundles.elements_import` like a JSON bundle (one checked commit).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from integrations.user_service.principal import Principal
from oms_project.exceptions import flatten_drf_errors
from ontology import datatypes, selectors
from ontology.bundles import (
    Finding,
    ImportReport,
    Incoming,
    Mode,
    duplicate_errors,
    elements_import,
)
from ontology.catalog import Catalog
from ontology.kinds import KINDS
from ontology.schemas import CAMEL, PASCAL, STATUSES
from ontology.storage.base import Document
from ontology.transfer_errors import InvalidTurtle

OMS = Namespace("https://oms.dev/vocab#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
ONTOLOGY_BASE = "https://oms.dev/ontologies/"
Triple = tuple[Node, Node, Node]

# -- data types both ways ---------------------------------------------------------------------

XSD_OF = {
    "boolean": XSD.boolean, "string": XSD.string, "integer": XSD.int, "long": XSD.long,
    "float": XSD.float, "double": XSD.double, "decimal": XSD.decimal, "date": XSD.date,
    "timestamp": XSD.dateTime, "geopoint": GEO.wktLiteral, "geoshape": GEO.wktLiteral,
    "attachment": XSD.anyURI, "vector": RDF.JSON, "struct": RDF.JSON,
}  # fmt: skip
FROM_XSD: dict[Node, str] = {
    **dict.fromkeys(
        (XSD.string, XSD.normalizedString, XSD.token, XSD.language, XSD.Name, XSD.NCName,
         XSD.NMTOKEN, XSD.anyURI, RDF.langString, RDF.PlainLiteral, RDFS.Literal),
        "string",
    ),
    XSD.boolean: "boolean",
    **dict.fromkeys(
        (XSD.int, XSD.short, XSD.byte, XSD.unsignedShort, XSD.unsignedByte), "integer"
    ),
    **dict.fromkeys(
        (XSD.long, XSD.integer, XSD.nonNegativeInteger, XSD.positiveInteger,
         XSD.nonPositiveInteger, XSD.negativeInteger, XSD.unsignedInt, XSD.unsignedLong),
        "long",
    ),
    XSD.float: "float",
    XSD.double: "double",
    XSD.decimal: "decimal",
    XSD.date: "date",
    XSD.dateTime: "timestamp",
    XSD.dateTimeStamp: "timestamp",
    GEO.wktLiteral: "geoshape",
    GEO.geoJSONLiteral: "geoshape",
}  # fmt: skip
ASSUMED_DECIMAL = {"type": "decimal", "precision": 38, "scale": 10}
FACETS = {XSD.pattern: "pattern", XSD.minLength: "minLength", XSD.maxLength: "maxLength",
          XSD.length: "length", XSD.minInclusive: "min", XSD.maxInclusive: "max"}  # fmt: skip
UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
CLASS_KINDS = ("object-types", "interfaces", "groups")
TITLE_NAMES = ("name", "title", "label", "displayName", "fullName")
MAX_DISPLAY = 200
MAX_DESCRIPTION = 10000


def namespaces(branch: str) -> dict[str, Namespace]:
    """The namespace of each kind's elements in a branch's export (``.../main/object-types/``)."""
    return {kind: Namespace(f"{ONTOLOGY_BASE}{branch}/{kind}/") for kind in KINDS}


# -- export -----------------------------------------------------------------------------------


def turtle_export(*, branch: str, at: str | None = None) -> str:
    """Every element of ``branch`` (as of ``at``) as OWL/RDFS Turtle."""
    catalog = selectors.catalog_at(branch=branch, at=at)
    text = catalog_graph(catalog, branch=branch).serialize(format="turtle")
    return (
        f"# OMS ontology of branch {branch} at commit {catalog.commit}.\n"
        "# Lossy by nature: action type parameters, rules and side effects are only in the\n"
        "# JSON bundle (GET .../export/?format=json).\n" + text
    )


def catalog_graph(catalog: Catalog, *, branch: str) -> Graph:
    """An rdflib graph of every element of a catalog."""
    exporter = _Exporter(branch)
    header = URIRef(f"{ONTOLOGY_BASE}{branch}")
    exporter.add(header, RDF.type, OWL.Ontology)
    exporter.add(header, RDFS.label, Literal(f"OMS ontology of branch {branch}"))
    exporter.add(header, OWL.versionInfo, Literal(catalog.commit))
    for kind in KINDS:
        for document in catalog.of_kind(kind):
            exporter.element(document)
    return exporter.graph


class _Exporter:
    """Writes elements into a graph, one method per kind."""

    def __init__(self, branch: str) -> None:
        self.graph = Graph()
        self.ns = namespaces(branch)
        self.graph.bind("oms", OMS)
        self.graph.bind("geo", GEO)
        for kind, namespace in self.ns.items():
            self.graph.bind(KINDS[kind].prefix, namespace)

    def add(self, s: Node, p: Node, o: Node) -> None:
        self.graph.add((s, p, o))

    def iri(self, kind: str, name: str) -> URIRef:
        return self.ns[kind][name]

    def element(self, document: Document) -> None:
        subject = self.iri(document["kind"], document["apiName"])
        self.annotate(subject, document)
        self.add(subject, OMS.kind, Literal(document["kind"]))
        self.add(subject, OMS.id, Literal(document["id"]))
        if document.get("deprecation"):
            self.add(subject, OMS.deprecation, _json_literal(document["deprecation"]))
        getattr(self, document["kind"].replace("-", "_"))(subject, document)

    def annotate(self, subject: URIRef, item: dict[str, Any]) -> None:
        """Label, comment and the oms: annotations every element and property has."""
        self.add(subject, RDFS.label, Literal(item.get("displayName") or item["apiName"]))
        self.add(subject, OMS.apiName, Literal(item["apiName"]))
        self.add(subject, OMS.displayName, Literal(item.get("displayName") or item["apiName"]))
        if item.get("description"):
            self.add(subject, RDFS.comment, Literal(item["description"]))
            self.add(subject, OMS.description, Literal(item["description"]))
        if item.get("status"):
            self.add(subject, OMS.status, Literal(item["status"]))
            if item["status"] == "deprecated":
                self.add(subject, OWL.deprecated, Literal(True))

    def object_types(self, subject: URIRef, doc: Document) -> None:
        self.add(subject, RDF.type, OWL.Class)
        for name in doc.get("implements", []):
            self.add(subject, RDFS.subClassOf, self.iri("interfaces", name))
        for name in doc.get("groups", []):
            self.add(subject, RDFS.subClassOf, self.iri("groups", name))
        for key in ("pluralDisplayName", "visibility", "icon", "primaryKey", "titleProperty"):
            if doc.get(key):
                self.add(subject, OMS[key], Literal(doc[key]))
        if doc.get("primaryKey"):
            key = self.iri("object-types", f"{doc['apiName']}.{doc['primaryKey']}")
            self.add(subject, OWL.hasKey, self.collection([key]))
        for position, prop in enumerate(doc.get("properties", [])):
            self.property(subject, doc["apiName"], prop)
            key = self.iri("object-types", f"{doc['apiName']}.{prop['apiName']}")
            self.add(key, OMS.position, Literal(position))

    def property(self, owner: URIRef, owner_name: str, prop: dict[str, Any]) -> None:
        subject = self.iri("object-types", f"{owner_name}.{prop['apiName']}")
        self.data_property(subject, prop)
        self.add(subject, RDFS.domain, owner)
        self.add(subject, OMS.id, Literal(prop["id"]))
        self.add(subject, OMS.required, Literal(bool(prop.get("required"))))
        if prop.get("visibility"):
            self.add(subject, OMS.visibility, Literal(prop["visibility"]))
        if prop.get("sharedProperty"):
            self.add(
                subject, RDFS.subPropertyOf, self.iri("shared-properties", prop["sharedProperty"])
            )

    def data_property(self, subject: URIRef, item: dict[str, Any]) -> None:
        """A datatype property with its range (the value type's datatype when it has one)."""
        self.add(subject, RDF.type, OWL.DatatypeProperty)
        self.annotate(subject, item)
        data_type = item["dataType"]
        if data_type.get("type") != "array":
            self.add(subject, RDF.type, OWL.FunctionalProperty)
        if item.get("valueType"):
            self.add(subject, RDFS.range, self.iri("value-types", item["valueType"]))
        else:
            self.add(subject, RDFS.range, _range(data_type))
        self.add(subject, OMS.dataType, _json_literal(data_type))

    def shared_properties(self, subject: URIRef, doc: Document) -> None:
        self.data_property(subject, doc)

    def link_types(self, subject: URIRef, doc: Document) -> None:
        self.add(subject, RDF.type, OWL.ObjectProperty)
        self.add(subject, RDFS.domain, self.iri("object-types", doc["source"]["objectType"]))
        self.add(subject, RDFS.range, self.iri("object-types", doc["target"]["objectType"]))
        cardinality = doc["cardinality"]
        if cardinality in ("many-to-one", "one-to-one"):
            self.add(subject, RDF.type, OWL.FunctionalProperty)
        if cardinality in ("one-to-many", "one-to-one"):
            self.add(subject, RDF.type, OWL.InverseFunctionalProperty)
        self.add(subject, OMS.cardinality, Literal(cardinality))
        for end in ("source", "target"):
            self.add(subject, OMS[f"{end}LinkApiName"], Literal(doc[end]["linkApiName"]))
            if doc[end].get("displayName"):
                self.add(subject, OMS[f"{end}DisplayName"], Literal(doc[end]["displayName"]))
        for key in ("foreignKey", "joinTable"):
            if doc.get(key):
                self.add(subject, OMS[key], Literal(doc[key]))

    def interfaces(self, subject: URIRef, doc: Document) -> None:
        self.add(subject, RDF.type, OWL.Class)
        for name in doc.get("extends", []):
            self.add(subject, RDFS.subClassOf, self.iri("interfaces", name))
        for position, prop in enumerate(doc.get("properties", [])):
            node = BNode()
            self.add(subject, OMS.interfaceProperty, node)
            self.add(node, OMS.position, Literal(position))
            self.add(
                node, OMS.sharedProperty, self.iri("shared-properties", prop["sharedProperty"])
            )
            self.add(node, OMS.required, Literal(prop.get("required", True)))
        for position, link in enumerate(doc.get("links", [])):
            node = BNode()
            self.add(subject, OMS.interfaceLink, node)
            self.add(node, OMS.position, Literal(position))
            self.add(node, OMS.apiName, Literal(link["apiName"]))
            self.add(node, OMS.target, Literal(link["target"]))
            self.add(node, OMS.cardinality, Literal(link["cardinality"]))
            self.add(node, OMS.required, Literal(link.get("required", True)))

    def groups(self, subject: URIRef, doc: Document) -> None:
        self.add(subject, RDF.type, OWL.Class)

    def value_types(self, subject: URIRef, doc: Document) -> None:
        self.add(subject, RDF.type, RDFS.Datatype)
        self.add(subject, OMS.dataType, _json_literal(doc["baseType"]))
        base = _range(doc["baseType"])
        restrictions: list[Node] = []
        for constraint in doc.get("constraints", []):
            if constraint["type"] == "enum":
                self.add(subject, OWL.equivalentClass, self.enumeration(constraint, doc))
            else:
                restrictions.extend(self.facets(constraint, doc["baseType"]))
        if restrictions or not doc.get("constraints"):
            definition = BNode()
            self.add(subject, OWL.equivalentClass, definition)
            self.add(definition, RDF.type, RDFS.Datatype)
            self.add(definition, OWL.onDatatype, base)
            if restrictions:
                self.add(definition, OWL.withRestrictions, self.collection(restrictions))

    def enumeration(self, constraint: dict[str, Any], doc: Document) -> BNode:
        node = BNode()
        self.add(node, RDF.type, RDFS.Datatype)
        values = [_literal(value, doc["baseType"]) for value in constraint.get("values", [])]
        self.add(node, OWL.oneOf, self.collection(values))
        return node

    def facets(self, constraint: dict[str, Any], base: dict[str, Any]) -> list[Node]:
        """OWL 2 facet restrictions of one constraint (xsd:pattern, xsd:minInclusive ...)."""
        kind = constraint["type"]
        pairs: list[tuple[URIRef, Literal]] = []
        if kind == "regex":
            pairs.append((XSD.pattern, Literal(constraint["pattern"])))
        elif kind == "uuid":
            pairs.append((XSD.pattern, Literal(UUID_PATTERN)))
        elif kind == "length":
            for key, facet in (("min", XSD.minLength), ("max", XSD.maxLength)):
                if constraint.get(key) is not None:
                    pairs.append((facet, Literal(constraint[key], datatype=XSD.nonNegativeInteger)))
        elif kind == "range":
            for key, facet in (("min", XSD.minInclusive), ("max", XSD.maxInclusive)):
                if constraint.get(key) is not None:
                    pairs.append((facet, _literal(constraint[key], base)))
        nodes: list[Node] = []
        for facet, value in pairs:
            node = BNode()
            self.add(node, facet, value)
            nodes.append(node)
        return nodes

    def action_types(self, subject: URIRef, doc: Document) -> None:
        self.add(subject, RDF.type, OMS.ActionType)
        for rule in doc.get("rules", []):
            if rule.get("objectType"):
                self.add(subject, OMS.affects, self.iri("object-types", rule["objectType"]))
            if rule.get("linkType"):
                self.add(subject, OMS.affects, self.iri("link-types", rule["linkType"]))

    def collection(self, items: list[Node]) -> BNode:
        head = BNode()
        Collection(self.graph, head, items)
        return head


def _range(data_type: dict[str, Any]) -> URIRef:
    if data_type.get("type") == "array":
        return _range(data_type["itemType"])
    return XSD_OF.get(data_type.get("type", ""), RDF.JSON)


def _json_literal(value: Any) -> Literal:
    return Literal(json.dumps(value, sort_keys=True), datatype=RDF.JSON)


def _literal(value: Any, data_type: dict[str, Any]) -> Literal:
    if isinstance(value, bool | int | float | str) and data_type.get("type") in XSD_OF:
        return Literal(value, datatype=_range(data_type))
    return _json_literal(value)


# -- import -----------------------------------------------------------------------------------


@dataclass
class Mapped:
    """What a Turtle document maps to: element documents, assumptions, what was left out."""

    elements: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    unmapped: list[Finding] = field(default_factory=list)


def turtle_import(
    *,
    branch: str,
    text: str,
    actor: Principal,
    message: str = "",
    mode: Mode = "merge",
    dry_run: bool = False,
) -> ImportReport:
    """Map an OWL/RDFS Turtle document to elements and apply them as one checked commit."""
    mapped = turtle_elements(text)
    incoming = _incoming(mapped.elements)
    return elements_import(
        branch=branch,
        incoming=incoming,
        actor=actor,
        message=message or f"Import {len(incoming)} element(s) from Turtle ({mode})",
        mode=mode,
        dry_run=dry_run,
        source="turtle",
        warnings=mapped.warnings,
        unmapped=mapped.unmapped,
    )


def turtle_elements(text: str) -> Mapped:
    """The elements a Turtle document maps to, with warnings and what could not be mapped."""
    return _Reader(parse_turtle(text)).read()


def parse_turtle(text: str) -> Graph:
    """An rdflib graph of Turtle text (``InvalidTurtle`` with the parser's message)."""
    graph = Graph()
    try:
        graph.parse(data=text, format="turtle")
    except SyntaxError as exc:  # rdflib's BadSyntax is a SyntaxError
        raise InvalidTurtle(
            "The body is not valid Turtle.",
            errors=[{"path": "$", "code": "turtle_syntax", "message": " ".join(str(exc).split())}],
        ) from None
    except ValueError as exc:  # bad IRIs, literals or prefixes
        raise InvalidTurtle(
            "The body is not valid Turtle.",
            errors=[{"path": "$", "code": "turtle_invalid", "message": str(exc)}],
        ) from None
    return graph


def _incoming(elements: list[dict[str, Any]]) -> list[Incoming]:
    """Mapped elements checked against their schemas, paths naming their subject IRIs."""
    incoming: list[Incoming] = []
    errors: list[dict[str, str]] = []
    for element in elements:
        path = element.pop("_iri")
        kind = element.pop("kind")
        element_id = element.pop("id", None)
        serializer = KINDS[kind].serializer(data=element)
        if serializer.is_valid():
            incoming.append(
                Incoming(kind, element_id, element, dict(serializer.validated_data), path)
            )
        else:
            errors.extend(flatten_drf_errors(serializer.errors, path))
    errors.extend(duplicate_errors(incoming))
    if errors:
        raise InvalidTurtle(
            f"The ontology maps to {len(errors)} invalid element field(s).", errors=errors
        )
    return incoming


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
        self.classes: dict[URIRef, _Class] = {}
        self.value_types: dict[URIRef, dict[str, Any]] = {}
        self.shared: dict[URIRef, dict[str, Any]] = {}
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
        done: set[URIRef] = set()
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
        predicates = []
        for p, o in sorted(self.g.predicate_objects(s), key=str):
            if (s, p, o) not in self.used:
                predicates.append(p)
            self.used.add((s, p, o))
            if isinstance(o, BNode):
                self.consume_all(o)
        return predicates

    def warn(self, s: Node, reason: str) -> None:
        self.out.warnings.append({"subject": self.subject(s), "reason": reason})

    def leave(self, s: Node, reason: str) -> None:
        self.out.unmapped.append({"subject": self.subject(s), "reason": reason})

    def subject(self, s: Node) -> str:
        if isinstance(s, BNode):
            owner = next(iter(self.g.subjects(None, s)), None)
            return f"{self.subject(owner)} (blank node)" if owner is not None else "_:" + str(s)
        return str(s)

    def qname(self, node: Node) -> str:
        try:
            return self.g.namespace_manager.normalizeUri(node)
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
                if facet in FACETS and isinstance(value, Literal):
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
        bounds = {k: found[k] for k in ("min", "max") if k in found}
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
        items = list(Collection(self.g, head))
        node: Node | None = head
        while node is not None and node != RDF.nil:
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
                    }  # fmt: skip
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
            if self.classes[parent].kind != "groups":
                continue
            self.leave(
                cls.iri, f"A group inside group {self.classes[parent].name}: OMS groups are flat."
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
        return list(dict.fromkeys(found))  # type: ignore[arg-type]

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
        return list(Collection(self.g, head))

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
        candidates = [declared] if declared else []
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

    def object_property(self, s: URIRef) -> list[URIRef]:
        """A link type (or an interface link) from an object property; the IRIs it covers."""
        self.has(s, RDF.type, OWL.ObjectProperty)
        inverse = self.inverse_of(s)
        covered = [s] + ([inverse] if inverse is not None else [])
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
        target = self.classes[ranges[0]]  # type: ignore[index]
        for domain in domains:
            source = self.classes[domain]
            if source.kind == "object-types":
                self.link_type(s, source, target, cardinality, inverse, len(domains) > 1)
            elif source.kind == "interfaces":
                self.interface_link(s, source, target, cardinality, inverse)
            else:
                self.leave(s, f"Its domain {source.name} became a group; groups have no links.")
        return covered

    def inverse_of(self, s: URIRef) -> URIRef | None:
        found = [o for o in self.objects(s, OWL.inverseOf) if isinstance(o, URIRef)]
        for other in self.g.subjects(OWL.inverseOf, s):
            self.used.add((other, OWL.inverseOf, s))
            found.append(other)  # type: ignore[arg-type]
        if not found:
            return None
        inverse = found[0]
        for p in (RDFS.domain, RDFS.range, RDFS.label, RDFS.comment):
            self.objects(inverse, p)
        for t in (OWL.ObjectProperty, OWL.FunctionalProperty, OWL.InverseFunctionalProperty):
            self.has(inverse, RDF.type, t)
        return inverse

    def cardinality(self, s: URIRef, inverse: URIRef | None) -> str:
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
        inverse: URIRef | None, per_type: bool,
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
        self, s: URIRef, source: _Class, target: _Class, cardinality: str, inverse: URIRef | None
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


# -- names ------------------------------------------------------------------------------------


def local_name(iri: Node) -> str:
    """The part of an IRI after its last ``#``, ``/`` or ``:``."""
    text = str(iri)
    return re.split(r"[#/:]", text.rstrip("#/"))[-1] or text


def pascal_case(text: str) -> str:
    """``order_line`` / ``order-line`` / ``orderLine`` as ``OrderLine`` (a valid apiName)."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", text) if w]
    name = "".join(w[0].upper() + w[1:] for w in words) or "Unnamed"
    return ("X" + name if not name[0].isalpha() else name)[:100]


def humanize(api_name: str) -> str:
    """``orderLine`` as ``Order line``: a display name when the ontology gives none."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", api_name).split()
    return " ".join([words[0][:1].upper() + words[0][1:], *(w.lower() for w in words[1:])])


def camel_case(text: str) -> str:
    name = pascal_case(text)
    return name[0].lower() + name[1:]


def snake_case(text: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", text).lower()


def plural(name: str, many: bool) -> str:
    if not many:
        return name
    return name[:-1] + "ies" if name.endswith("y") and name[-2:-1] not in "aeiou" else name + "s"


def unique(base: str, taken: set[str], note: Any) -> str:
    """``base``, or ``base2``, ``base3`` ... when taken (``note`` hears about the rename)."""
    name, number = base, 2
    while name in taken:
        name, number = f"{base}{number}", number + 1
    if name != base:
        note(f"{base!r} is taken; named it {name!r}.")
    taken.add(name)
    return name


def json_value(literal: Node) -> Any:
    """A literal as a JSON value (decimals as numbers, dates as ISO-8601 text)."""
    value = literal.toPython() if isinstance(literal, Literal) else str(literal)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)
