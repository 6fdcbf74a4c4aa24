"""Submitting actions (issue 18): recorded once per Idempotency-Key, side effects dispatched
to a webhook peer that is down, slow and failing in turns, each submission finishing once,
every webhook signed, refused addresses never contacted, every transition an audit event."""

from __future__ import annotations

import pytest
from django.core import mail

from actions.models import Submission
from actions.services import due_submissions, submission_dispatch
from branches.models import BranchPolicy
from integrations.user_service.principal import SYSTEM
from ontology.services import Operation, elements_commit
from tests.actions.conftest import (
    SHIPMENT,
    client_of,
    person,
    run_to_the_end,
    submit,
    transitions,
)
from tests.served import wait_for

pytestmark = pytest.mark.django_db


def test_a_submission_is_recorded_with_its_edits_and_succeeds(operator, peer):
    response = submit(operator, "createShipment", SHIPMENT)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["state"], body["submittedBy"], body["actionType"]) == (
        "pending",
        "olga",
        "createShipment",
    )
    assert body["edits"][0]["type"] == "createObject" and body["commit"] and body["actionVersion"]
    done = run_to_the_end(body["id"])
    assert done.state == "succeeded" and done.effects[0]["state"] == "succeeded"
    (request,) = peer.received
    assert request["signed"] and request["body"]["submission"]["id"] == body["id"]
    assert request["body"]["edits"] == body["edits"]
    assert transitions(body["id"]) == [
        "oms.action.submitted",
        "oms.action.dispatched",
        "oms.action.succeeded",
    ]


def test_a_retry_with_the_same_key_never_submits_twice(operator, peer):
    first = submit(operator, "createShipment", SHIPMENT, key="same")
    again = submit(operator, "createShipment", SHIPMENT, key="same")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    other = submit(operator, "createShipment", {**SHIPMENT, "shipmentId": "S-2"}, key="same")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"
    assert Submission.objects.count() == 1
    assert submit(operator, "createShipment", SHIPMENT, key="").status_code == 400


def test_an_invalid_submission_is_400_and_records_nothing(operator, peer):
    response = submit(operator, "createShipment", {"weightKg": 5})
    assert response.status_code == 400 and response.json()["code"] == "action_invalid"
    assert {e["path"] for e in response.json()["errors"]} == {
        "$.parameters.shipmentId",
        "$.parameters.orderId",
        "$.parameters.carrierId",
        "$.parameters.trackingId",
    }
    assert not Submission.objects.exists() and not peer.received


def test_the_receiver_down_slow_and_failing_in_turns_then_answering(operator, peer):
    peer.stop()  # down for the first try
    submission_id = submit(operator, "createShipment", SHIPMENT).json()["id"]
    submission_dispatch(submission_id)
    assert Submission.objects.get(id=submission_id).state == "dispatched"
    peer.start()
    peer.plan, peer.slow = ["slow", 503], 0.8  # slow past the timeout, then failing, then 200
    done = run_to_the_end(submission_id)
    assert done.state == "succeeded"
    assert done.effects[0]["attempts"] == 4  # down, slow, 503, 200
    assert wait_for(lambda: len(peer.received) == 3)  # the slow one answers late, unheard
    assert sorted(r["status"] for r in peer.received) == [200, 200, 503]
    assert all(r["signed"] for r in peer.received)
    assert transitions(submission_id).count("oms.action.succeeded") == 1


def test_a_receiver_that_keeps_failing_ends_the_submission_failed_once(operator, peer):
    peer.plan = [500] * 10
    submission_id = submit(operator, "createShipment", SHIPMENT).json()["id"]
    done = run_to_the_end(submission_id)
    assert done.state == "failed" and done.effects[0]["attempts"] == 4
    assert "500" in done.effects[0]["lastError"] and "500" in done.last_error
    for _ in range(3):  # a late task or the sweep finds nothing more to do
        submission_dispatch(submission_id)
    assert len(peer.received) == 4
    assert transitions(submission_id) == [
        "oms.action.submitted",
        "oms.action.dispatched",
        "oms.action.failed",
    ]
    assert due_submissions() == []


