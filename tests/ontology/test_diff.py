"""The semantic diff: typed records matched by id, classified for compatibility, never silent."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ontology import serializers
from ontology.catalog import Catalog
from ontology.diff import (
    COMMON_FIELDS,
    INTERFACE_LINK_FIELDS,
    INTERFACE_PROPERTY_FIELDS,
    KIND_FIELDS,
    LINK_END_FIELDS,
    PARAMETER_FIELDS,
    PROPERTY_FIELDS,
    RULES,
    SERVER_FIELDS,
    TYPE_PREFIX,
    Diff,
    semantic_diff,
    version_bump,
    widens,
)
from ontology.kinds import KINDS
from ontology.storage.base import Document

DOCS = Path(__file__).resolve().parents[2] / "docs" / "diff.md"

# -- builders ---------------------------------------------------------------------------------


def document(kind: str, doc_id: str, **body: Any) -> Document:
    """A stored element: ``body`` validated by its kind's schema (defaults filled in)."""
    serializer = KINDS[kind].serializer(data=body)
    assert serializer.is_valid(), serializer.errors
    return {"id": doc_id, "kind": kind, **json.loads(json.dumps(serializer.validated_data))}


def data_type(value: str | dict) -> dict:
    return {"type": value} if isinstance(value, str) else value


def prop(api_name: str, type_: str | dict = "string", **extra: Any) -> dict:
    return {"id": f"p-{api_name}", "apiName": api_name, "dataType": data_type(type_), **extra}


def param(api_name: str, type_: str | dict = "string", **extra: Any) -> dict:
    return {"id": f"pa-{api_name}", "apiName": api_name, "dataType": data_type(type_), **extra}


def customer(*extra_props: dict, **overrides: Any) -> Document:
    body = {
        "apiName": "Customer", "status": "active", "primaryKey": "id", "titleProperty": "name",
        "properties": [prop("id", required=True), prop("name"), *extra_props], **overrides,
    }  # fmt: skip
    return document("object-types", "ot-customer", **body)


def order(**overrides: Any) -> Document:
    body = {
        "apiName": "Order", "primaryKey": "id", "titleProperty": "id",
        "properties": [prop("id", required=True), prop("customerId")], **overrides,
    }  # fmt: skip
    return document("object-types", "ot-order", **body)


def link(**overrides: Any) -> Document:
    body = {
        "apiName": "customerOrders", "cardinality": "one-to-many",
        "source": {"objectType": "Customer", "linkApiName": "orders"},
        "target": {"objectType": "Order", "linkApiName": "customer"},
        "foreignKey": "customerId", **overrides,
    }  # fmt: skip
    return document("link-types", "lt-orders", **body)


def interface(**overrides: Any) -> Document:
    body = {
        "apiName": "Locatable",
        "properties": [{"sharedProperty": "location"}],
        "links": [{"apiName": "orders", "target": "Order", "cardinality": "many"}],
        **overrides,
    }
    return document("interfaces", "if-locatable", **body)


def action(*parameters: dict, **overrides: Any) -> Document:
    body = {
        "apiName": "createOrder",
        "parameters": list(parameters) or [param("amount", "double")],
        "rules": [{"type": "createObject", "objectType": "Order",
                   "mappings": [{"property": "customerId", "value": {"parameter": "amount"}}]}],
        **overrides,
    }  # fmt: skip
    return document("action-types", "at-create", **body)


def shared(doc_id: str, api_name: str, type_: str | dict, **overrides: Any) -> Document:
    return document(
        "shared-properties", doc_id, apiName=api_name, dataType=data_type(type_), **overrides
    )


def value_type(doc_id: str, api_name: str, base: str, *constraints: dict) -> Document:
    body = {"apiName": api_name, "baseType": data_type(base), "constraints": list(constraints)}
    return document("value-types", doc_id, **body)


