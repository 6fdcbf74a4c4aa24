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

from dataclasses import dataclass, field
from typing import Any

from rdflib import URIRef

from ontology.turtle.findings import Finding
from ontology.turtle.links import Links
from ontology.turtle.naming import Pins
from ontology.turtle.reading import OMS, OWL, RDF
from ontology.turtle.triples import Triples


@dataclass
class Mapped:
    """What a graph maps to: element documents, assumptions, what was left out."""

    elements: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    unmapped: list[Finding] = field(default_factory=list)


def graph_elements(graph: Triples, pins: Pins | None = None) -> Mapped:
    """The elements a graph maps to, with warnings and what could not be mapped;
    IRIs in ``pins`` keep the apiNames given there."""
    return _Reader(graph, pins or Pins()).read()


class _Reader(Links):
    """The whole mapping, step by step; what no step used is reported."""

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
        left = [t for t in self.g if t not in self.used]
        for s, p, o in sorted(left, key=lambda t: (str(t[1]), str(t[0]), str(t[2]))):
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
