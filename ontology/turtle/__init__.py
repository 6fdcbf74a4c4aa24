"""A whole branch as OWL/RDFS Turtle: export (rdflib), and import of any OWL/RDFS ontology
(Oxigraph's parser, ``triples.py``).

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

from typing import Any

from django.conf import settings
from rdflib.namespace import OWL, RDF

from integrations.user_service.principal import Principal
from oms_project import progress
from oms_project.memory import collector_paused
from ontology import documents, selectors
from ontology.bundles import (
    ImportReport,
    Incoming,
    Mode,
    Prepared,
    duplicate_errors,
    elements_import,
)
from ontology.catalog import Catalog
from ontology.exceptions import InvalidElement, InvalidTurtle
from ontology.kinds import KINDS
from ontology.turtle.export import catalog_graph
from ontology.turtle.naming import Pins
from ontology.turtle.reader import Mapped, graph_elements
from ontology.turtle.triples import Triples, parse
from ontology.turtle.vocabulary import IMPORT_BASE, OMS, namespaces

__all__ = [
    "OMS",
    "Mapped",
    "catalog_turtle",
    "namespaces",
    "turtle_elements",
    "turtle_export",
    "turtle_import",
]

# -- export -----------------------------------------------------------------------------------


def turtle_export(*, branch: str, at: str | None = None) -> str:
    """Every element of ``branch`` (as of ``at``) as OWL/RDFS Turtle."""
    return catalog_turtle(selectors.catalog_at(branch=branch, at=at), branch=branch)


def catalog_turtle(catalog: Catalog, *, branch: str) -> str:
    """The Turtle text of one catalog (a commit) of ``branch``, with a header comment."""
    text = catalog_graph(catalog, branch=branch).serialize(format="turtle")
    return (
        f"# OMS ontology of branch {branch} at commit {catalog.commit}.\n"
        "# Lossy by nature: action type parameters, rules and side effects are only in the\n"
        "# JSON bundle (GET .../export/?format=json).\n" + text
    )


# -- import -----------------------------------------------------------------------------------


@collector_paused()
def turtle_import(
    *,
    branch: str,
    text: str,
    actor: Principal,
    message: str = "",
    mode: Mode = "merge",
    dry_run: bool = False,
) -> ImportReport:
    """Map an OWL/RDFS Turtle document to elements and apply them as one checked commit.

    The mapping runs against the head the import is planned on, so every IRI the branch
    imported before keeps its apiName there (``naming.Pins``)."""
    graph = turtle_graph(text)

    def prepared(catalog: Catalog) -> Prepared:
        existing = (d for kind in sorted(KINDS) for d in catalog.of_kind(kind))
        mapped = graph_elements(graph, Pins.of(existing))
        return Prepared(_incoming(mapped.elements), mapped.warnings, mapped.unmapped)

    return elements_import(
        branch=branch,
        incoming=prepared,
        actor=actor,
        message=message or f"Import {_title(graph)} from Turtle ({mode})",
        mode=mode,
        dry_run=dry_run,
        source="turtle",
    )


def turtle_elements(text: str) -> Mapped:
    """The elements a Turtle document maps to, with warnings and what could not be mapped."""
    return graph_elements(turtle_graph(text))


def turtle_graph(text: str) -> Triples:
    """The triples of a Turtle document, within ``OMS_MAX_TURTLE_TRIPLES``."""
    progress.stage("parsing the Turtle")
    # A fixed base: relative IRIs must not resolve against the server's working directory.
    graph = parse(text, base=IMPORT_BASE, limit=settings.OMS_MAX_TURTLE_TRIPLES)
    progress.stage(f"mapping {len(graph)} triple(s) to elements")
    return graph


def _title(graph: Triples) -> str:
    """The ontology a graph holds, as a commit message names it."""
    header = min((s for s in graph.subjects(RDF.type, OWL.Ontology)), key=str, default=None)
    if header is None:
        return "an ontology"
    version = graph.value(header, OWL.versionInfo) or graph.value(header, OWL.versionIRI)
    return f"{header} {version}" if version else str(header)


def _incoming(elements: list[dict[str, Any]]) -> list[Incoming]:
    """Mapped elements checked against their schemas, paths naming their subject IRIs."""
    incoming: list[Incoming] = []
    errors: list[dict[str, str]] = []
    for element in elements:
        path = element.pop("_iri")
        kind = element.pop("kind")
        element_id = element.pop("id", None)
        try:
            validated = documents.validated_body(kind, element, path)
        except InvalidElement as exc:
            errors.extend(exc.errors)
            continue
        incoming.append(Incoming(kind, element_id, element, validated, path))
    errors.extend(duplicate_errors(incoming))
    if errors:
        raise InvalidTurtle(
            f"The ontology maps to {len(errors)} invalid element field(s).", errors=errors
        )
    return incoming