MINIMAL: dict[str, Callable[[], Document]] = {
    "object-types": customer,
    "link-types": link,
    "interfaces": interface,
    "action-types": action,
    "shared-properties": lambda: shared("sp-email", "email", "string"),
    "value-types": lambda: value_type("vt-score", "Score", "integer"),
    "groups": lambda: document("groups", "gr-sales", apiName="Sales"),
}


def edit(doc: Document, *, drop: tuple[str, ...] = (), **fields: Any) -> Document:
    """A copy of ``doc`` with top-level fields replaced (and ``drop`` removed)."""
    changed = {**copy.deepcopy(doc), **copy.deepcopy(fields)}
    for key in drop:
        changed.pop(key, None)
    return changed


def edit_item(doc: Document, field: str, index: int, *, drop: tuple[str, ...] = (), **values):
    """A copy of ``doc`` with one item of a list field changed."""
    changed = copy.deepcopy(doc)
    changed[field][index].update(copy.deepcopy(values))
    for key in drop:
        changed[field][index].pop(key, None)
    return changed


def catalog(commit: str, *docs: Document) -> Catalog:
    return Catalog(commit).patched(commit, [(d["id"], d) for d in docs])


def diff(before: list[Document], after: list[Document]) -> Diff:
    return semantic_diff(catalog("c-before", *before), catalog("c-after", *after))


def records(result: Diff) -> set[tuple[str, str, str]]:
    return {(c.type, c.path, c.rule) for c in result.changes}


# -- every record type, one scenario at a time ------------------------------------------------

PROPERTY = "$.properties[id=p-{}]"
PARAMETER = "$.parameters[id=pa-{}]"

