"""Integrity rules: every problem at once, each with its element, JSON path and code."""

from __future__ import annotations

import pytest

from tests.ontology.conftest import head, link_type, object_type, order_type, url

pytestmark = pytest.mark.django_db


def batch(client, *changes, message: str = "batch", **extra):
    body = {"message": message, "changes": list(changes), **extra}
    return client.post("/api/v1/branches/dev/commits/", body, format="json")


def create(kind: str, document: dict) -> dict:
    return {"op": "create", "kind": kind, "document": document}


def refused(response, *expected: tuple[str, str]) -> list[dict]:
    """Assert a 422 whose errors include each (path, code)."""
    assert response.status_code == 422, response.json()
    errors = response.json()["errors"]
    found = {(e["path"], e["code"]) for e in errors}
    for item in expected:
        assert item in found, (item, errors)
    return errors


def test_primary_key_and_title_must_exist_and_be_of_an_allowed_type(curator, dev):
    bad = object_type(primaryKey="missing", titleProperty="tags")
    bad["properties"].append(
        {"apiName": "tags", "dataType": {"type": "array", "itemType": {"type": "string"}}}
    )
    before = head()
    errors = refused(
        batch(curator, create("object-types", bad)),
        ("$.changes[0].document.primaryKey", "invalid_primary_key"),
        ("$.changes[0].document.titleProperty", "invalid_title_property"),
    )
    assert all(e["element"] == "object-types/Customer" for e in errors)
    assert head() == before


def test_references_must_resolve(curator, dev):
    doc = object_type(groups=["Nope"], implements=["Ghost"])
    doc["properties"][1]["sharedProperty"] = "missingShared"
    refused(
        batch(curator, create("object-types", doc)),
        ("$.changes[0].document.groups[0]", "unresolved_reference"),
        ("$.changes[0].document.implements[0]", "unresolved_reference"),
        ("$.changes[0].document.properties[1].sharedProperty", "unresolved_reference"),
    )


def test_shared_property_and_value_type_must_agree_on_type(curator, dev):
    shared = {"apiName": "email", "dataType": {"type": "string"}}
    value_type = {"apiName": "Score", "baseType": {"type": "integer"}}
    doc = object_type()
    doc["properties"][1].update(sharedProperty="email", dataType={"type": "integer"})
    doc["properties"].append(
        {"apiName": "rating", "dataType": {"type": "double"}, "valueType": "Score"}
    )
    refused(
        batch(
            curator,
            create("shared-properties", shared),
            create("value-types", value_type),
            create("object-types", doc),
        ),
        ("$.changes[2].document.properties[1].dataType", "type_mismatch"),
        ("$.changes[2].document.properties[2].valueType", "type_mismatch"),
    )


def test_link_foreign_key_must_exist_and_match_the_primary_key_type(curator, dev):
    order = order_type()
    order["properties"][2]["dataType"] = {"type": "integer"}
    refused(
        batch(
            curator,
            create("object-types", object_type()),
            create("object-types", order),
            create("link-types", link_type()),
        ),
        ("$.changes[2].document.foreignKey", "type_mismatch"),
    )
    refused(
        batch(
            curator,
            create("object-types", object_type()),
            create("object-types", order_type()),
            create("link-types", link_type(foreignKey="nothing")),
        ),
        ("$.changes[2].document.foreignKey", "unresolved_property"),
    )


def test_link_names_are_unique_per_object_type(curator, dev):
    second = link_type("customerOrders2")
    refused(
        batch(
            curator,
            create("object-types", object_type()),
            create("object-types", order_type()),
            create("link-types", link_type()),
            create("link-types", second),
        ),
        ("$.changes[3].document.source.linkApiName", "duplicate_link_name"),
    )


def test_interfaces_must_be_satisfied_and_acyclic(curator, dev):
    shared = {"apiName": "location", "dataType": {"type": "geopoint"}}
    locatable = {
        "apiName": "Locatable",
        "properties": [{"sharedProperty": "location"}],
        "links": [{"apiName": "orders", "target": "Order", "cardinality": "many"}],
    }
    refused(
        batch(
            curator,
            create("shared-properties", shared),
            create("interfaces", locatable),
            create("object-types", object_type(implements=["Locatable"])),
        ),
        ("$.changes[2].document.implements[0]", "interface_property_missing"),
        ("$.changes[2].document.implements[0]", "interface_link_missing"),
    )
    a = {"apiName": "A", "extends": ["B"]}
    b = {"apiName": "B", "extends": ["A"]}
    refused(
        batch(curator, create("interfaces", a), create("interfaces", b)),
        ("$.changes[0].document.extends", "extends_cycle"),
    )


