"""An application checks a submission of the example's action types before it submits, and
sees the edits it would make (issue 18): every problem at once, with paths; nothing written."""

from __future__ import annotations

import pytest

from ontology.storage import get_store
from tests.actions.conftest import action_url, client_of, person

pytestmark = pytest.mark.django_db

SHIPMENT = {"shipmentId": "S-1", "orderId": "O-1", "carrierId": "C-1", "trackingId": "T-1",
            "weightKg": 12.5}  # fmt: skip


def check(client, name: str, parameters, what: str = "validate", at: str = ""):  # type: ignore[no-untyped-def]
    query = f"?at={at}" if at else ""
    return client.post(action_url(name, what) + query, {"parameters": parameters}, format="json")


def problems(response) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(p["path"], p["code"]) for p in response.json()["problems"]}


def test_a_valid_submission_is_valid(operator, logistics):
    response = check(operator, "createShipment", SHIPMENT)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["valid"], body["problems"]) == (True, [])
    assert body["commit"] == get_store().branch_head("main") and body["actionVersion"]


def test_every_problem_is_answered_at_once_with_its_path(operator, logistics):
    response = check(operator, "createShipment",
                     {"shipmentId": 7, "carrierId": "C-1", "trackingId": None, "weightKg": -1,
                      "colour": "red"})  # fmt: skip
    assert response.status_code == 200
    assert response.json()["valid"] is False
    assert problems(response) == {
        ("$.parameters.shipmentId", "type"),  # a number where a string is declared
        ("$.parameters.orderId", "required"),
        ("$.parameters.trackingId", "required"),  # null is no value
        ("$.parameters.colour", "unknown_parameter"),
        ("$.parameters.weightKg", "value_type"),  # Shipment.weightKg is a Weight: 0..60000
        ("$.parameters.weightKg", "criterion"),  # "A shipment weighs something."
    }


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ({"shipment": 12, "vehicle": "V-1"}, ("$.parameters.shipment", "object_reference")),
        ({"shipment": "S-1"}, ("$.parameters.vehicle", "required")),
    ],
)
def test_object_references_take_the_primary_key_type(operator, logistics, parameters, expected):
    response = check(operator, "assignShipmentToVehicle", parameters)
    assert problems(response) == {expected}


def test_allowed_values_and_data_types(operator, logistics):
    wrong = check(operator, "cancelOrder", {"order": "O-1", "reason": "bored"})
    assert problems(wrong) == {("$.parameters.reason", "not_allowed")}
    late = check(operator, "markShipmentDelivered",
                 {"shipment": "S-1", "deliveredAt": "2026-12-06 10:00"})  # fmt: skip
    assert problems(late) == {("$.parameters.deliveredAt", "type")}  # no T, no time zone
    good = check(operator, "markShipmentDelivered",
                 {"shipment": "S-1", "deliveredAt": "2026-12-06T10:00:00Z"})  # fmt: skip
    assert good.json()["valid"] is True


def test_the_criteria_see_the_caller_as_current_user(operator, logistics, curator_writes):
    curator_writes("cancelOrder", submissionCriteria=[
        {"parameter": "currentUser.roles", "operator": "in", "value": ["admin"],
         "description": "Only admins cancel orders."}])  # fmt: skip
    refused = check(operator, "cancelOrder", {"order": "O-1", "reason": "customer request"})
    assert problems(refused) == {("$.currentUser", "criterion")}
    admin = client_of(person("ann", "admin"))
    assert check(admin, "cancelOrder", {"order": "O-1", "reason": "customer request"}).json()[
        "valid"
    ]


def test_the_preview_resolves_every_mapping(operator, logistics):
    response = check(operator, "assignShipmentToVehicle", {"shipment": "S-1", "vehicle": "V-9"},
                     what="preview")  # fmt: skip
    assert response.status_code == 200, response.json()
    assert response.json()["edits"] == [
        {"type": "createLink", "linkType": "shipmentVehicle",
         "source": {"objectType": "Shipment", "primaryKey": "S-1"},
         "target": {"objectType": "Vehicle", "primaryKey": "V-9"}},
        {"type": "modifyObject", "objectType": "Shipment", "primaryKey": "S-1",
         "properties": {"status": "assigned"}},
    ]  # fmt: skip
    created = check(operator, "createShipment", SHIPMENT, what="preview").json()["edits"]
    assert created == [{"type": "createObject", "objectType": "Shipment", "primaryKey": "S-1",
                        "properties": {**SHIPMENT, "status": "planned"}}]  # fmt: skip


def test_a_preview_of_an_invalid_submission_is_400_with_every_problem(operator, logistics):
    head = get_store().branch_head("main")
    response = check(operator, "createShipment", {"weightKg": "heavy"}, what="preview")
    assert response.status_code == 400
    assert response.json()["code"] == "action_invalid"
    assert len(response.json()["errors"]) == 5  # four required, one type
    assert get_store().branch_head("main") == head


def test_validation_reads_the_action_type_at_a_commit(operator, logistics, curator_writes):
    before = get_store().branch_head("main")
    curator_writes("cancelOrder", parameters=[
        {"apiName": "order", "dataType": {"type": "objectReference", "objectType": "Order"}},
        {"apiName": "reason", "dataType": {"type": "string"}, "required": False}])  # fmt: skip
    now = check(operator, "cancelOrder", {"order": "O-1", "reason": "bored"})
    then = check(operator, "cancelOrder", {"order": "O-1", "reason": "bored"}, at=before)
    assert now.json()["valid"] is True
    assert problems(then) == {("$.parameters.reason", "not_allowed")}
    assert then.json()["commit"] == before


def test_an_unknown_action_is_404_and_a_viewer_may_check(logistics):
    viewer = client_of(person("vic", "viewer"))
    assert check(viewer, "noSuchAction", {}).status_code == 404
    assert check(viewer, "cancelOrder", {"order": "O-1"}).status_code == 200


@pytest.fixture
def curator_writes(logistics):  # type: ignore[no-untyped-def]
    """Change an action type on main (protected: through the system's own door; breaking
    changes allowed, these tests are not about compatibility)."""
    from branches.models import BranchPolicy
    from integrations.user_service.principal import SYSTEM
    from ontology.services import Operation, elements_commit

    BranchPolicy.objects.update_or_create(branch="main", defaults={"compatibility_mode": "NONE"})

    def write(name: str, **changes) -> None:  # type: ignore[no-untyped-def]
        elements_commit(
            branch="main", actor=SYSTEM, message=f"change {name}",
            operations=[Operation("patch", "action-types", api_name=name, body=changes)],
        )  # fmt: skip

    return write