SCENARIOS: dict[str, tuple[Callable[[], tuple[list, list]], set[tuple[str, str, str]]]] = {
    "display metadata": (
        lambda: ([customer()], [edit(customer(), displayName="Client", description="Buyers",
                                     icon="user", visibility="prominent",
                                     pluralDisplayName="Clients")]),
        {("DisplayMetadataChanged", f"$.{f}", "OMS-C009") for f in
         ("displayName", "description", "icon", "visibility", "pluralDisplayName")},
    ),
    "provenance": (
        lambda: ([customer()], [edit(customer(), aliases=["Client"],
                                     translations={"de": {"displayName": "Kunde"}},
                                     origin={"iri": "https://example.org/o#Customer"})]),
        {("ProvenanceChanged", f"$.{f}", "OMS-C012") for f in
         ("aliases", "translations", "origin")},
    ),
    "deprecated with a notice": (
        lambda: ([customer()], [edit(customer(), status="deprecated",
                                     deprecation={"reason": "Use Client"})]),
        {("Deprecated", "$.status", "OMS-C004"),
         ("DeprecationChanged", "$.deprecation", "OMS-C008")},
    ),
    "promoted to active": (
        lambda: ([customer(status="experimental")], [customer()]),
        {("StatusChanged", "$.status", "OMS-C005")},
    ),
    "demoted from active": (
        lambda: ([customer()], [customer(status="experimental")]),
        {("StatusChanged", "$.status", "OMS-C006")},
    ),
    "undeprecated": (
        lambda: ([customer(status="deprecated")], [customer()]),
        {("StatusChanged", "$.status", "OMS-C007")},
    ),
    "primary key and title point at other properties": (
        lambda: ([customer()], [customer(primaryKey="name", titleProperty="id")]),
        {("PrimaryKeyChanged", "$.primaryKey", "OMS-C020"),
         ("TitlePropertyChanged", "$.titleProperty", "OMS-C021")},
    ),
    "groups and interfaces": (
        lambda: ([customer(groups=["Old"], implements=["Named"])],
                 [customer(groups=["Sales"], implements=["Locatable"])]),
        {("GroupAssigned", "$.groups", "OMS-C022"), ("GroupUnassigned", "$.groups", "OMS-C023"),
         ("InterfaceImplemented", "$.implements", "OMS-C024"),
         ("InterfaceDropped", "$.implements", "OMS-C025")},
    ),
    "groups reordered": (
        lambda: ([customer(groups=["A", "B"])], [customer(groups=["B", "A"])]),
        {("ItemsReordered", "$.groups", "OMS-C011")},
    ),
    "properties added and removed": (
        lambda: ([customer(prop("note"))],
                 [customer(prop("email"), prop("code", required=True))]),
        {("PropertyAdded", PROPERTY.format("email"), "OMS-C026"),
         ("PropertyAdded", PROPERTY.format("code"), "OMS-C027"),
         ("PropertyRemoved", PROPERTY.format("note"), "OMS-C028")},
    ),
    "property types widened and changed": (
        lambda: ([customer(prop("count", "integer"))],
                 [edit_item(customer(prop("count", "long")), "properties", 1,
                            dataType={"type": "integer"})]),
        {("PropertyTypeChanged", PROPERTY.format("count") + ".dataType", "OMS-C030"),
         ("PropertyTypeChanged", PROPERTY.format("name") + ".dataType", "OMS-C031")},
    ),
    "property required tightened and loosened": (
        lambda: ([customer()],
                 [edit_item(edit_item(customer(), "properties", 0, required=False),
                            "properties", 1, required=True)]),
        {("PropertyRequiredChanged", PROPERTY.format("name") + ".required", "OMS-C032"),
         ("PropertyRequiredChanged", PROPERTY.format("id") + ".required", "OMS-C033")},
    ),
    "shared property and value type bindings": (
        lambda: ([customer(prop("note", sharedProperty="remark", valueType="Text"))],
                 [edit_item(edit_item(customer(prop("note")), "properties", 1,
                                      sharedProperty="fullName"),
                            "properties", 0, valueType="Code")]),
        {("SharedPropertyBindingChanged", PROPERTY.format("name") + ".sharedProperty",
          "OMS-C034"),
         ("SharedPropertyBindingChanged", PROPERTY.format("note") + ".sharedProperty",
          "OMS-C035"),
         ("ValueTypeBindingChanged", PROPERTY.format("id") + ".valueType", "OMS-C036"),
         ("ValueTypeBindingChanged", PROPERTY.format("note") + ".valueType", "OMS-C037")},
    ),
    "properties reordered": (
        lambda: ([customer()], [edit(customer(), properties=customer()["properties"][::-1])]),
        {("ItemsReordered", "$.properties", "OMS-C011")},
    ),
    "property deprecated and described": (
        lambda: ([customer()],
                 [edit_item(customer(), "properties", 1, status="deprecated",
                            description="Full name", visibility="hidden")]),
        {("Deprecated", PROPERTY.format("name") + ".status", "OMS-C004"),
         ("DisplayMetadataChanged", PROPERTY.format("name") + ".description", "OMS-C009"),
         ("DisplayMetadataChanged", PROPERTY.format("name") + ".visibility", "OMS-C009")},
    ),
    "property renamed, primary key follows": (
        lambda: ([customer()],
                 [edit_item(customer(primaryKey="key"), "properties", 0, apiName="key")]),
        {("PropertyRenamed", PROPERTY.format("id") + ".apiName", "OMS-C029"),
         ("ReferenceRenamed", "$.primaryKey", "OMS-C010")},
    ),
    "link cardinality": (
        lambda: ([link()], [edit(link(), cardinality="many-to-many", joinTable="orders_x",
                                 drop=("foreignKey",))]),
        {("CardinalityChanged", "$.cardinality", "OMS-C040"),
         ("ForeignKeyChanged", "$.foreignKey", "OMS-C043"),
         ("JoinTableChanged", "$.joinTable", "OMS-C044")},
    ),
    "link ends": (
        lambda: ([link()], [edit(link(),
                                 source={"objectType": "Customer", "linkApiName": "purchases",
                                         "displayName": "Purchases"},
                                 target={"objectType": "Invoice", "linkApiName": "customer",
                                         "displayName": "customer"},
                                 foreignKey="buyerId")]),
        {("LinkEndRenamed", "$.source.linkApiName", "OMS-C042"),
         ("DisplayMetadataChanged", "$.source.displayName", "OMS-C009"),
         ("LinkEndRetargeted", "$.target.objectType", "OMS-C041"),
         ("ForeignKeyChanged", "$.foreignKey", "OMS-C043")},
    ),
    "link follows a renamed object type and foreign key": (
        lambda: ([order(), link()],
                 [edit_item(edit(order(), apiName="Purchase"), "properties", 1, apiName="buyerId"),
                  edit(link(), target={"objectType": "Purchase", "linkApiName": "customer",
                                       "displayName": "customer"}, foreignKey="buyerId")]),
        {("ObjectTypeRenamed", "$.apiName", "OMS-C003"),
         ("PropertyRenamed", PROPERTY.format("customerId") + ".apiName", "OMS-C029"),
         ("ReferenceRenamed", "$.target.objectType", "OMS-C010"),
         ("ReferenceRenamed", "$.foreignKey", "OMS-C010")},
    ),
    "interface parents": (
        lambda: ([interface(extends=["Named"])], [interface(extends=["Located"])]),
        {("ParentInterfaceAdded", "$.extends", "OMS-C050"),
         ("ParentInterfaceRemoved", "$.extends", "OMS-C051")},
    ),
    "interface properties": (
        lambda: ([interface(properties=[{"sharedProperty": "location"},
                                        {"sharedProperty": "address", "required": False},
                                        {"sharedProperty": "legacy"}])],
                 [interface(properties=[{"sharedProperty": "location", "required": False},
                                        {"sharedProperty": "address"},
                                        {"sharedProperty": "phone", "required": False},
                                        {"sharedProperty": "code"}])]),
        {("PropertyRequiredChanged", "$.properties[sharedProperty=location].required",
          "OMS-C061"),
         ("PropertyRequiredChanged", "$.properties[sharedProperty=address].required",
          "OMS-C060"),
         ("InterfacePropertyAdded", "$.properties[sharedProperty=phone]", "OMS-C052"),
         ("InterfacePropertyAdded", "$.properties[sharedProperty=code]", "OMS-C053"),
         ("InterfacePropertyRemoved", "$.properties[sharedProperty=legacy]", "OMS-C054")},
    ),
    "interface links": (
        lambda: ([interface(links=[
                    {"apiName": "orders", "target": "Order", "cardinality": "many"},
                    {"apiName": "invoices", "target": "Invoice", "cardinality": "many",
                     "required": False},
                    {"apiName": "legacy", "target": "Order", "cardinality": "one"}])],
                 [interface(links=[
                    {"apiName": "orders", "target": "Purchase", "cardinality": "one",
                     "required": False},
                    {"apiName": "invoices", "target": "Invoice", "cardinality": "many"},
                    {"apiName": "payments", "target": "Payment", "cardinality": "many",
                     "required": False},
                    {"apiName": "refunds", "target": "Refund", "cardinality": "many"}])]),
        {("LinkEndRetargeted", "$.links[apiName=orders].target", "OMS-C058"),
         ("CardinalityChanged", "$.links[apiName=orders].cardinality", "OMS-C059"),
         ("LinkRequiredChanged", "$.links[apiName=orders].required", "OMS-C063"),
         ("LinkRequiredChanged", "$.links[apiName=invoices].required", "OMS-C062"),
         ("InterfaceLinkAdded", "$.links[apiName=payments]", "OMS-C055"),
         ("InterfaceLinkAdded", "$.links[apiName=refunds]", "OMS-C056"),
         ("InterfaceLinkRemoved", "$.links[apiName=legacy]", "OMS-C057")},
    ),
    "interface follows a renamed shared property": (
        lambda: ([shared("sp-location", "location", "geopoint"), interface()],
                 [edit(shared("sp-location", "location", "geopoint"), apiName="position"),
                  interface(properties=[{"sharedProperty": "position"}])]),
        {("SharedPropertyRenamed", "$.apiName", "OMS-C003"),
         ("ReferenceRenamed", "$.properties[sharedProperty=position].sharedProperty",
          "OMS-C010")},
    ),
    "parameters added, removed, renamed (rules follow)": (
        lambda: ([action(param("amount", "double"), param("note", required=False))],
                 [action(param("amount", "double", apiName="total"),
                         param("discount", "double", required=False), param("quantity", "long"),
                         rules=[{"type": "createObject", "objectType": "Order", "mappings": [
                             {"property": "customerId", "value": {"parameter": "total"}}]}])]),
        {("ParameterRenamed", PARAMETER.format("amount") + ".apiName", "OMS-C073"),
         ("ReferenceRenamed", "$.rules[0].mappings[0].value.parameter", "OMS-C010"),
         ("ParameterAdded", PARAMETER.format("discount"), "OMS-C070"),
         ("ParameterAdded", PARAMETER.format("quantity"), "OMS-C071"),
         ("ParameterRemoved", PARAMETER.format("note"), "OMS-C072")},
    ),
    "parameter types and required": (
        lambda: ([action(param("amount", "integer"), param("note", required=False),
                         param("buyer", {"type": "objectReference", "objectType": "Customer"}))],
                 [action(param("amount", "long", required=False), param("note"),
                         param("buyer", {"type": "objectReference", "objectType": "Order"}))]),
        {("ParameterTypeChanged", PARAMETER.format("amount") + ".dataType", "OMS-C074"),
         ("ParameterTypeChanged", PARAMETER.format("buyer") + ".dataType", "OMS-C075"),
         ("ParameterRequiredChanged", PARAMETER.format("note") + ".required", "OMS-C076"),
         ("ParameterRequiredChanged", PARAMETER.format("amount") + ".required", "OMS-C077")},
    ),
    "allowed values": (
        lambda: ([action(param("amount"), param("size", allowedValues=["S", "M", "L"]),
                         param("color", allowedValues=["red"]))],
                 [action(param("amount"), param("size", allowedValues=["S", "M"]),
                         param("color"))]),
        {("AllowedValuesChanged", PARAMETER.format("size") + ".allowedValues", "OMS-C078"),
         ("AllowedValuesChanged", PARAMETER.format("color") + ".allowedValues", "OMS-C079")},
    ),
    "rules, criteria and side effects": (
        lambda: ([action()],
                 [action(rules=[{"type": "createObject", "objectType": "Invoice"}],
                         submissionCriteria=[{"parameter": "amount", "operator": "gt",
                                              "value": 0}],
                         sideEffects=[{"type": "webhook", "url": "https://hooks.example/x"}])]),
        {("RuleChanged", "$.rules[0]", "OMS-C080"),
         ("SubmissionCriteriaChanged", "$.submissionCriteria", "OMS-C081"),
         ("SideEffectsChanged", "$.sideEffects", "OMS-C082")},
    ),
    "submitter roles narrowed": (
        lambda: ([action(submitterRoles=["editor", "admin"])], [action(submitterRoles=["admin"])]),
        {("SubmitterRolesChanged", "$.submitterRoles", "OMS-C083")},
    ),
    "submitter roles named where none were": (
        lambda: ([action()], [action(submitterRoles=["admin"])]),
        {("SubmitterRolesChanged", "$.submitterRoles", "OMS-C083")},
    ),
    "submitter roles widened": (
        lambda: ([action(submitterRoles=["admin"])], [action(submitterRoles=["admin", "editor"])]),
        {("SubmitterRolesChanged", "$.submitterRoles", "OMS-C084")},
    ),
    "parameters reordered": (
        lambda: ([action(param("amount"), param("note"))],
                 [action(param("note"), param("amount"))]),
        {("ItemsReordered", "$.parameters", "OMS-C011")},
    ),
    "shared property types and value type": (
        lambda: ([shared("sp-score", "score", "integer"), shared("sp-email", "email", "string")],
                 [shared("sp-score", "score", "long"),
                  shared("sp-email", "email", "integer", valueType="Email")]),
        {("SharedPropertyTypeChanged", "$.dataType", "OMS-C090"),
         ("SharedPropertyTypeChanged", "$.dataType", "OMS-C091"),
         ("ValueTypeBindingChanged", "$.valueType", "OMS-C036")},
    ),
    "value type base types": (
        lambda: ([value_type("vt-a", "Score", "integer"), value_type("vt-b", "Code", "string")],
                 [value_type("vt-a", "Score", "long"), value_type("vt-b", "Code", "integer")]),
        {("ValueTypeBaseChanged", "$.baseType", "OMS-C100"),
         ("ValueTypeBaseChanged", "$.baseType", "OMS-C101")},
    ),
    "constraints loosened and tightened": (
        lambda: ([value_type("vt-a", "Score", "integer", {"type": "range", "min": 0, "max": 10}),
                  value_type("vt-b", "Size", "string", {"type": "enum", "values": ["S", "M"]},
                             {"type": "length", "max": 3})],
                 [value_type("vt-a", "Score", "integer", {"type": "range", "min": 0, "max": 5},
                             {"type": "regex", "pattern": "^[0-9]+$"}),
                  value_type("vt-b", "Size", "string",
                             {"type": "enum", "values": ["S", "M", "L"]})]),
        {("ConstraintsChanged", "$.constraints[type=range]", "OMS-C103"),
         ("ConstraintsChanged", "$.constraints[type=regex]", "OMS-C103"),
         ("ConstraintsChanged", "$.constraints[type=enum]", "OMS-C102"),
         ("ConstraintsChanged", "$.constraints[type=length]", "OMS-C102")},
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_each_change_is_one_typed_record_with_its_rule(name):
    build, expected = SCENARIOS[name]
    before, after = build()
    result = diff(before, after)
    assert records(result) == expected
    assert result.uncovered == ()


@pytest.mark.parametrize("kind", list(KINDS))
def test_elements_are_added_removed_and_renamed_by_id(kind):
    element = MINIMAL[kind]()
    renamed = edit(element, apiName=element["apiName"] + "Renamed")
    prefix = TYPE_PREFIX[kind]
    assert records(diff([], [element])) == {(f"{prefix}Added", "$", "OMS-C001")}
    assert records(diff([element], [])) == {(f"{prefix}Removed", "$", "OMS-C002")}
    assert records(diff([element], [renamed])) == {(f"{prefix}Renamed", "$.apiName", "OMS-C003")}


def test_every_record_type_is_emitted_by_some_scenario():
    seen = {"FieldChanged"}  # see the uncovered tests
    for _build, expected in SCENARIOS.values():
        seen |= {record[0] for record in expected}
    seen |= {f"{prefix}{verb}" for prefix in TYPE_PREFIX.values()
             for verb in ("Added", "Removed", "Renamed")}  # fmt: skip
    declared = {rule.type for rule in RULES.values() if not rule.type.startswith("<Kind>")}
    assert declared <= seen
    assert {rule for _, expected in SCENARIOS.values() for _, _, rule in expected} | {
        "OMS-C000", "OMS-C001", "OMS-C002",
    } == set(RULES)  # fmt: skip


# -- renames are renames ----------------------------------------------------------------------


def test_a_renamed_property_is_not_a_removal_plus_an_addition():
    renamed = edit(customer(), titleProperty="fullName")
    after = edit_item(renamed, "properties", 1, apiName="fullName")
    change, follower = diff([customer()], [after]).changes
    assert (change.type, change.before, change.after) == ("PropertyRenamed", "name", "fullName")
    assert (follower.type, follower.path, follower.impact) == (
        "ReferenceRenamed", "$.titleProperty", "safe",
    )  # fmt: skip
    assert change.member == "fullName"
    assert change.impact == "breaking"
    assert change.affects == ("api-clients",)
    assert "deprecate" in change.hint


def test_a_renamed_element_keeps_its_id_and_reports_before_and_after():
    [change] = diff([customer()], [edit(customer(), apiName="Client")]).changes
    assert change.type == "ObjectTypeRenamed"
    assert (change.element_id, change.api_name) == ("ot-customer", "Client")
    assert (change.before, change.after) == ("Customer", "Client")


def test_a_reference_to_a_renamed_element_that_was_also_retargeted_shows_both():
    after = [edit(order(), apiName="Purchase"), link(target={"objectType": "Invoice",
                                                     "linkApiName": "customer"})]  # fmt: skip
    changes = [(c.type, c.path, c.before, c.after) for c in diff([order(), link()], after).changes]
    assert ("ReferenceRenamed", "$.target.objectType", "Order", "Purchase") in changes
    assert ("LinkEndRetargeted", "$.target.objectType", "Purchase", "Invoice") in changes


def test_swapped_property_names_are_two_renames_and_move_the_primary_key():
    # primaryKey stays "id", but "id" is now the other property: the key changed.
    swapped = edit_item(edit_item(customer(), "properties", 0, apiName="name"),
                        "properties", 1, apiName="id")  # fmt: skip
    result = diff([customer()], [swapped])
    assert {(c.type, c.path, c.before, c.after) for c in result.changes} == {
        ("PropertyRenamed", PROPERTY.format("id") + ".apiName", "id", "name"),
        ("PropertyRenamed", PROPERTY.format("name") + ".apiName", "name", "id"),
        ("ReferenceRenamed", "$.primaryKey", "id", "name"),
        ("PrimaryKeyChanged", "$.primaryKey", "name", "id"),
        ("ReferenceRenamed", "$.titleProperty", "name", "id"),
        ("TitlePropertyChanged", "$.titleProperty", "id", "name"),
    }  # fmt: skip


# -- classification ---------------------------------------------------------------------------


def test_added_elements_are_additive_and_removed_ones_breaking_for_their_users():
    added = diff([], [link()]).changes[0]
    removed = diff([link()], []).changes[0]
    assert (added.impact, added.affects, added.after["apiName"]) == (
        "additive", (), "customerOrders",
    )  # fmt: skip
    assert removed.impact == "breaking"
    assert removed.affects == ("api-clients", "instance-data", "actions")
    assert removed.before == link()
    assert diff([action()], []).changes[0].affects == ("api-clients", "actions")


def test_only_display_changes_are_safe_and_a_patch():
    result = diff([customer()], [customer(description="People who buy")])
    assert [c.impact for c in result.changes] == ["safe"]
    assert version_bump(result) == "patch"
    assert result.summary["byImpact"] == {"breaking": 0, "additive": 0, "safe": 1}


def test_version_bumps_follow_the_worst_change():
    assert version_bump(diff([customer()], [customer()])) == "none"
    assert version_bump(diff([customer()], [customer(prop("email"))])) == "minor"
    assert version_bump(diff([customer()], [customer(prop("email", required=True))])) == "major"
    assert diff([], [customer()]).bump == "minor"


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("integer", "long", True),
        ("float", "double", True),
        ("long", "integer", False),
        ("long", "double", False),  # a double cannot hold every long exactly
        ({"type": "decimal", "precision": 10, "scale": 2},
         {"type": "decimal", "precision": 12, "scale": 3}, True),
        ({"type": "decimal", "precision": 10, "scale": 2},
         {"type": "decimal", "precision": 10, "scale": 3}, False),
        ({"type": "array", "itemType": {"type": "integer"}},
         {"type": "array", "itemType": {"type": "long"}}, True),
        ({"type": "vector", "dimension": 3}, {"type": "vector", "dimension": 4}, False),
        ({"type": "struct", "fields": [{"apiName": "a", "dataType": {"type": "integer"}}]},
         {"type": "struct", "fields": [{"apiName": "a", "dataType": {"type": "long"}},
                                       {"apiName": "b", "dataType": {"type": "string"}}]},
         True),
        ({"type": "struct", "fields": [{"apiName": "a", "dataType": {"type": "integer"}}]},
         {"type": "struct", "fields": [{"apiName": "a", "dataType": {"type": "integer"}},
                                       {"apiName": "b", "dataType": {"type": "string"},
                                        "required": True}]},
         False),
        ("string", "string", False),
    ],
)  # fmt: skip
def test_widening_keeps_every_old_value(before, after, expected):
    assert widens(data_type(before), data_type(after)) is expected


