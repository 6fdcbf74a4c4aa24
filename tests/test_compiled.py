"""The compiled schema validation answers what DRF answers, or leaves the answer to DRF."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError

from bench.api import object_type
from oms_project.compiled import Unsure, compiled
from ontology.documents import validated_body
from ontology.exceptions import InvalidElement
from ontology.kinds import KINDS

EXAMPLE = Path(__file__).resolve().parent.parent / "ontology" / "examples" / "logistics.json"
ELEMENTS = [e for e in json.loads(EXAMPLE.read_text())["elements"] if e["kind"] in KINDS]
SAMPLES = [*ELEMENTS, {"kind": "object-types", **object_type(7, "A benchmark type.")}]


def drf(kind: str, body: Any) -> tuple[str, Any]:
    try:
        return "ok", dict(KINDS[kind].serializer().run_validation(body))
    except ValidationError as exc:
        return "error", exc.detail


def fast(kind: str, body: Any) -> tuple[str, Any]:
    try:
        return "ok", dict(compiled(KINDS[kind].serializer())(body))
    except Unsure:
        return "unsure", None


@pytest.mark.parametrize("element", SAMPLES, ids=lambda e: f"{e['kind']}/{e['apiName']}")
def test_valid_elements_are_vouched_for_with_drfs_answer(element: dict[str, Any]) -> None:
    kind = element["kind"]
    body = {k: v for k, v in element.items() if k != "kind"}
    answer = fast(kind, copy.deepcopy(body))
    assert answer[0] == "ok", "a valid element in its stored shape needs no DRF"
    assert answer == drf(kind, copy.deepcopy(body))


# Values that DRF coerces, trims, refuses or treats specially.
ODD = st.one_of(
    st.sampled_from(["", " ", " padded ", "x" * 201, "\ud800", "true", "1", "Pascal", "camel"]),
    st.sampled_from([None, True, False, 0, 1, 2.5, [], {}, ["a"], {"type": "string"}]),
    st.sampled_from(["active", "deprecated", "many-to-many", "normal", "one", "webhook"]),
    st.text(max_size=6),
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON value (keys of objects, indexes of lists)."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


@st.composite
def edited(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A sample element with a few members replaced, removed or added."""
    element = copy.deepcopy(draw(st.sampled_from(SAMPLES)))
    kind = element.pop("kind")
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(paths(element) or [("apiName",)]))
        parent: Any = element
        for step in where[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "replace":
            parent[where[-1]] = copy.deepcopy(draw(ODD))
        elif action == "remove" and isinstance(parent, dict):
            parent.pop(where[-1], None)
        elif isinstance(parent, dict):
            member = draw(st.sampled_from(["extra", "id", "version", "required", "status"]))
            parent[member] = copy.deepcopy(draw(ODD))
    return kind, element


@settings(max_examples=400, deadline=None)
@given(edited())
def test_any_input_gets_drfs_answer_or_none(case: tuple[str, dict[str, Any]]) -> None:
    kind, body = case
    answer = fast(kind, copy.deepcopy(body))
    if answer[0] != "unsure":
        assert answer == drf(kind, copy.deepcopy(body))


def test_validated_body_reports_drfs_errors_with_paths() -> None:
    body = {**object_type(1, "x"), "status": "nope", "extra": 1}
    with pytest.raises(InvalidElement) as raised:
        validated_body("object-types", body)
    assert {e["path"] for e in raised.value.errors} == {"$.status", "$.extra"}
