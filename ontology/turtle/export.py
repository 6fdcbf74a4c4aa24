"""OMS elements as an OWL/RDFS graph: one method per element kind."""

from __future__ import annotations

import json
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from ontology.catalog import Catalog
from ontology.kinds import KINDS
from ontology.storage.base import Document
from ontology.turtle.vocabulary import (
    GEO,
    OMS,
    ONTOLOGY_BASE,
    UUID_PATTERN,
    XSD_OF,
    namespaces,
    xsd_range,
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
        for alias in item.get("aliases", []):
            self.add(subject, SKOS.altLabel, Literal(alias))
        for language, texts in sorted(item.get("translations", {}).items()):
            if texts.get("displayName"):
                self.add(subject, RDFS.label, Literal(texts["displayName"], lang=language))
            if texts.get("description"):
                self.add(subject, RDFS.comment, Literal(texts["description"], lang=language))
            for alias in texts.get("aliases", []):
                self.add(subject, SKOS.altLabel, Literal(alias, lang=language))
        if item.get("origin"):
            self.add(subject, OMS.origin, _json_literal(item["origin"]))
        if item.get("originIri"):
            self.add(subject, OMS.originIri, URIRef(item["originIri"]))

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
            self.add(subject, RDFS.range, xsd_range(data_type))
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
        base = xsd_range(doc["baseType"])
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
        values: list[Node] = [
            _literal(value, doc["baseType"]) for value in constraint.get("values", [])
        ]
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


def _json_literal(value: Any) -> Literal:
    return Literal(json.dumps(value, sort_keys=True), datatype=RDF.JSON)


def _literal(value: Any, data_type: dict[str, Any]) -> Literal:
    if isinstance(value, bool | int | float | str) and data_type.get("type") in XSD_OF:
        return Literal(value, datatype=xsd_range(data_type))
    return _json_literal(value)
