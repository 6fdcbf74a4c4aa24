"""The write pipeline: judged after the change, checked whatever the door, the only writer."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from history.models import AuditEvent
from ontology.bundles import bundle_export
from ontology.storage import get_store
from tests.ontology.conftest import head, link_type, object_type, order_type, url
from tests.ontology.test_bundles import bundle, element

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
STORE_WRITES = {"commit", "reset_branch", "create_branch", "delete_branch", "create_tag"}


@pytest.fixture
def linked(curator, dev) -> None:
    """dev: Customer, Order and the link customerOrders between them."""
    for kind, body in (
        ("object-types", object_type()),
        ("object-types", order_type()),
        ("link-types", link_type()),
    ):
        response = curator.post(url(kind), body, format="json")
        assert response.status_code == 201, response.json()


def test_a_batch_may_delete_what_it_stops_referring_to(curator, linked):
    # Order keeps its foreign key property; the link that used it goes in the same commit
    # as Customer, the link's other end.
    response = curator.post(
        "/api/v1/branches/dev/commits/",
        {"message": "drop customers", "changes": [
            {"op": "delete", "kind": "object-types", "apiName": "Customer"},
            {"op": "delete", "kind": "link-types", "apiName": "customerOrders"},
        ]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    assert curator.get(url("object-types", "Customer")).status_code == 404


def test_a_batch_may_delete_an_element_whose_referrer_it_rewires(curator, linked):
    # The link is retargeted from Customer to a new Client type in the same commit that
    # deletes Customer: judged after the change, nothing refers to Customer any more.
    response = curator.post(
        "/api/v1/branches/dev/commits/",
        {"message": "customers become clients", "changes": [
            {"op": "delete", "kind": "object-types", "apiName": "Customer"},
            {"op": "create", "kind": "object-types", "document": object_type("Client")},
            {"op": "update", "kind": "link-types", "apiName": "customerOrders",
             "document": link_type(source={"objectType": "Client", "linkApiName": "orders"})},
        ]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()


def test_deleting_what_is_still_referred_to_is_refused_with_the_referrers(curator, linked):
    before = head()
    response = curator.delete(url("object-types", "Customer"))
    assert response.status_code == 409
    assert response.json()["code"] == "element_referenced"
    assert response.json()["referrers"] == ["link-types/customerOrders"]
    assert head() == before


def test_a_replace_import_drops_an_element_its_updated_referrers_no_longer_use(curator, linked):
    exported = curator.get("/api/v1/branches/dev/export/").json()
    kept = [e for e in exported["elements"] if e["apiName"] != "Customer"]
    client = {**object_type("Client"), "kind": "object-types"}
    for document in kept:
        if document["apiName"] == "customerOrders":
            document["source"]["objectType"] = "Client"
    response = curator.post(
        "/api/v1/branches/dev/import/?mode=replace", bundle(*kept, client), format="json"
    )
    assert response.status_code in (200, 201), response.json()
    assert response.json()["deleted"] == ["object-types/Customer"]
    assert curator.get(url("object-types", "Customer")).status_code == 404
    link = curator.get(url("link-types", "customerOrders")).json()
    assert link["source"]["objectType"] == "Client"


def test_a_merge_that_deletes_a_type_the_target_still_uses_is_refused(curator, linked):
    assert curator.post("/api/v1/branches/", {"name": "a", "from": "dev"}).status_code == 201
    response = curator.post(
        "/api/v1/branches/a/commits/",
        {"message": "drop", "changes": [
            {"op": "delete", "kind": "link-types", "apiName": "customerOrders"},
            {"op": "delete", "kind": "object-types", "apiName": "Customer"}]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201
    # Meanwhile dev gains a second link to Customer.
    second = link_type("customerInvoices", target={"objectType": "Order",
                                                   "linkApiName": "billedTo"})  # fmt: skip
    second["source"] = {"objectType": "Customer", "linkApiName": "invoices"}
    assert curator.post(url("link-types"), second, format="json").status_code == 201
    before, events = head(), AuditEvent.objects.count()
    merged = curator.post("/api/v1/branches/dev/merge/", {"source": "a"}, format="json")
    assert merged.status_code == 409, merged.json()
    assert merged.json()["referrers"] == ["link-types/customerInvoices"]
    assert head() == before
    assert AuditEvent.objects.count() == events


def test_an_import_is_schema_checked_like_the_api(curator, dev):
    before = head()
    response = curator.post(
        "/api/v1/branches/dev/import/",
        bundle(element("groups", {"apiName": "Fine"}), element("groups", {"apiName": 5})),
        format="json",
    )
    assert response.status_code == 400
    assert head() == before


def test_only_the_pipeline_calls_the_stores_write_methods():
    """Nothing outside ``ontology/pipeline.py`` (and the stores themselves) writes a store."""
    offenders = []
    for package in ("ontology", "branches", "history", "integrations", "oms_project"):
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if relative == "ontology/pipeline.py" or relative.startswith("ontology/storage/"):
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in STORE_WRITES
                    and "store" in ast.unparse(node.func.value).lower()
                ):
                    offenders.append(f"{relative}:{node.lineno} {ast.unparse(node.func)}")
    assert offenders == []


def test_the_import_command_is_schema_checked_and_changes_nothing_on_refusal(dev, tmp_path):
    path = tmp_path / "bad.json"
    bad = bundle(element("groups", {"apiName": "Fine"}), element("groups", {"status": 3}))
    path.write_text(json.dumps(bad))
    before, events = head(), AuditEvent.objects.count()
    with pytest.raises(CommandError, match=r"\$\.elements\[1\]\.status"):
        call_command("ontology_import", str(path), "--branch", "dev")
    assert (head(), AuditEvent.objects.count()) == (before, events)


def test_the_import_command_deletes_through_the_same_referrer_rule(linked, tmp_path):
    kept = [e for e in bundle_export(branch="dev")["elements"] if e["apiName"] != "Customer"]
    path = tmp_path / "replace.json"
    path.write_text(json.dumps(bundle(*kept)))
    with pytest.raises(CommandError, match="element_referenced"):
        call_command("ontology_import", str(path), "--branch", "dev", "--mode", "replace")
    without_link = [e for e in kept if e["apiName"] != "customerOrders"]
    path.write_text(json.dumps(bundle(*without_link)))
    call_command("ontology_import", str(path), "--branch", "dev", "--mode", "replace")
    assert sorted(d["apiName"] for d in get_store().list("dev")) == ["Order"]
