"""The vocabulary of the Turtle mapping: namespaces, the ``oms:`` annotations, data types."""

from __future__ import annotations

from typing import Any

from rdflib import Namespace, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.term import Node

from ontology.kinds import KINDS

OMS = Namespace("https://oms.dev/vocab#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
ONTOLOGY_BASE = "https://oms.dev/ontologies/"
IMPORT_BASE = "https://oms.dev/import/"
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


def xsd_range(data_type: dict[str, Any]) -> URIRef:
    """The RDF datatype of an OMS data type (an array's is its item type's)."""
    if data_type.get("type") == "array":
        return xsd_range(data_type["itemType"])
    return XSD_OF.get(data_type.get("type", ""), RDF.JSON)
