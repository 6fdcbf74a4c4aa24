"""An action submission checked against its action type, and the edits its rules would make.

Pure reads of one catalog (the branch at a commit): nothing here writes. A problem is
``{"path", "code", "message"}`` with a JSON path into the submission (``$.parameters.x``), or
into the action type (``$.rules[0]...``) when the action type itself cannot run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations.user_service.principal import Principal
from ontology.catalog import Catalog
from ontology.storage.base import Document
from ontology.values import constraint_problems, value_problems

Problem = dict[str, str]


@dataclass
class Checked:
    """A submission as checked: its problems (all of them) and its parameters."""

    action: Document
    parameters: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems

    def add(self, path: str, code: str, message: str) -> None:
        self.problems.append({"path": path, "code": code, "message": message})


def submission_checked(
    *, catalog: Catalog, action: Document, parameters: Any, user: Principal
) -> Checked:
    """Every problem of ``parameters`` for ``action``, at once."""
    given = parameters if isinstance(parameters, dict) else {}
    checked = Checked(action, {k: v for k, v in given.items() if v is not None})
    if not isinstance(parameters, dict):
        checked.add("$.parameters", "type", "parameters is an object of parameter values.")
        return checked
    declared = {p["apiName"]: p for p in action.get("parameters", [])}
    for name in given:
        if name not in declared:
            checked.add(
                f"$.parameters.{name}", "unknown_parameter", "Not a parameter of this action."
            )
    typed: set[str] = set()
    for name, parameter in declared.items():
        if _parameter_checked(catalog, checked, name, parameter):
            typed.add(name)
    _mappings_checked(catalog, checked, typed)
    _criteria_checked(checked, typed, user)
    allowed = action.get("submitterRoles") or []
    if allowed and not set(allowed) & set(user.roles):
        checked.add("$.currentUser", "role", f"Only {', '.join(allowed)} may submit this action.")
    return checked


def planned_edits(*, catalog: Catalog, checked: Checked, user: Principal) -> list[dict[str, Any]]:
    """The edits the rules make for a valid submission, mappings resolved, in rule order."""
    values, declared = checked.parameters, _declared(checked.action)
    edits: list[dict[str, Any]] = []
    for rule in checked.action.get("rules", []):
        kind = rule["type"]
        if kind in ("createLink", "deleteLink"):
            edits.append(
                {
                    "type": kind,
                    "linkType": rule["linkType"],
                    "source": _reference(declared, values, rule["source"]),
                    "target": _reference(declared, values, rule["target"]),
                }
            )
            continue
        if kind == "createObject":
            object_type = catalog.get("object-types", rule["objectType"]) or {}
            edit = {"type": kind, "objectType": rule["objectType"]}
            properties = _mapped(rule, values, user)
            edit["primaryKey"] = properties.get(object_type.get("primaryKey", ""))
        else:
            edit = {"type": kind, **_reference(declared, values, rule["object"])}
            properties = _mapped(rule, values, user)
        if kind != "deleteObject":
            edit["properties"] = properties
        edits.append(edit)
    return edits


# -- parameters --------------------------------------------------------------------------------


def _parameter_checked(catalog: Catalog, checked: Checked, name: str, parameter: dict) -> bool:
    """Check one parameter's value; True when it is given and fits."""
    path, value = f"$.parameters.{name}", checked.parameters.get(name)
    if value is None:
        if parameter.get("required", True):
            checked.add(path, "required", "Required.")
        return False
    data_type = parameter.get("dataType", {})
    if data_type.get("type") == "objectReference":
        key_type, constraints = _primary_key_type(catalog, data_type.get("objectType", ""))
        if key_type is None:
            checked.add(
                path,
                "object_reference",
                f"Object type {data_type.get('objectType')!r} has no primary key here.",
            )
            return False
        problems = value_problems(key_type, value, path)
        problems += constraint_problems(constraints, value, path) if not problems else []
        code = "object_reference"
    else:
        problems, code = value_problems(data_type, value, path), "type"
    for where, message in problems:
        checked.add(where, code, message)
    allowed = parameter.get("allowedValues")
    if not problems and allowed and value not in allowed:
        checked.add(path, "not_allowed", f"Not one of the allowed values: {allowed[:20]}.")
        return False
    return not problems


def _primary_key_type(catalog: Catalog, object_type: str) -> tuple[dict | None, list[dict]]:
    found = catalog.get("object-types", object_type)
    if not found:
        return None, []
    key = _property(found, found.get("primaryKey", ""))
    return _property_type(catalog, key) if key else (None, [])


def _property(object_type: Document, api_name: str) -> dict | None:
    return next((p for p in object_type.get("properties", []) if p["apiName"] == api_name), None)


def _property_type(catalog: Catalog, prop: dict) -> tuple[dict | None, list[dict]]:
    """A property's data type and its value type's constraints (through a shared property)."""
    data_type, value_type = prop.get("dataType"), prop.get("valueType")
    if prop.get("sharedProperty"):
        shared = catalog.get("shared-properties", prop["sharedProperty"]) or {}
        data_type = data_type or shared.get("dataType")
        value_type = value_type or shared.get("valueType")
    constraints: list[dict] = []
    if value_type:
        found = catalog.get("value-types", value_type) or {}
        data_type = data_type or found.get("baseType")
        constraints = found.get("constraints", [])
    return data_type, constraints


