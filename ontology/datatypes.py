"""The data-type system of properties, shared properties, value types and action parameters.

A data type is a JSON object with a ``type`` and, for parameterised types, its parameters:

``{"type": "string"}``, ``{"type": "decimal", "precision": 10, "scale": 2}``,
``{"type": "vector", "dimension": 384}``, ``{"type": "array", "itemType": {...}}``,
``{"type": "struct", "fields": [{"apiName": "x", "dataType": {...}, "required": true}]}``,
``{"type": "objectReference", "objectType": "Customer"}`` (action parameters only).
"""

from __future__ import annotations

import re
from typing import Any

PRIMITIVES = {
    "boolean", "string", "integer", "long", "float", "double", "date", "timestamp",
    "geopoint", "geoshape", "attachment",
}  # fmt: skip
PARAMETERISED = {"decimal", "vector", "array", "struct", "objectReference"}
ALL_TYPES = PRIMITIVES | PARAMETERISED
PRIMARY_KEY_TYPES = {"string", "integer", "long"}
TITLE_TYPES = {"string", "integer", "long", "date", "timestamp", "boolean", "decimal"}
NUMERIC = {"integer", "long", "float", "double", "decimal"}
MAX_DEPTH = 8
MAX_VECTOR_DIMENSION = 65536
CAMEL = re.compile(r"^[a-z][A-Za-z0-9]{0,99}$")

Errors = dict[str, Any]  # DRF-style nested error detail


def data_type_errors(value: Any, *, object_references: bool = False, depth: int = 0) -> Errors:
    """Nested errors (DRF detail shape) for a data type; empty when it is valid."""
    if not isinstance(value, dict):
        return {"type": ["A data type is an object with a 'type'."]}
    kind = value.get("type")
    if (
        not isinstance(kind, str)
        or kind not in ALL_TYPES
        or (kind == "objectReference" and not object_references)
    ):
        allowed = sorted(ALL_TYPES if object_references else ALL_TYPES - {"objectReference"})
        return {"type": [f"Unknown data type {kind!r}; use one of {', '.join(allowed)}."]}
    if depth > MAX_DEPTH:
        return {"type": [f"Data types nest at most {MAX_DEPTH} levels deep."]}
    allowed_keys = {"type", *_PARAMETERS.get(kind, ())}
    errors: Errors = {key: ["Unknown field."] for key in sorted(set(value) - allowed_keys)}
    check = _CHECKS.get(kind)
    if check:
        errors.update(check(value, object_references, depth))
    return errors


def _decimal(value: dict, refs: bool, depth: int) -> Errors:
    precision, scale = value.get("precision"), value.get("scale")
    errors: Errors = {}
    if not _int_between(precision, 1, 38):
        errors["precision"] = ["precision must be an integer from 1 to 38."]
    if not _int_between(scale, 0, 38) or (
        isinstance(precision, int) and isinstance(scale, int) and scale > precision
    ):
        errors["scale"] = ["scale must be an integer from 0 to precision."]
    return errors


def _vector(value: dict, refs: bool, depth: int) -> Errors:
    if not _int_between(value.get("dimension"), 1, MAX_VECTOR_DIMENSION):
        return {"dimension": [f"dimension must be an integer from 1 to {MAX_VECTOR_DIMENSION}."]}
    return {}


def _array(value: dict, refs: bool, depth: int) -> Errors:
    if "itemType" not in value:
        return {"itemType": ["An array needs an itemType."]}
    nested = data_type_errors(value["itemType"], object_references=refs, depth=depth + 1)
    return {"itemType": nested} if nested else {}


def _struct(value: dict, refs: bool, depth: int) -> Errors:
    fields = value.get("fields")
    if not isinstance(fields, list) or not fields:
        return {"fields": ["A struct needs a non-empty list of fields."]}
    errors: dict[int, Errors] = {}
    seen: set[str] = set()
    for index, field in enumerate(fields):
        problems: Errors = {}
        if not isinstance(field, dict):
            errors[index] = {"apiName": ["Each field is an object."]}
            continue
        problems.update(
            {k: ["Unknown field."] for k in set(field) - {"apiName", "dataType", "required"}}
        )
        name = field.get("apiName")
        if not isinstance(name, str) or not CAMEL.match(name):
            problems["apiName"] = ["Field names are camelCase letters and digits."]
        elif name in seen:
            problems["apiName"] = [f"Field {name!r} appears twice."]
        else:
            seen.add(name)
        if "required" in field and not isinstance(field["required"], bool):
            problems["required"] = ["required is true or false."]
        nested = data_type_errors(field.get("dataType"), object_references=refs, depth=depth + 1)
        if nested:
            problems["dataType"] = nested
        if problems:
            errors[index] = problems
    return {"fields": errors} if errors else {}


def _object_reference(value: dict, refs: bool, depth: int) -> Errors:
    if not isinstance(value.get("objectType"), str) or not value["objectType"]:
        return {"objectType": ["An objectReference names its objectType's apiName."]}
    return {}


_CHECKS = {
    "decimal": _decimal,
    "vector": _vector,
    "array": _array,
    "struct": _struct,
    "objectReference": _object_reference,
}
_PARAMETERS = {
    "decimal": ("precision", "scale"),
    "vector": ("dimension",),
    "array": ("itemType",),
    "struct": ("fields",),
    "objectReference": ("objectType",),
}


def _int_between(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def same_type(a: Any, b: Any) -> bool:
    """Whether two data types are the same (parameters included)."""
    return a == b


def type_name(value: Any) -> str:
    """A short human name of a data type, for messages: ``array<string>``."""
    if not isinstance(value, dict):
        return "?"
    kind = value.get("type", "?")
    if kind == "array":
        return f"array<{type_name(value.get('itemType'))}>"
    if kind == "decimal":
        return f"decimal({value.get('precision')},{value.get('scale')})"
    if kind == "vector":
        return f"vector({value.get('dimension')})"
    if kind == "objectReference":
        return f"objectReference({value.get('objectType')})"
    return str(kind)