# -- never silent -----------------------------------------------------------------------------


def test_a_field_no_rule_covers_is_listed_as_uncovered_and_counts_as_breaking():
    after = edit_item(edit(customer(), colour="blue"), "properties", 1, colour="red")
    after["source"] = {"colour": 1}
    result = diff([customer()], [after])
    assert result.changes == ()
    assert [(c.type, c.path, c.rule, c.member) for c in result.uncovered] == [
        ("FieldChanged", "$.colour", "OMS-C000", None),
        ("FieldChanged", f"{PROPERTY.format('name')}.colour", "OMS-C000", "name"),
        ("FieldChanged", "$.source", "OMS-C000", None),
    ]
    assert result.summary["uncovered"] == 3
    assert version_bump(result) == "major"


@pytest.mark.parametrize(
    ("serializer", "known"),
    [
        *[(kind.serializer, {*COMMON_FIELDS, *KIND_FIELDS[segment], *SERVER_FIELDS})
          for segment, kind in KINDS.items()],
        (serializers.PropertySerializer, {*PROPERTY_FIELDS, "id"}),
        (serializers.ParameterSerializer, {*PARAMETER_FIELDS, "id"}),
        (serializers.LinkEndSerializer, set(LINK_END_FIELDS)),
        (serializers.InterfacePropertySerializer, {*INTERFACE_PROPERTY_FIELDS, "sharedProperty"}),
        (serializers.InterfaceLinkSerializer, {*INTERFACE_LINK_FIELDS, "apiName"}),
    ],
)  # fmt: skip
def test_every_field_of_the_element_schemas_has_a_rule(serializer, known):
    assert set(serializer().fields) - known == set()


