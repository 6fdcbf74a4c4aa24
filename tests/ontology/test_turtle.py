"""OWL/RDFS Turtle: an informative export, and an import that reports what it cannot map."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from rdflib import Graph, Literal, Namespace, namespace
from rdflib.collection import Collection

from integrations.user_service.principal import SYSTEM
from ontology.bundles import bundle_export
from ontology.examples import example_ontology_load
from ontology.exceptions import InvalidTurtle
from ontology.storage import get_store
from ontology.turtle import OMS, namespaces, turtle_elements, turtle_export, turtle_import
from tests.ontology.conftest import head, persona
from tests.ontology.test_bundles import by_key, empty_branch

pytestmark = pytest.mark.django_db
EDITOR = persona("editor")
EX = Namespace("http://example.com/fleet#")

FLEET = """
@prefix : <http://example.com/fleet#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<http://example.com/fleet> a owl:Ontology ; rdfs:label "Fleet" ; owl:versionInfo "1.0" .

:Asset a owl:Class ; rdfs:label "Asset" ; rdfs:comment "Anything the company owns." .
:Vehicle a owl:Class ; rdfs:subClassOf :Asset ; rdfs:label "Vehicle" .
:Truck a owl:Class ; rdfs:subClassOf :Vehicle ; rdfs:label "Truck" .
:Van a owl:Class ; rdfs:subClassOf :Vehicle ;
    rdfs:subClassOf [ a owl:Restriction ; owl:onProperty :operatedBy ; owl:maxCardinality 1 ] .
:Depot a owl:Class ; rdfs:subClassOf :Asset .
:Driver a owl:Class ; rdfs:label "Driver" ; rdfs:comment "Drives vehicles." .

:plate a owl:DatatypeProperty ; rdfs:domain :Vehicle ; rdfs:range xsd:string ;
    rdfs:label "Licence plate" .
:payload_kg a owl:DatatypeProperty ; rdfs:domain :Truck ; rdfs:range xsd:decimal .
:axles a owl:DatatypeProperty ; rdfs:domain :Truck ; rdfs:range xsd:int .
:serviceInterval a owl:DatatypeProperty ; rdfs:domain :Truck ; rdfs:range xsd:duration .
:depotCode a owl:DatatypeProperty ; rdfs:domain :Depot ; rdfs:range xsd:string .
:openedOn a owl:DatatypeProperty ; rdfs:domain :Depot ; rdfs:range xsd:date .
:driverNumber a owl:DatatypeProperty ; rdfs:domain :Driver ; rdfs:range xsd:string .
:name a owl:DatatypeProperty ; rdfs:domain :Driver ; rdfs:range xsd:string .
:hiredAt a owl:DatatypeProperty ; rdfs:domain :Driver ; rdfs:range xsd:dateTime .
:notes a owl:DatatypeProperty ; rdfs:range xsd:string ; rdfs:comment "Free text." .
:Driver owl:hasKey ( :driverNumber ) .

:operatedBy a owl:ObjectProperty, owl:FunctionalProperty ;
    rdfs:domain :Vehicle ; rdfs:range :Driver ; owl:inverseOf :operates .
:operates a owl:ObjectProperty .
:homeDepot a owl:ObjectProperty, owl:FunctionalProperty ; rdfs:domain :Truck ; rdfs:range :Depot .
:neighbours a owl:ObjectProperty ; rdfs:domain :Depot ; rdfs:range :Depot .

