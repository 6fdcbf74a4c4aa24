"""Step 2 of the OWL mapping: classes. Every named class is an object type; a class with
subclasses also becomes a group its descendants join (an ``oms:kind`` annotation, as OMS
exports write it, decides otherwise)."""

from __future__ import annotations

from collections import Counter
from typing import Any, cast

from rdflib import Literal, URIRef
from rdflib.term import Node

from ontology.kinds import KINDS
from ontology.turtle.names import (
    humanize,
)
from ontology.turtle.naming import namespace
from ontology.turtle.reading import OMS, OWL, RDF, RDFS, Core, NamedClass
from ontology.turtle.vocabulary import (
    CLASS_KINDS,
    MAX_DISPLAY,
)


class Classes(Core):
    """Classes, their hierarchy, restrictions and equivalences."""

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
                self.classes[s] = NamedClass(cast(URIRef, s), kind, name, parents[cast(URIRef, s)])
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

    def class_object_types(self, cls: NamedClass) -> None:
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

    def class_interfaces(self, cls: NamedClass) -> None:
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

    def class_groups(self, cls: NamedClass) -> None:
        for parent in cls.parents:
            other = self.classes[parent]
            self.leave(cls.iri, "A group (oms:kind) with a superclass: OMS groups stand alone.",
                       f"{KINDS[other.kind].label} {other.name}")  # fmt: skip

    def ancestors(self, cls: NamedClass) -> list[URIRef]:
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

    def nearest_interfaces(self, cls: NamedClass) -> list[str]:
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

    def of_kind(self, kind: str) -> list[NamedClass]:
        return [c for c in self.classes.values() if c.kind == kind]

    def implementers(self, interface: NamedClass) -> list[NamedClass]:
        """Object types implementing ``interface`` directly or through interfaces it extends."""
        interfaces = {c.name: c for c in self.of_kind("interfaces")}
        return [
            c
            for c in self.of_kind("object-types")
            if interface.name
            in {i.name for i in self.interface_closure(c.body["implements"], interfaces)}
        ]

    def interface_closure(
        self, names: list[str], interfaces: dict[str, NamedClass]
    ) -> list[NamedClass]:
        found: dict[str, NamedClass] = {}
        pending = list(names)
        while pending:
            name = pending.pop(0)
            if name in found or name not in interfaces:
                continue
            found[name] = interfaces[name]
            pending.extend(interfaces[name].body["extends"])
        return list(found.values())
