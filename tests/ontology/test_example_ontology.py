"""The example logistics ontology loads into an empty branch, once."""

from __future__ import annotations

import json

import pytest

from ontology import selectors
from ontology.bundles import bundle_export
from ontology.examples import LOGISTICS, example_ontology_load
from tests.ontology.conftest import head

pytestmark = pytest.mark.django_db


def kinds_of(branch: str) -> dict[str, int]:
    catalog = selectors.catalog_at(branch=branch)
    counts: dict[str, int] = {}
    for document in catalog.by_id.values():
        counts[document["kind"]] = counts.get(document["kind"], 0) + 1
    return counts


def test_the_example_loads_into_an_empty_main_and_passes_integrity(main_branch):
    report = example_ontology_load()

    assert report is not None and report.commit == head("main")
    assert not report.updated and not report.deleted
    counts = kinds_of("main")
    assert counts["object-types"] >= 10
    assert counts["link-types"] >= 8
    assert counts["interfaces"] >= 2
    assert counts["action-types"] >= 2
    assert counts["value-types"] >= 2 and counts["groups"] >= 2
    assert sum(counts.values()) == len(json.loads(LOGISTICS.read_text())["elements"])


def test_loading_the_example_again_changes_nothing(main_branch):
    example_ontology_load()
    before = head("main")

    assert example_ontology_load() is None
    assert head("main") == before


def test_the_example_is_not_loaded_over_an_existing_ontology(dev):
    from integrations.user_service.principal import SYSTEM
    from ontology.services import Operation, elements_commit
    from tests.ontology.conftest import object_type

    elements_commit(
        branch="dev", operations=[Operation(op="create", kind="object-types", body=object_type())],
        actor=SYSTEM, message="seed",
    )  # fmt: skip

    assert example_ontology_load(branch="dev") is None
    assert kinds_of("dev") == {"object-types": 1}


def test_the_example_uses_interfaces_links_and_actions_together(main_branch):
    example_ontology_load()
    elements = bundle_export(branch="main")["elements"]
    by_key = {(e["kind"], e["apiName"]): e for e in elements}

    shipment = by_key[("object-types", "Shipment")]
    assert shipment["implements"] == ["Trackable"]
    assert by_key[("interfaces", "Trackable")]["extends"] == ["Locatable"]
    assert by_key[("link-types", "shipmentStops")]["cardinality"] == "many-to-many"
    assign = by_key[("action-types", "assignShipmentToVehicle")]
    assert assign["parameters"][0]["dataType"] == {
        "type": "objectReference",
        "objectType": "Shipment",
    }
    assert assign["sideEffects"]
