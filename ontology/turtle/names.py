"""Names and values read from a graph, made into what OMS accepts."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rdflib import Literal
from rdflib.namespace import RDF
from rdflib.term import Node


def rdf_list(graph: Any, head: Node) -> list[Node]:
    """The members of an RDF list (a malformed or cyclic list ends where it breaks)."""
    items: list[Node] = []
    seen: set[Node] = set()
    node: Node | None = head
    while node is not None and node != RDF.nil and node not in seen:
        seen.add(node)
        first = graph.value(node, RDF.first)
        if first is not None:
            items.append(first)
        node = graph.value(node, RDF.rest)
    return items


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
