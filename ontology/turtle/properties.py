"""Step 3 of the OWL mapping: datatype properties become properties of the object types in
their domain and of their subclasses (named per type, pinned to what the branch has), or
shared properties; restrictions on them add and require properties; keys are found or
added."""

from __future__ import annotations

from typing import Any

from rdflib import Literal, URIRef
from rdflib.term import Node

from ontology import datatypes
from ontology.turtle.classes import Classes
from ontology.turtle.names import (
    camel_case,
    local_name,
    unique,
)
from ontology.turtle.naming import assign
from ontology.turtle.reading import AT_LEAST, OMS, OWL, RDF, RDFS, NamedClass
from ontology.turtle.vocabulary import (
    ONTOLOGY_BASE,
    TITLE_NAMES,
)


class Properties(Classes):
    """Datatype properties, their restrictions, primary keys and title properties."""

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

    def inherited_spec(self, cls: NamedClass, prop: URIRef) -> dict[str, Any] | None:
        for ancestor in self.ancestors(cls):
            if str(prop) in self.own.get(ancestor, {}):
                return self.own[ancestor][str(prop)]
        return None

    def name_properties(self, cls: NamedClass) -> None:
        """The class's own properties and those of its superclasses (nearest wins), named."""
        specs: dict[str, dict[str, Any]] = {}
        for ancestor in reversed(self.ancestors(cls)):
            if self.classes[ancestor].kind == "object-types":
                specs.update(self.own.get(ancestor, {}))
        specs.update(self.own.get(cls.iri, {}))
        owner = self.origin_iri(cls.iri)
        candidates = {key: spec["_candidate"] for key, spec in specs.items()}
        pinned = {k: n for k in specs if (n := self.pins.property_name(owner, k))}
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

    def finish_keys(self, cls: NamedClass) -> None:
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

    def primary_key(self, cls: NamedClass, props: dict[str, dict[str, Any]]) -> str | None:
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

    def title_property(self, cls: NamedClass, props: dict[str, dict[str, Any]], key: str) -> str:
        declared = self.literal(cls.iri, OMS.titleProperty)
        for name in ([declared] if declared else []) + list(TITLE_NAMES):
            if name in props and props[name]["dataType"].get("type") in datatypes.TITLE_TYPES:
                return name
        strings = [
            n for n, p in props.items() if p["dataType"].get("type") == "string" and n != key
        ]
        return strings[0] if strings else key