def test_every_rule_is_documented():
    text = DOCS.read_text()
    assert [rule for rule in RULES if f"`{rule}`" not in text] == []


# -- order and scope --------------------------------------------------------------------------


def test_changes_are_ordered_by_kind_api_name_and_path():
    before = [customer(), order(), link(), MINIMAL["groups"]()]
    after = [
        customer(description="x", icon="y"), order(apiName="Anything"),
        edit(link(), cardinality="many-to-one"), edit(MINIMAL["groups"](), description="z"),
    ]  # fmt: skip
    keys = [(c.kind, c.api_name, c.path) for c in diff(before, after).changes]
    order_of = list(KINDS)
    assert keys == sorted(keys, key=lambda k: (order_of.index(k[0]), k[1], k[2]))
    assert keys[0] == ("object-types", "Anything", "$.apiName")
    assert keys[-1][0] == "groups"


def test_only_the_given_changed_ids_are_compared():
    before = catalog("a", customer(), order())
    after = catalog("b", customer(description="x"), order(description="y"))
    result = semantic_diff(before, after, ["ot-order"])
    assert [c.api_name for c in result.changes] == ["Order"]
    assert (result.base, result.head) == ("a", "b")


def test_the_summary_counts_per_impact_kind_and_type():
    result = diff([customer()], [customer(prop("email")), link()])
    assert result.summary == {
        "total": 2, "uncovered": 0,
        "byImpact": {"breaking": 0, "additive": 2, "safe": 0},
        "byKind": {"link-types": 1, "object-types": 1},
        "byType": {"LinkTypeAdded": 1, "PropertyAdded": 1},
    }  # fmt: skip


def test_items_without_an_id_are_matched_by_api_name():
    before, after = customer(), edit_item(customer(), "properties", 1, dataType={"type": "long"})
    for document in (before, after):
        for item in document["properties"]:
            del item["id"]
    [change] = diff([before], [after]).changes
    assert (change.type, change.path) == (
        "PropertyTypeChanged",
        "$.properties[apiName=name].dataType",
    )