def test_an_object_type_that_satisfies_its_interface_is_accepted(curator, dev):
    shared = {"apiName": "location", "dataType": {"type": "geopoint"}}
    locatable = {
        "apiName": "Locatable",
        "properties": [{"sharedProperty": "location"}],
        "links": [{"apiName": "orders", "target": "Order", "cardinality": "many"}],
    }
    customer = object_type(implements=["Locatable"])
    customer["properties"].append(
        {"apiName": "where", "dataType": {"type": "geopoint"}, "sharedProperty": "location"}
    )
    response = batch(
        curator,
        create("shared-properties", shared),
        create("interfaces", locatable),
        create("object-types", customer),
        create("object-types", order_type()),
        create("link-types", link_type()),
    )
    assert response.status_code == 201, response.json()
    assert len(response.json()["elements"]) == 5


def action(**overrides) -> dict:
    body = {
        "apiName": "createOrder",
        "parameters": [
            {"apiName": "orderId", "dataType": {"type": "string"}},
            {
                "apiName": "customer",
                "dataType": {"type": "objectReference", "objectType": "Customer"},
            },
            {"apiName": "amount", "dataType": {"type": "double"}, "allowedValues": [1, "x"]},
        ],
        "rules": [
            {
                "type": "createObject",
                "objectType": "Order",
                "mappings": [
                    {"property": "id", "value": {"parameter": "orderId"}},
                    {"property": "name", "value": {"parameter": "amount"}},
                    {"property": "customerId", "value": {"static": 42}},
                    {"property": "ghost", "value": {"currentUser": True}},
                ],
            }
        ],
        "submissionCriteria": [{"parameter": "nobody", "operator": "isNotNull"}],
        "sideEffects": [{"type": "webhook", "url": "https://hooks.example.com/orders"}],
    }
    body.update(overrides)
    return body


def test_action_rules_must_reference_real_properties_with_compatible_types(curator, dev):
    refused(
        batch(
            curator,
            create("object-types", object_type()),
            create("object-types", order_type()),
            create("action-types", action()),
        ),
        ("$.changes[2].document.parameters[2].allowedValues[1]", "type_mismatch"),
        ("$.changes[2].document.rules[0].mappings[1].value.parameter", "type_mismatch"),
        ("$.changes[2].document.rules[0].mappings[2].value.static", "type_mismatch"),
        ("$.changes[2].document.rules[0].mappings[3].property", "unresolved_property"),
        ("$.changes[2].document.submissionCriteria[0].parameter", "unknown_parameter"),
    )


def test_a_sound_action_type_is_accepted(curator, dev):
    good = action(
        parameters=[
            {"apiName": "orderId", "dataType": {"type": "string"}},
            {"apiName": "label", "dataType": {"type": "string"}, "allowedValues": ["a", "b"]},
        ],
        rules=[
            {
                "type": "createObject",
                "objectType": "Order",
                "mappings": [
                    {"property": "id", "value": {"parameter": "orderId"}},
                    {"property": "name", "value": {"parameter": "label"}},
                    {"property": "customerId", "value": {"currentUser": True}},
                ],
            }
        ],
        submissionCriteria=[{"parameter": "orderId", "operator": "isNotNull"}],
    )
    response = batch(
        curator,
        create("object-types", object_type()),
        create("object-types", order_type()),
        create("action-types", good),
    )
    assert response.status_code == 201, response.json()


def test_value_type_constraints_must_fit_the_base_type(curator, dev):
    value_type = {
        "apiName": "Code",
        "baseType": {"type": "integer"},
        "constraints": [
            {"type": "regex", "pattern": "^[A-Z]+$"},
            {"type": "enum", "values": [1, "two"]},
            {"type": "range", "min": 10, "max": 1},
        ],
    }
    refused(
        batch(curator, create("value-types", value_type)),
        ("$.changes[0].document.constraints[0].type", "constraint_not_applicable"),
        ("$.changes[0].document.constraints[1].values[1]", "type_mismatch"),
        ("$.changes[0].document.constraints[2].min", "invalid_range"),
    )


def test_changing_a_referenced_element_rechecks_its_referrers(curator, dev):
    response = batch(
        curator,
        create("object-types", object_type()),
        create("object-types", order_type()),
        create("link-types", link_type()),
    )
    assert response.status_code == 201
    customer = curator.get(url("object-types", "Customer")).json()
    customer["properties"][0]["dataType"] = {"type": "integer"}  # the primary key
    before = head()
    errors = refused(
        curator.put(url("object-types", "Customer"), customer, format="json"),
        ("$.foreignKey", "type_mismatch"),
    )
    assert errors[0]["element"] == "link-types/customerOrders"
    assert head() == before
