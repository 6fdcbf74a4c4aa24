"""Turtle read into an in-memory triple index, fast enough for released vocabularies.

rdflib's Turtle parser and its graph store took 4 s and 2.4 s for a 62k-triple ontology, more
than the whole import may take (issue 16). Oxigraph's parser (``pyoxigraph``, Rust) reads it
in 0.3 s; :class:`Triples` indexes the triples in plain dictionaries, with the few lookups the
reader needs, answering as an rdflib ``Graph`` does. Terms are rdflib's (``URIRef``,
``BNode``, ``Literal``), so the reader and the export speak one vocabulary.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from ontology.exceptions import InvalidTurtle

STANDARD_PREFIXES = {"rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD, "skos": SKOS,
                     "dcterms": DCTERMS}  # fmt: skip
Triple = tuple[Node, Node, Node]


class Triples:
    """A set of triples indexed by subject, by predicate and object, and by object."""

    def __init__(self, prefixes: dict[str, str] | None = None) -> None:
        self.spo: dict[Node, dict[Node, list[Node]]] = defaultdict(lambda: defaultdict(list))
        self.pos: dict[Node, dict[Node, list[Node]]] = defaultdict(lambda: defaultdict(list))
        self.by_object: dict[Node, list[Node]] = defaultdict(list)
        self.count = 0
        bound = {str(ns): prefix for prefix, ns in STANDARD_PREFIXES.items()}
        bound.update({ns: prefix for prefix, ns in (prefixes or {}).items()})
        self.bound = bound  # namespace IRI -> prefix

    def add(self, s: Node, p: Node, o: Node) -> None:
        """Add a triple not added before (``parse`` drops repeated ones first)."""
        self.spo[s][p].append(o)
        self.pos[p][o].append(s)
        self.by_object[o].append(s)
        self.count += 1

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Triple]:
        for s, by_p in self.spo.items():
            for p, objects in by_p.items():
                for o in objects:
                    yield s, p, o

    def __contains__(self, triple: tuple[Node | None, Node | None, Node | None]) -> bool:
        s, p, o = triple
        if s is not None and p is not None:
            objects = self.spo.get(s, {}).get(p, [])
            return bool(objects) if o is None else o in objects
        if p is not None and o is not None:
            return bool(self.pos.get(p, {}).get(o))
        return any(True for _ in self.triples(s, p, o))

    def triples(self, s: Node | None, p: Node | None, o: Node | None) -> Iterator[Triple]:
        for subject in [s] if s is not None else list(self.spo):
            by_p = self.spo.get(subject, {})
            for predicate in [p] if p is not None else list(by_p):
                for obj in by_p.get(predicate, []):
                    if o is None or obj == o:
                        yield subject, predicate, obj

    def objects(self, s: Node | None = None, p: Node | None = None) -> list[Node]:
        if s is not None and p is not None:
            return list(self.spo.get(s, {}).get(p, []))
        return [o for _, _, o in self.triples(s, p, None)]

    def subjects(self, p: Node | None = None, o: Node | None = None) -> list[Node]:
        if p is not None and o is not None:
            return list(dict.fromkeys(self.pos.get(p, {}).get(o, [])))
        if p is None and o is not None:
            return list(dict.fromkeys(self.by_object.get(o, [])))
        return list(dict.fromkeys(s for s, _, _ in self.triples(None, p, o)))

    def subject_objects(self, p: Node) -> list[tuple[Node, Node]]:
        return [(s, o) for o, subjects in self.pos.get(p, {}).items() for s in subjects]

    def predicate_objects(self, s: Node) -> list[tuple[Node, Node]]:
        return [(p, o) for p, objects in self.spo.get(s, {}).items() for o in objects]

    def predicates(self, s: Node, o: Node | None = None) -> list[Node]:
        return [p for p, objects in self.spo.get(s, {}).items() if o is None or o in objects]

    def value(self, s: Node, p: Node) -> Node | None:
        objects = self.spo.get(s, {}).get(p)
        return objects[0] if objects else None

    def qname(self, node: Node) -> str:
        """``prefix:local`` for an IRI in a bound namespace, else ``<iri>`` (as rdflib writes)."""
        text = str(node)
        cut = max(text.rfind("#"), text.rfind("/"))
        prefix = self.bound.get(text[: cut + 1])
        if prefix is None or not isinstance(node, URIRef):
            return f"<{text}>" if isinstance(node, URIRef) else text
        return f"{prefix}:{text[cut + 1 :]}"


def parse(text: str, *, base: str, limit: int) -> Triples:
    """The triples of a Turtle document (``InvalidTurtle`` with the parser's message, or past
    ``limit`` triples: reading stops there)."""
    try:
        parser = ox.parse(text, format=ox.RdfFormat.TURTLE, base_iri=base,
                          without_named_graphs=True)  # fmt: skip
        quads: dict[Any, None] = {}  # in document order, each triple once
        for quad in parser:
            quads[quad] = None
            if len(quads) > limit:
                raise InvalidTurtle(f"More than {limit} triples (OMS_MAX_TURTLE_TRIPLES).")
    except SyntaxError as exc:
        raise InvalidTurtle(
            "The body is not valid Turtle.",
            errors=[{"path": "$", "code": "turtle_syntax", "message": " ".join(str(exc).split())}],
        ) from None
    triples = Triples(parser.prefixes)
    terms: dict[Any, Node] = {}
    for quad in quads:
        triples.add(_term(quad.subject, terms), _term(quad.predicate, terms),
                    _term(quad.object, terms))  # fmt: skip
    return triples


def _term(term: Any, seen: dict[Any, Node]) -> Node:
    """The rdflib term of an Oxigraph term (each made once)."""
    found = seen.get(term)
    if found is not None:
        return found
    if isinstance(term, ox.NamedNode):
        made: Node = URIRef(term.value)
    elif isinstance(term, ox.BlankNode):
        made = BNode(term.value)
    elif isinstance(term, ox.Literal):
        made = _literal(term)
    else:  # an RDF-star triple term: no OWL vocabulary uses one
        raise InvalidTurtle("RDF-star triple terms are not read.")
    seen[term] = made
    return made


class _Literal(Literal):
    """A literal that works its hash out once: rdflib's takes a few microseconds every time,
    and the reader hashes each triple it uses."""

    __slots__ = ("_hash",)

    def __hash__(self) -> int:
        try:
            return self._hash
        except AttributeError:
            self._hash: int = Literal.__hash__(self)
            return self._hash


def _literal(term: ox.Literal) -> Literal:
    if term.language:
        return _Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == str(XSD.string):
        return _Literal(term.value)  # as rdflib reads a plain literal: no datatype
    return _Literal(term.value, datatype=URIRef(datatype))