# -- rules and criteria ------------------------------------------------------------------------


def _mappings_checked(catalog: Catalog, checked: Checked, typed: set[str]) -> None:
    """Mapped values fit the properties they become; required properties get one."""
    declared = _declared(checked.action)
    for index, rule in enumerate(checked.action.get("rules", [])):
        if rule["type"] not in ("createObject", "modifyObject"):
            continue
        name = rule.get("objectType") or _referenced_type(declared, rule.get("object", ""))
        object_type = catalog.get("object-types", name)
        if object_type is None:
            checked.add(f"$.rules[{index}]", "definition", f"No object type {name!r} here.")
            continue
        given: set[str] = set()
        for number, mapping in enumerate(rule.get("mappings", [])):
            target = _property(object_type, mapping["property"])
            where = f"$.rules[{index}].mappings[{number}]"
            if target is None:
                checked.add(where, "definition", f"{name} has no property {mapping['property']!r}.")
                continue
            source = mapping["value"]
            if source.get("currentUser"):  # a username (integrity: onto a string property)
                given.add(target["apiName"])
                continue
            if "parameter" in source:
                if source["parameter"] not in typed:
                    continue
                value = checked.parameters[source["parameter"]]
                path = f"$.parameters.{source['parameter']}"
            else:
                value, path = source["static"], f"{where}.value.static"
            if value is None:
                continue
            given.add(target["apiName"])
            data_type, constraints = _property_type(catalog, target)
            problems = value_problems(data_type, value, path) if data_type else []
            problems += constraint_problems(constraints, value, path) if not problems else []
            for where_, message in problems:
                checked.add(where_, "value_type", f"As {name}.{target['apiName']}: {message}")
        if rule["type"] == "createObject":
            _required_given(checked, index, object_type, rule, given)


def _required_given(
    checked: Checked, index: int, object_type: Document, rule: dict, given: set[str]
) -> None:
    """A required property mapped from a parameter needs its value; the primary key needs a
    mapping (other required properties without one are the object store's to fill)."""
    required = {p["apiName"] for p in object_type.get("properties", []) if p.get("required")}
    key = object_type.get("primaryKey", "")
    sources = {m["property"]: m["value"].get("parameter") for m in rule.get("mappings", [])}
    optional = {
        p["apiName"] for p in checked.action.get("parameters", []) if not p.get("required", True)
    }
    for prop in sorted((required | {key}) - given - {""}):
        parameter = sources.get(prop)
        if parameter in optional and parameter not in checked.parameters:
            checked.add(
                f"$.parameters.{parameter}",
                "required",
                f"Required: it becomes {object_type['apiName']}.{prop}, which is required.",
            )
        elif prop == key and prop not in sources:
            checked.add(
                f"$.rules[{index}]",
                "definition",
                f"No mapping gives {object_type['apiName']}.{prop}, the primary key.",
            )


def _criteria_checked(checked: Checked, typed: set[str], user: Principal) -> None:
    for index, criterion in enumerate(checked.action.get("submissionCriteria", [])):
        subject_name = criterion["parameter"]
        if subject_name.startswith("currentUser"):
            subject, path = _user_field(user, subject_name), "$.currentUser"
        elif subject_name in typed or subject_name not in _declared(checked.action):
            subject, path = checked.parameters.get(subject_name), f"$.parameters.{subject_name}"
        else:
            continue  # the parameter's own problem says enough
        if not _holds(criterion["operator"], subject, criterion.get("value")):
            message = criterion.get("description") or (
                f"{subject_name} must be {criterion['operator']} {criterion.get('value')!r}."
            )
            checked.add(path, "criterion", f"{message} (submission criterion {index})")


def _user_field(user: Principal, name: str) -> Any:
    attribute = name.partition(".")[2] or "username"
    value = getattr(user, {"tenantId": "tenant"}.get(attribute, attribute), None)
    return sorted(value) if isinstance(value, frozenset) else value


def _holds(operator: str, subject: Any, value: Any) -> bool:
    items = subject if isinstance(subject, list) else [subject]
    if operator == "isNotNull":
        return subject is not None and subject != []
    if operator == "equals":
        return value in items if isinstance(subject, list) else subject == value
    if operator == "notEquals":
        return value not in items if isinstance(subject, list) else subject != value
    if operator == "in":
        return isinstance(value, list) and any(item in value for item in items)
    try:
        return bool(subject > value) if operator == "gt" else bool(subject < value)
    except TypeError:
        return False


def _declared(action: Document) -> dict[str, dict]:
    return {p["apiName"]: p for p in action.get("parameters", [])}


def _referenced_type(declared: dict[str, dict], parameter: str) -> str:
    """The object type an objectReference parameter names ("" for any other)."""
    return str(declared.get(parameter, {}).get("dataType", {}).get("objectType", ""))


def _reference(declared: dict[str, dict], values: dict[str, Any], parameter: str) -> dict:
    return {
        "objectType": _referenced_type(declared, parameter),
        "primaryKey": values.get(parameter),
    }


def _mapped(rule: dict, values: dict[str, Any], user: Principal) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for mapping in rule.get("mappings", []):
        source = mapping["value"]
        if "parameter" in source:
            value = values.get(source["parameter"])
        elif "static" in source:
            value = source["static"]
        else:
            value = user.username
        if value is not None:
            properties[mapping["property"]] = value
    return properties