def test_a_refusal_or_a_redirect_fails_at_once_and_the_redirect_is_not_followed(operator, peer):
    peer.plan = [302]
    submission_id = submit(operator, "createShipment", SHIPMENT).json()["id"]
    done = run_to_the_end(submission_id)
    assert done.state == "failed" and done.effects[0]["attempts"] == 1
    assert len(peer.received) == 1  # the Location was not asked


def test_notifications_go_through_the_mail_backend_and_webhooks_too(operator, peer):
    submission_id = submit(
        operator,
        "markShipmentDelivered",
        {"shipment": "S-1", "deliveredAt": "2026-12-06T10:00:00Z"},
    ).json()["id"]
    done = run_to_the_end(submission_id)
    assert done.state == "succeeded"
    assert [e["type"] for e in done.effects] == ["notification", "webhook"]
    (message,) = mail.outbox
    assert message.to == ["customer-service@example.com"]
    assert "markShipmentDelivered" in message.subject and submission_id in message.body
    assert len(peer.received) == 1


def test_who_may_submit(peer, logistics):
    BranchPolicy.objects.update_or_create(branch="main", defaults={"compatibility_mode": "NONE"})
    viewer = client_of(person("vic", "viewer"))
    assert submit(viewer, "createShipment", SHIPMENT).status_code == 403  # no actions:submit
    elements_commit(
        branch="main",
        actor=SYSTEM,
        message="admins only",
        operations=[
            Operation(
                "patch", "action-types", api_name="cancelOrder", body={"submitterRoles": ["admin"]}
            )
        ],
    )
    editor = client_of(person("ed", "editor"))
    refused = submit(editor, "cancelOrder", {"order": "O-1", "reason": "customer request"})
    assert refused.status_code == 403 and refused.json()["code"] == "submission_not_allowed"
    admin = client_of(person("ann", "admin"))
    assert (
        submit(admin, "cancelOrder", {"order": "O-1", "reason": "customer request"}).status_code
        == 201
    )


def test_submissions_are_listed_to_their_submitter_and_to_auditors(operator, peer):
    mine = submit(operator, "createShipment", SHIPMENT).json()["id"]
    other = client_of(person("oscar", "editor"))
    submit(other, "createShipment", {**SHIPMENT, "shipmentId": "S-9"}, key="o-1")
    listed = operator.get("/api/v1/action-submissions/").json()
    assert [s["id"] for s in listed["results"]] == [mine]
    auditor = client_of(person("ann", "admin"))
    assert auditor.get("/api/v1/action-submissions/?state=pending").json()["count"] == 2
    assert other.get(f"/api/v1/action-submissions/{mine}/").status_code == 404
    assert operator.get(f"/api/v1/action-submissions/{mine}/").json()["state"] == "pending"


def test_the_commit_queues_the_dispatch_task_and_the_sweep_finds_what_it_lost(
    operator, peer, settings, django_capture_on_commit_callbacks
):
    from actions.tasks import sweep

    settings.CELERY_TASK_ALWAYS_EAGER = True  # the task runs where it is queued
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(operator, "createShipment", SHIPMENT, key="queued").json()["id"]
    assert Submission.objects.get(id=first).state == "succeeded"  # by actions.dispatch
    settings.CELERY_TASK_ALWAYS_EAGER = False
    lost = submit(operator, "createShipment", {**SHIPMENT, "shipmentId": "S-7"}, key="lost")
    assert Submission.objects.get(id=lost.json()["id"]).state == "pending"  # no task ran
    assert sweep() == 1  # beat's sweep
    assert Submission.objects.get(id=lost.json()["id"]).state == "succeeded"
    assert len(peer.received) == 2
