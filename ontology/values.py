"""Whether a value fits a data type (ontology/datatypes.py) and a value type's constraints.

Each check answers a list of ``(path, message)`` problems, empty when the value fits; a path
extends the one it is given (``$.parameters.weightKg[2].lat``).
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

Problems = list[tuple[str, str]]  # (path, message)
INT32, INT64 = 2**31, 2**63
GEOMETRIES = {
    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
    "GeometryCollection",
}  # fmt: skip


def value_problems(data_type: dict[str, Any], value: Any, path: str) -> Problems:
    """Problems of ``value`` as a value of ``data_type`` (objectReference aside: the caller
    resolves it to its object type's primary key type)."""
    check = _CHECKS.get(str(data_type.get("type")))
    if check is None:
        return [(path, f"Values of type {data_type.get('type')!r} cannot be checked.")]
    return check(data_type, value, path)


def constraint_problems(constraints: list[dict[str, Any]], value: Any, path: str) -> Problems:
    """Problems of ``value`` under a value type's constraints."""
    problems: Problems = []
    for constraint in constraints:
        message = _constraint(constraint, value)
        if message:
            problems.append((path, message))
    return problems


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


def _simple(test: Callable[[Any], bool], wanted: str) -> Callable[[dict, Any, str], Problems]:
    def check(data_type: dict, value: Any, path: str) -> Problems:
        return [] if test(value) else [(path, f"Expected {wanted}, got {_shown(value)}.")]

    return check


def _date(value: Any) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _timestamp(value: Any) -> bool:
    if not isinstance(value, str) or "T" not in value:
        return False
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return moment.tzinfo is not None


def _geopoint(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == {"lat", "lon"}
        and _is_number(value["lat"])
        and _is_number(value["lon"])
        and -90 <= value["lat"] <= 90
        and -180 <= value["lon"] <= 180
    )


def _geoshape(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and value.get("type") in GEOMETRIES
        and ("coordinates" in value or "geometries" in value)
    )


def _decimal(data_type: dict, value: Any, path: str) -> Problems:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return [(path, f"Expected a decimal (a number or a numeric string), got {_shown(value)}.")]
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return [(path, f"Expected a decimal, got {_shown(value)}.")]
    if not number.is_finite():
        return [(path, "Expected a finite decimal.")]
    sign, digits, exponent = number.as_tuple()
    scale = max(0, -int(exponent))
    whole = max(0, len(digits) + int(exponent))
    precision, allowed_scale = data_type.get("precision", 38), data_type.get("scale", 0)
    if scale > allowed_scale or whole > precision - allowed_scale:
        return [(path, f"Expected at most {precision} digits, {allowed_scale} after the point.")]
    return []


def _vector(data_type: dict, value: Any, path: str) -> Problems:
    dimension = data_type.get("dimension")
    if not isinstance(value, list) or not all(_is_number(x) for x in value):
        return [(path, "Expected a vector: a list of numbers.")]
    if len(value) != dimension:
        return [(path, f"Expected {dimension} numbers, got {len(value)}.")]
    return []


def _array(data_type: dict, value: Any, path: str) -> Problems:
    if not isinstance(value, list):
        return [(path, f"Expected a list, got {_shown(value)}.")]
    problems: Problems = []
    for index, item in enumerate(value):
        problems += value_problems(data_type.get("itemType", {}), item, f"{path}[{index}]")
    return problems


def _struct(data_type: dict, value: Any, path: str) -> Problems:
    if not isinstance(value, dict):
        return [(path, f"Expected an object, got {_shown(value)}.")]
    fields = {f["apiName"]: f for f in data_type.get("fields", [])}
    problems: Problems = [
        (f"{path}.{k}", "Not a field of this struct.") for k in value if k not in fields
    ]
    for name, field in fields.items():
        if name not in value or value[name] is None:
            if field.get("required", True):
                problems.append((f"{path}.{name}", "Required."))
            continue
        problems += value_problems(field.get("dataType", {}), value[name], f"{path}.{name}")
    return problems


_CHECKS: dict[str, Callable[[dict, Any, str], Problems]] = {
    "boolean": _simple(lambda v: isinstance(v, bool), "true or false"),
    "string": _simple(lambda v: isinstance(v, str), "a string"),
    "integer": _simple(lambda v: _is_int(v) and -INT32 <= v < INT32, "a 32-bit integer"),
    "long": _simple(lambda v: _is_int(v) and -INT64 <= v < INT64, "a 64-bit integer"),
    "float": _simple(_is_number, "a number"),
    "double": _simple(_is_number, "a number"),
    "date": _simple(_date, "a date (YYYY-MM-DD)"),
    "timestamp": _simple(_timestamp, "a timestamp with a time zone (ISO 8601)"),
    "geopoint": _simple(_geopoint, 'a point {"lat": -90..90, "lon": -180..180}'),
    "geoshape": _simple(_geoshape, "a GeoJSON geometry"),
    "attachment": _simple(lambda v: isinstance(v, str) and bool(v), "an attachment reference"),
    "decimal": _decimal,
    "vector": _vector,
    "array": _array,
    "struct": _struct,
}


def _constraint(constraint: dict[str, Any], value: Any) -> str | None:
    kind = constraint.get("type")
    if kind == "enum" and value not in constraint.get("values", []):
        allowed = ", ".join(_shown(v) for v in constraint.get("values", [])[:20])
        return f"{_shown(value)} is not one of {allowed}."
    if kind == "regex" and not (
        isinstance(value, str) and re.fullmatch(constraint.get("pattern", ""), value)
    ):
        return f"{_shown(value)} does not match {constraint.get('pattern')!r}."
    if kind == "range":
        low, high = constraint.get("min"), constraint.get("max")
        if (
            not _comparable(value, low, high)
            or (low is not None and value < low)
            or (high is not None and value > high)
        ):
            return f"{_shown(value)} is outside {_bounds(low, high)}."
    if kind == "length":
        low, high = constraint.get("min"), constraint.get("max")
        size = len(value) if isinstance(value, str | list) else None
        if size is None or (low is not None and size < low) or (high is not None and size > high):
            return f"The length of {_shown(value)} is outside {_bounds(low, high)}."
    if kind == "uuid":
        try:
            uuid.UUID(str(value))
        except ValueError:
            return f"{_shown(value)} is not a UUID."
        if not isinstance(value, str):
            return f"{_shown(value)} is not a UUID."
    return None


def _comparable(value: Any, *bounds: Any) -> bool:
    given = [b for b in bounds if b is not None]
    if _is_number(value):
        return all(_is_number(b) for b in given)
    return isinstance(value, str) and all(isinstance(b, str) for b in given)


def _bounds(low: Any, high: Any) -> str:
    return f"[{'' if low is None else _shown(low)}, {'' if high is None else _shown(high)}]"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
