"""Step 4 of the OWL mapping: object properties become link types, one per domain class; an
``owl:inverseOf`` pair becomes one link type named at both ends, made from whichever member
maps; restrictions on object properties add link types."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, cast

from rdflib import Literal, URIRef
from rdflib.term import Node

from ontology.turtle.names import (
    camel_case,
    humanize,
    local_name,
    plural,
    snake_case,
    unique,
)
from ontology.turtle.naming import Candidate, assign
from ontology.turtle.properties import Properties
from ontology.turtle.reading import CARDINALITY, OMS, OWL, RDF, RDFS, NamedClass
from ontology.turtle.vocabulary import (
    MAX_DISPLAY,
)


@dataclass(frozen=True)
class _Link:
    """A link type to make: property ``prop`` from class ``source`` to class ``target``."""

    prop: URIRef
    source: URIRef
    target: URIRef
    cardinality: str
    inverse: Node | None
    declared: bool = True  # from the property's domain, not from a restriction


class Links(Properties):
    """Object properties, inverse pairs and restriction links."""

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
        for unlinked in sorted(self.unlinked - {p for p, _ in wanted}, key=str):
            self.leave(unlinked, "An object property without an rdfs:domain and one rdfs:range "
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

    def concrete(self, s: URIRef, target: NamedClass) -> NamedClass | None:
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
        self, s: URIRef, end: str, cls: NamedClass, name: str, api_name: str
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

    def foreign_key(
        self, s: URIRef, body: dict[str, Any], source: NamedClass, target: NamedClass
    ) -> str:
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

    def interface_link(self, link: _Link, source: NamedClass) -> None:
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
