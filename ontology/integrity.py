"""Integrity of the ontology: what must hold between elements after every write.

:func:`check` looks at the elements a write changed and at every element that refers to
them (the catalog knows who refers to whom), and returns every problem at once, each with
the element, a JSON path inside it, a stable code and a message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ontology import datatypes, values
from ontology.catalog import Catalog
from ontology.references import Path, json_path, many_side, references, rule_object_type
from ontology.storage.base import Document

#: How a check reports a problem of the element it checks: JSON path, code, message.
Report = Callable[[Path, str, str], None]


@dataclass(frozen=True)
class Problem:
    """One integrity problem."""

    element: str  # "kind/apiName"
    path: str
    code: str
    message: str
    doc_id: str = ""  # the element's id (not shown; lets a writer place the problem)

    def as_error(self) -> dict[str, str]:
        return {"element": self.element, "path": self.path, "code": self.code,
                "message": self.message}  # fmt: skip


def check(catalog: Catalog, changed: Iterable[str]) -> list[Problem]:
    """Problems of the changed element ids and of every element referring to them."""
    to_check = catalog.fetch(changed)
    keys = [(d["kind"], d["apiName"]) for d in to_check.values()]
    for referrers in catalog.referring_to_many(keys).values():
        to_check.update((r["id"], r) for r in referrers)
    catalog.prefetch(  # every name the checked elements use, in one read
        (kind, ref.name) for d in to_check.values() for ref in references(d) for kind in ref.kinds
    )
    catalog.referring_to_many(  # the other links of every type a link type joins, at once
        ("object-types", d[end]["objectType"])
        for d in to_check.values()
        if d["kind"] == "link-types"
        for end in ("source", "target")
    )
    problems: list[Problem] = []
    for document in sorted(to_check.values(), key=lambda d: (d["kind"], d["apiName"])):
        problems.extend(check_element(catalog, document))
    return problems


def check_element(catalog: Catalog, document: Document) -> list[Problem]:
    """Every problem of one element against the rest of the catalog."""
    element = f"{document['kind']}/{document['apiName']}"
    found: list[Problem] = []

    def report(path: Path, code: str, message: str) -> None:
        found.append(Problem(element, json_path(path), code, message, document["id"]))

    owner = catalog.get(document["kind"], document["apiName"])
    if owner is not None and owner["id"] != document["id"]:
        report(
            ("apiName",),
            "duplicate_api_name",
            f"Another {document['kind']} element is named {document['apiName']!r}.",
        )
    for ref in references(document):
        target = _resolve(catalog, ref.kinds, ref.name)
        if target is None:
            report(
                ref.path if ref.prop is None else ref.path,
                "unresolved_reference",
                f"No {' or '.join(ref.kinds)} named {ref.name!r}.",
            )
        elif ref.prop is not None and _property(target, ref.prop) is None:
            report(ref.path, "unresolved_property", f"{ref.name} has no property {ref.prop!r}.")
    CHECKS[document["kind"]](catalog, document, report)
    # An unresolved foreign key is reported once, as a reference problem.
    seen: set[tuple[str, str]] = set()
    unique = []
    for problem in found:
        if (problem.path, problem.code) not in seen:
            seen.add((problem.path, problem.code))
            unique.append(problem)
    return unique


def _resolve(catalog: Catalog, kinds: tuple[str, ...], name: str) -> Document | None:
    return next((d for k in kinds if (d := catalog.get(k, name)) is not None), None)


def _property(object_type: Document, name: str) -> dict[str, Any] | None:
    return next((p for p in object_type.get("properties", []) if p["apiName"] == name), None)


def _duplicates(items: list[dict[str, Any]], key: str) -> Iterator[tuple[int, str]]:
    seen: set[str | None] = set()
    for index, item in enumerate(items):
        if item.get(key) in seen:
            yield index, item[key]
        seen.add(item.get(key))


# -- per kind ---------------------------------------------------------------------------------


def _object_type(catalog: Catalog, doc: Document, report: Report) -> None:
    props = doc.get("properties", [])
    for index, name in _duplicates(props, "apiName"):
        report(
            ("properties", index, "apiName"),
            "duplicate_property",
            f"Property {name!r} appears twice.",
        )
    for index, prop_id in _duplicates(props, "id"):
        report(
            ("properties", index, "id"),
            "duplicate_property_id",
            f"Property id {prop_id!r} appears twice.",
        )
    for field, allowed, code in (
        ("primaryKey", datatypes.PRIMARY_KEY_TYPES, "invalid_primary_key"),
        ("titleProperty", datatypes.TITLE_TYPES, "invalid_title_property"),
    ):
        prop = _property(doc, doc[field])
        if prop is None:
            report((field,), code, f"{field} {doc[field]!r} is not a property of this type.")
        elif prop["dataType"].get("type") not in allowed:
            report(
                (field,),
                code,
                f"{field} must be one of {', '.join(sorted(allowed))}, "
                f"not {datatypes.type_name(prop['dataType'])}.",
            )
    for index, prop in enumerate(props):
        shared = catalog.get("shared-properties", prop.get("sharedProperty") or "")
        if shared is not None and shared["dataType"] != prop["dataType"]:
            report(
                ("properties", index, "dataType"),
                "type_mismatch",
                f"Shared property {shared['apiName']} is "
                f"{datatypes.type_name(shared['dataType'])}, "
                f"not {datatypes.type_name(prop['dataType'])}.",
            )
        value_type = catalog.get("value-types", prop.get("valueType") or "")
        if value_type is not None and value_type["baseType"] != prop["dataType"]:
            report(
                ("properties", index, "valueType"),
                "type_mismatch",
                f"Value type {value_type['apiName']} is based on "
                f"{datatypes.type_name(value_type['baseType'])}, not "
                f"{datatypes.type_name(prop['dataType'])}.",
            )
    for index, name in enumerate(doc.get("implements", [])):
        interface = catalog.get("interfaces", name)
        if interface is not None:
            for path, code, message in _unsatisfied(catalog, doc, interface):
                report(("implements", index, *path), code, message)


def _unsatisfied(
    catalog: Catalog, doc: Document, interface: Document
) -> Iterator[tuple[Path, str, str]]:
    """What an object type lacks to implement an interface (and those it extends)."""
    shared = {p.get("sharedProperty") for p in doc.get("properties", [])}
    links = list(_links_of(catalog, doc["apiName"]))
    for parent in _ancestors(catalog, interface):
        for prop in parent.get("properties", []):
            if prop.get("required", True) and prop["sharedProperty"] not in shared:
                yield (
                    (),
                    "interface_property_missing",
                    f"{parent['apiName']} requires a property of shared property "
                    f"{prop['sharedProperty']!r}.",
                )
        for link in parent.get("links", []):
            if link.get("required", True) and not any(
                name == link["apiName"]
                and cardinality == link["cardinality"]
                and _is_a(catalog, other, link["target"])
                for name, other, cardinality in links
            ):
                yield (
                    (),
                    "interface_link_missing",
                    f"{parent['apiName']} requires a {link['cardinality']} link "
                    f"{link['apiName']!r} to {link['target']}.",
                )


def _links_of(catalog: Catalog, object_type: str) -> Iterator[tuple[str, str, str]]:
    """(link name, object type at the other end, one|many) seen from ``object_type``."""
    for link in catalog.referring_to("object-types", object_type):
        if link["kind"] != "link-types":
            continue
        cardinality = link["cardinality"]
        if link["source"]["objectType"] == object_type:
            many = cardinality in ("one-to-many", "many-to-many")
            yield (
                link["source"]["linkApiName"],
                link["target"]["objectType"],
                "many" if many else "one",
            )
        if link["target"]["objectType"] == object_type:
            many = cardinality in ("many-to-one", "many-to-many")
            yield (
                link["target"]["linkApiName"],
                link["source"]["objectType"],
                "many" if many else "one",
            )


def _is_a(catalog: Catalog, object_type: str, target: str) -> bool:
    """Whether ``object_type`` is ``target`` or implements the interface ``target``."""
    if object_type == target:
        return True
    doc = catalog.get("object-types", object_type)
    if doc is None:
        return False
    return any(
        target in {a["apiName"] for a in _ancestors(catalog, interface)}
        for name in doc.get("implements", [])
        if (interface := catalog.get("interfaces", name)) is not None
    )


def _ancestors(catalog: Catalog, interface: Document) -> list[Document]:
    """The interface and every interface it extends, each once (cycles cut)."""
    seen: dict[str, Document] = {}
    pending = [interface]
    while pending:
        current = pending.pop()
        if current["apiName"] in seen:
            continue
        seen[current["apiName"]] = current
        pending.extend(p for n in current.get("extends", []) if (p := catalog.get("interfaces", n)))
    return list(seen.values())


def _link_type(catalog: Catalog, doc: Document, report: Report) -> None:
    for end in ("source", "target"):
        name = doc[end]["linkApiName"]
        owner = doc[end]["objectType"]
        for other in catalog.referring_to("object-types", owner):
            if (
                other["kind"] == "link-types"
                and other["id"] != doc["id"]
                and (
                    (
                        other["source"]["objectType"] == owner
                        and other["source"]["linkApiName"] == name
                    )
                    or (
                        other["target"]["objectType"] == owner
                        and other["target"]["linkApiName"] == name
                    )
                )
            ):
                report(
                    (end, "linkApiName"),
                    "duplicate_link_name",
                    f"{owner} already has a link named {name!r} ({other['apiName']}).",
                )
    if not doc.get("foreignKey"):
        return
    many, one = many_side(doc), "target" if many_side(doc) == "source" else "source"
    holder = catalog.get("object-types", doc[many]["objectType"])
    referenced = catalog.get("object-types", doc[one]["objectType"])
    if holder is None or referenced is None:
        return
    key = _property(holder, doc["foreignKey"])
    primary = _property(referenced, referenced["primaryKey"])
    if key is not None and primary is not None and key["dataType"] != primary["dataType"]:
        report(
            ("foreignKey",),
            "type_mismatch",
            f"{holder['apiName']}.{key['apiName']} is {datatypes.type_name(key['dataType'])} "
            f"but {referenced['apiName']}'s primary key is "
            f"{datatypes.type_name(primary['dataType'])}.",
        )


def _interface(catalog: Catalog, doc: Document, report: Report) -> None:
    if _extends_cycle(catalog, doc):
        report(
            ("extends",), "extends_cycle", f"{doc['apiName']} extends itself through its parents."
        )


def _extends_cycle(catalog: Catalog, doc: Document) -> bool:
    pending = list(doc.get("extends", []))
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name == doc["apiName"]:
            return True
        if name in seen:
            continue
        seen.add(name)
        parent = catalog.get("interfaces", name)
        if parent is not None:
            pending.extend(parent.get("extends", []))
    return False


def _action_type(catalog: Catalog, doc: Document, report: Report) -> None:
    params = {p["apiName"]: p for p in doc.get("parameters", [])}
    for index, name in _duplicates(doc.get("parameters", []), "apiName"):
        report(
            ("parameters", index, "apiName"),
            "duplicate_parameter",
            f"Parameter {name!r} appears twice.",
        )
    for index, param in enumerate(doc.get("parameters", [])):
        for j, value in enumerate(param.get("allowedValues", [])):
            if not value_matches(value, param["dataType"]):
                report(
                    ("parameters", index, "allowedValues", j),
                    "type_mismatch",
                    f"{value!r} is not a {datatypes.type_name(param['dataType'])}.",
                )
    for index, rule in enumerate(doc.get("rules", [])):
        _check_rule(catalog, rule, params, ("rules", index), report)
    for index, criterion in enumerate(doc.get("submissionCriteria", [])):
        if criterion["parameter"] not in params and criterion["parameter"] not in CURRENT_USER:
            report(
                ("submissionCriteria", index, "parameter"),
                "unknown_parameter",
                f"No parameter {criterion['parameter']!r}.",
            )


#: What a submission criterion may test of the submitter besides parameters (docs/actions.md).
CURRENT_USER = frozenset(
    {"currentUser", "currentUser.username", "currentUser.id", "currentUser.email",
     "currentUser.roles", "currentUser.tenantId"}
)  # fmt: skip


def _check_rule(
    catalog: Catalog, rule: dict[str, Any], params: dict[str, Any], path: Path, report: Report
) -> None:
    for field in ("object", "source", "target"):
        name = rule.get(field)
        if name is None:
            continue
        param = params.get(name)
        if param is None:
            report((*path, field), "unknown_parameter", f"No parameter {name!r}.")
        elif param["dataType"].get("type") != "objectReference":
            report(
                (*path, field), "type_mismatch", f"Parameter {name!r} must be an objectReference."
            )
    link = catalog.get("link-types", rule.get("linkType") or "")
    if link is not None:
        for field in ("source", "target"):
            param = params.get(rule.get(field) or "")
            wanted = link[field]["objectType"]
            if param and param["dataType"].get("objectType") not in (None, wanted):
                report(
                    (*path, field),
                    "type_mismatch",
                    f"{link['apiName']}'s {field} is {wanted}, the parameter refers to "
                    f"{param['dataType'].get('objectType')}.",
                )
    object_type = catalog.get("object-types", rule_object_type(rule, params) or "")
    if object_type is None:
        return
    mapped = {m["property"] for m in rule.get("mappings", [])}
    if rule["type"] == "createObject" and object_type["primaryKey"] not in mapped:
        report(
            (*path, "mappings"),
            "primary_key_unmapped",
            f"Creating a {object_type['apiName']} must set its primary key "
            f"{object_type['primaryKey']!r}.",
        )
    for j, mapping in enumerate(rule.get("mappings", [])):
        prop = _property(object_type, mapping["property"])
        if prop is None:
            continue  # reported as an unresolved property reference
        _check_mapping(prop, mapping["value"], params, (*path, "mappings", j, "value"), report)


def _check_mapping(
    prop: dict[str, Any], value: dict[str, Any], params: dict[str, Any], path: Path, report: Report
) -> None:
    wanted = prop["dataType"]
    if "parameter" in value:
        param = params.get(value["parameter"])
        if param is None:
            report(
                (*path, "parameter"), "unknown_parameter", f"No parameter {value['parameter']!r}."
            )
        elif not assignable(param["dataType"], wanted):
            report(
                (*path, "parameter"),
                "type_mismatch",
                f"Parameter {param['apiName']} is {datatypes.type_name(param['dataType'])}; "
                f"property {prop['apiName']} is {datatypes.type_name(wanted)}.",
            )
    elif "static" in value and not value_matches(value["static"], wanted):
        report(
            (*path, "static"),
            "type_mismatch",
            f"{value['static']!r} is not a {datatypes.type_name(wanted)}.",
        )
    elif value.get("currentUser") and wanted.get("type") != "string":
        report(
            (*path, "currentUser"),
            "type_mismatch",
            f"The current user is a string; property {prop['apiName']} is "
            f"{datatypes.type_name(wanted)}.",
        )


def _shared_property(catalog: Catalog, doc: Document, report: Report) -> None:
    value_type = catalog.get("value-types", doc.get("valueType") or "")
    if value_type is not None and value_type["baseType"] != doc["dataType"]:
        report(
            ("valueType",),
            "type_mismatch",
            f"Value type {value_type['apiName']} is based on "
            f"{datatypes.type_name(value_type['baseType'])}, not "
            f"{datatypes.type_name(doc['dataType'])}.",
        )


STRING_CONSTRAINTS = {"regex", "length", "uuid"}
ORDERED = datatypes.NUMERIC | {"date", "timestamp"}


def _value_type(catalog: Catalog, doc: Document, report: Report) -> None:
    base = doc["baseType"]
    kind = base.get("type")
    for index, constraint in enumerate(doc.get("constraints", [])):
        ctype = constraint["type"]
        if ctype in STRING_CONSTRAINTS and kind != "string":
            report(
                ("constraints", index, "type"),
                "constraint_not_applicable",
                f"A {ctype} constraint applies to strings, not {datatypes.type_name(base)}.",
            )
        if ctype == "range" and kind not in ORDERED:
            report(
                ("constraints", index, "type"),
                "constraint_not_applicable",
                "A range applies to numbers, dates and timestamps, "
                f"not {datatypes.type_name(base)}.",
            )
        if ctype == "enum":
            for j, value in enumerate(constraint.get("values", [])):
                if not value_matches(value, base):
                    report(
                        ("constraints", index, "values", j),
                        "type_mismatch",
                        f"{value!r} is not a {datatypes.type_name(base)}.",
                    )
        low, high = constraint.get("min"), constraint.get("max")
        if low is not None and high is not None and _comparable(low, high) and low > high:
            report(
                ("constraints", index, "min"), "invalid_range", f"min {low!r} exceeds max {high!r}."
            )


def _comparable(a: Any, b: Any) -> bool:
    numbers = (int, float)
    return (isinstance(a, numbers) and isinstance(b, numbers)) or (
        isinstance(a, str) and isinstance(b, str)
    )


def _nothing(catalog: Catalog, doc: Document, report: Report) -> None:
    return None


CHECKS = {
    "object-types": _object_type,
    "link-types": _link_type,
    "interfaces": _interface,
    "action-types": _action_type,
    "shared-properties": _shared_property,
    "value-types": _value_type,
    "groups": _nothing,
}


# -- values against types ---------------------------------------------------------------------

WIDENING = {("integer", "long"), ("integer", "float"), ("integer", "double"),
            ("long", "double"), ("float", "double")}  # fmt: skip


def assignable(source: dict[str, Any], target: dict[str, Any]) -> bool:
    """Whether a value of ``source`` type can be stored in a ``target`` property."""
    if source == target:
        return True
    if source.get("type") == "objectReference":
        return False  # references map to link rules, not to properties
    return (source.get("type"), target.get("type")) in WIDENING


def value_matches(value: Any, data_type: dict[str, Any]) -> bool:
    """Whether a JSON literal is a value of ``data_type`` (for static values and enums); an
    object reference's literal is its primary key, a string or a number."""
    if value is None:
        return True
    if data_type.get("type") == "objectReference":
        return isinstance(value, str | int) and not isinstance(value, bool)
    return not values.value_problems(data_type, value, "$")
