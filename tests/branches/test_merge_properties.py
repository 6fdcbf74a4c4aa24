"""Properties of the merge engine, checked with generated edits (hypothesis)."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from branches.merge import three_way
from ontology.catalog import Catalog

FIELDS = ("description", "icon", "displayName", "status")
VALUES = st.sampled_from(["", "a", "b", "c"])


def base_docs() -> dict[str, dict]:
    return {
        f"ot-{i}": {
            "id": f"ot-{i}",
            "kind": "object-types",
            "apiName": f"T{i}",
            "description": "",
            "icon": "",
            "displayName": f"T{i}",
            "status": "active",
            "properties": [
                {"id": f"p-{i}-{j}", "apiName": f"p{j}", "description": ""} for j in range(3)
            ],
        }  # fmt: skip
        for i in range(4)
    }


EDIT = st.tuples(
    st.integers(0, 3),  # element
    st.one_of(st.sampled_from(FIELDS), st.integers(0, 2)),  # a field, or a property index
    VALUES,
)


def apply(docs: dict[str, dict], edits: list[tuple]) -> dict[str, dict]:  # type: ignore[type-arg]
    out = copy.deepcopy(docs)
    for element, where, value in edits:
        doc = out[f"ot-{element}"]
        if isinstance(where, int):
            doc["properties"][where]["description"] = value
        else:
            doc[where] = value
    return out


def catalog(commit: str, docs: dict[str, dict]) -> Catalog:
    return Catalog(commit).patched(commit, docs.items())


def changed(a: dict, b: dict) -> list[str]:
    return [k for k in a.keys() | b.keys() if a.get(k) != b.get(k)]


def merged(base: dict, source: dict, target: dict):  # type: ignore[no-untyped-def]
    result = three_way(
        catalog("base", base), catalog("source", source), catalog("target", target),
        source_changed=changed(base, source), target_changed=changed(base, target),
    )  # fmt: skip
    final = copy.deepcopy(target)
    for doc_id, document in result.changes.items():
        final[doc_id] = document
    return result, final


@settings(max_examples=150, deadline=None)
@given(st.lists(EDIT, max_size=6), st.lists(EDIT, max_size=6))
def test_merge_is_symmetric_when_there_are_no_conflicts(edits_a, edits_b):
    base = base_docs()
    a, b = apply(base, edits_a), apply(base, edits_b)
    ab, into_a = merged(base, b, a)
    ba, into_b = merged(base, a, b)
    assert bool(ab.conflicts) == bool(ba.conflicts)
    if not ab.conflicts:
        assert into_a == into_b


@settings(max_examples=150, deadline=None)
@given(st.lists(EDIT, min_size=1, max_size=6), st.lists(EDIT, max_size=6))
def test_reverting_a_change_restores_the_parent_when_nothing_touched_it_since(edits, later):
    parent = base_docs()
    child = apply(parent, edits)
    # Later edits only on elements the reverted change did not touch.
    touched = {e for e, _, _ in edits}
    head = apply(child, [e for e in later if e[0] not in touched])
    result = three_way(
        catalog("child", child), catalog("parent", parent), catalog("head", head),
        source_changed=changed(child, parent), target_changed=changed(child, head),
    )  # fmt: skip
    assert result.conflicts == []
    final = copy.deepcopy(head)
    final.update(result.changes)
    for element in touched:
        assert final[f"ot-{element}"] == parent[f"ot-{element}"]
    if not later:
        assert final == parent