:note a owl:AnnotationProperty .
:truck42 a :Truck ; :plate "B-OM 42" .
"""


def turtle_graph(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")


def reasons(findings: list[dict], subject: str) -> list[str]:
    """Each grouped finding about ``subject``, as "reason detail"."""
    return [
        f"{f['reason']} {s.get('detail', '')}".strip()
        for f in findings
        for s in f["subjects"]
        if s["subject"] == subject
    ]


@pytest.fixture
def logistics(dev) -> str:
    example_ontology_load(branch="dev")
    return "dev"


# -- export -----------------------------------------------------------------------------------


def test_the_export_parses_back_with_classes_properties_and_links(logistics):
    graph = turtle_graph(turtle_export(branch="dev"))
    ot, lt = namespaces("dev")["object-types"], namespaces("dev")["link-types"]
    interfaces = namespaces("dev")["interfaces"]

    assert (ot.Customer, namespace.RDF.type, namespace.OWL.Class) in graph
    assert (ot.Customer, OMS.apiName, Literal("Customer")) in graph
    assert (ot.Customer, namespace.RDFS.subClassOf, interfaces.Contactable) in graph
    assert (ot["Customer.name"], namespace.RDF.type, namespace.OWL.DatatypeProperty) in graph
    assert (ot["Customer.name"], namespace.RDFS.domain, ot.Customer) in graph
    assert (ot["Customer.name"], namespace.RDFS.range, namespace.XSD.string) in graph
    assert (ot["Order.orderedAt"], namespace.RDFS.range, namespace.XSD.dateTime) in graph
    assert (lt.customerOrders, namespace.RDF.type, namespace.OWL.ObjectProperty) in graph
    assert (lt.customerOrders, namespace.RDFS.domain, ot.Customer) in graph
    assert (lt.customerOrders, namespace.RDFS.range, ot.Order) in graph
    assert (lt.customerOrders, namespace.RDF.type, namespace.OWL.InverseFunctionalProperty) in graph
    assert (lt.customerOrders, OMS.cardinality, Literal("one-to-many")) in graph
    assert (interfaces.Trackable, namespace.RDFS.subClassOf, interfaces.Locatable) in graph


def test_value_types_are_exported_as_owl_datatype_definitions(logistics):
    graph = turtle_graph(turtle_export(branch="dev"))
    email = namespaces("dev")["value-types"].EmailAddress

    definition = next(
        d
        for d in graph.objects(email, namespace.OWL.equivalentClass)
        if (d, namespace.OWL.onDatatype, None) in graph
    )
    facets = Collection(graph, graph.value(definition, namespace.OWL.withRestrictions))
    assert (email, namespace.RDF.type, namespace.RDFS.Datatype) in graph
    assert graph.value(definition, namespace.OWL.onDatatype) == namespace.XSD.string
    assert any((f, namespace.XSD.pattern, None) in graph for f in facets)


def test_the_export_at_an_earlier_commit_names_that_commit(logistics):
    first = head()

    assert f"at commit {first}" in turtle_export(branch="dev", at=first)


# -- import of an OMS export ------------------------------------------------------------------


def test_an_oms_export_imports_back_to_the_same_elements_except_action_types(logistics):
    target = empty_branch()

    report = turtle_import(branch=target, text=turtle_export(branch="dev"), actor=SYSTEM)

    original = {k: v for k, v in by_key(bundle_export(branch="dev")).items()
                if k[0] != "action-types"}  # fmt: skip
    assert by_key(bundle_export(branch=target)) == original
    assert not report.warnings
    left_out = {
        f["reason"].split(" ")[0] + " " + f["reason"].split(" ")[1] for f in report.unmapped
    }
    assert left_out == {"Action types", "The ontology"}


# -- import of a hand-written ontology --------------------------------------------------------


def test_every_class_is_an_object_type_and_the_hierarchy_is_groups():
    elements = by_key({"elements": turtle_elements(FLEET).elements})

    assert elements[("object-types", "Asset")]["description"] == "Anything the company owns."
    assert {k for k in elements if k[0] == "groups"} == {("groups", "Asset"), ("groups", "Vehicle")}
    assert "subclasses of Vehicle" in elements[("groups", "Vehicle")]["description"]
    truck = elements[("object-types", "Truck")]
    assert truck["groups"] == ["Asset", "Vehicle"] and truck["implements"] == []
    assert elements[("object-types", "Depot")]["groups"] == ["Asset"]
    assert elements[("object-types", "Vehicle")]["groups"] == ["Asset"]
    assert elements[("shared-properties", "notes")]["dataType"] == {"type": "string"}
    assert not [k for k in elements if k[0] == "interfaces"]


def test_every_element_records_the_iri_it_came_from():
    elements = by_key({"elements": turtle_elements(FLEET).elements})

    truck = elements[("object-types", "Truck")]
    ontology = {"ontology": "http://example.com/fleet", "version": "1.0"}
    assert truck["origin"] == {"iri": str(EX.Truck), **ontology}
    assert elements[("groups", "Vehicle")]["origin"] == {"iri": str(EX.Vehicle), **ontology}
    operated = elements[("link-types", "operatedBy")]
    assert operated["origin"] == {"iri": str(EX.operatedBy), "domain": str(EX.Vehicle), **ontology}
    plate = next(p for p in truck["properties"] if p["apiName"] == "plate")
    assert plate["originIri"] == str(EX.plate)


def test_datatype_properties_become_typed_properties_inherited_by_subclasses():
    elements = by_key({"elements": turtle_elements(FLEET).elements})
    truck = {p["apiName"]: p for p in elements[("object-types", "Truck")]["properties"]}
    van = {p["apiName"] for p in elements[("object-types", "Van")]["properties"]}
    driver = elements[("object-types", "Driver")]

    assert truck["axles"]["dataType"] == {"type": "integer"}
    assert truck["payloadKg"]["dataType"] == {"type": "decimal", "precision": 38, "scale": 10}
    assert truck["plate"]["displayName"] == "Licence plate" and "plate" in van  # from Vehicle
    assert driver["primaryKey"] == "driverNumber" and driver["titleProperty"] == "name"
    hired = next(p for p in driver["properties"] if p["apiName"] == "hiredAt")
    assert hired["dataType"] == {"type": "timestamp"} and hired["displayName"] == "Hired at"


def test_object_properties_become_link_types_an_inverse_pair_one():
    elements = by_key({"elements": turtle_elements(FLEET).elements})

    home = elements[("link-types", "homeDepot")]
    assert home["cardinality"] == "many-to-one"
    assert home["source"] == {"objectType": "Truck", "linkApiName": "homeDepot"}
    assert home["foreignKey"] == "homeDepotId"
    operated = elements[("link-types", "operatedBy")]
    assert operated["source"] == {"objectType": "Vehicle", "linkApiName": "operatedBy"}
    assert operated["target"] == {"objectType": "Driver", "linkApiName": "operates"}
    assert ("link-types", "operates") not in elements
    neighbours = elements[("link-types", "neighbours")]
    assert neighbours["cardinality"] == "many-to-many" and neighbours["joinTable"] == "neighbours"


def test_what_cannot_be_mapped_is_reported_with_its_subject():
    mapped = turtle_elements(FLEET)

    assert reasons(mapped.unmapped, str(EX.serviceInterval)) == [
        "Its range has no OMS data type. xsd:duration"
    ]
    assert "individual" in reasons(mapped.unmapped, str(EX.truck42))[0]
    assert "annotation property" in reasons(mapped.unmapped, str(EX.note))[0]
    assert "header" in reasons(mapped.unmapped, "http://example.com/fleet")[0]
    assert not any(e["apiName"] == "serviceInterval" for e in mapped.elements)


def test_assumptions_are_reported_as_warnings():
    mapped = turtle_elements(FLEET)

    assert any("primary key" in r for r in reasons(mapped.warnings, str(EX.Truck)))
    assert any("decimal(38,10)" in r for r in reasons(mapped.warnings, str(EX.payload_kg)))
    assert any("foreign key" in r for r in reasons(mapped.warnings, str(EX.homeDepot)))
    assert any("restriction" in r for r in reasons(mapped.warnings, str(EX.Van)))
    assert not reasons(mapped.warnings, str(EX.Driver))  # it declares its key


def test_a_hand_written_ontology_imports_as_one_checked_commit(dev):
    before = head()

    report = turtle_import(branch="dev", text=FLEET, actor=EDITOR, message="Fleet")

    assert report.commit == head() and report.commit != before
    assert "object-types/Truck" in report.created and "groups/Vehicle" in report.created
    assert report.unmapped and report.warnings
    assert get_store().log("dev", limit=1).commits[0].message == "Fleet"


def test_owl_datatypes_become_value_types():
    text = """
    @prefix : <http://example.com/x#> .
    @prefix owl: <http://www.w3.org/2002/07/owl#> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    :Currency a rdfs:Datatype ; owl:equivalentClass [ a rdfs:Datatype ; owl:oneOf ("EUR" "USD") ] .
    :Percent a rdfs:Datatype ; owl:equivalentClass [ a rdfs:Datatype ; owl:onDatatype xsd:int ;
        owl:withRestrictions ( [ xsd:minInclusive 0 ] [ xsd:maxInclusive 100 ] ) ] .
    :Sku a rdfs:Datatype ; owl:equivalentClass [ a rdfs:Datatype ; owl:onDatatype xsd:string ;
        owl:withRestrictions ( [ xsd:pattern "^[A-Z]{3}-[0-9]+$" ] [ xsd:minExclusive 1 ] ) ] .
    :Item a owl:Class .
    :discount a owl:DatatypeProperty ; rdfs:domain :Item ; rdfs:range :Percent .
    """
    mapped = turtle_elements(text)
    elements = by_key({"elements": mapped.elements})

    currency = elements[("value-types", "Currency")]
    assert currency["baseType"] == {"type": "string"}
    assert currency["constraints"] == [{"type": "enum", "values": ["EUR", "USD"]}]
    percent = elements[("value-types", "Percent")]
    assert percent["baseType"] == {"type": "integer"}
    assert percent["constraints"] == [{"type": "range", "min": 0, "max": 100}]
    assert elements[("value-types", "Sku")]["constraints"][0]["type"] == "regex"
    assert "xsd:minExclusive" in reasons(mapped.unmapped, "http://example.com/x#Sku")[0]
    discount = elements[("object-types", "Item")]["properties"][1]
    assert discount["valueType"] == "Percent" and discount["dataType"] == {"type": "integer"}


def test_relative_iris_resolve_against_a_fixed_base():
    text = "@prefix owl: <http://www.w3.org/2002/07/owl#> . <Thing> a owl:Class ."
    elements = turtle_elements(text)

    assert elements.elements[0]["_iri"] == "https://oms.dev/import/Thing"


def test_cyclic_lists_and_blank_nodes_are_reported_not_followed_forever():
    text = """
    @prefix : <http://example.com/x#> .
    @prefix owl: <http://www.w3.org/2002/07/owl#> .
    @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
    :Item a owl:Class ; owl:hasKey _:cell .
    _:cell rdf:first :code ; rdf:rest _:cell .
    :Item :loop _:a . _:a :next _:b . _:b :next _:a .
    """
    mapped = turtle_elements(text)

    assert mapped.elements[0]["primaryKey"] == "id"
    assert any(":loop" in r for r in reasons(mapped.unmapped, "http://example.com/x#Item"))


def test_local_names_are_made_into_valid_api_names():
    text = """
    @prefix owl: <http://www.w3.org/2002/07/owl#> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    <http://example.com/x/order_line> a owl:Class .
    <http://example.com/x/unit-price> a owl:DatatypeProperty ;
        rdfs:domain <http://example.com/x/order_line> ; rdfs:range xsd:double .
    """
    elements = turtle_elements(text).elements

    assert elements[0]["apiName"] == "OrderLine"
    assert [p["apiName"] for p in elements[0]["properties"]] == ["id", "unitPrice"]


def test_a_turtle_dry_run_writes_nothing(dev):
    before = head()

    report = turtle_import(branch="dev", text=FLEET, actor=EDITOR, dry_run=True)

    assert report.dry_run and report.commit is None and report.created
    assert head() == before


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("@prefix : <http://x/> . :a :b .", "turtle_syntax"),
        ("@prefix : <http://x/> . :a :b", "turtle_syntax"),
        ("ex:a ex:b ex:c .", "turtle_syntax"),
    ],
)
def test_text_that_is_not_turtle_is_refused_with_the_parser_message(dev, text, code):
    with pytest.raises(InvalidTurtle) as caught:
        turtle_import(branch="dev", text=text, actor=EDITOR)

    assert caught.value.errors[0]["code"] == code
    assert caught.value.errors[0]["message"]


# -- commands ---------------------------------------------------------------------------------


def test_the_commands_export_and_import_turtle(logistics, tmp_path, capsys):
    path = tmp_path / "dev.ttl"
    call_command("ontology_export", "--branch", "dev", "--format", "turtle", "--output", str(path))
    target = empty_branch()

    call_command("ontology_import", str(path), "--branch", target)

    out = capsys.readouterr().out
    assert f"Changed branch {target} (turtle, merge)" in out
    assert "unmapped (" in out and "Action types" in out
    assert ("object-types", "Shipment") in by_key(bundle_export(branch=target))
