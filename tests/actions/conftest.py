"""The example ontology on ``main`` and clients for the action service's tests."""

from __future__ import annotations

import time

import pytest
from rest_framework.test import APIClient

from actions.models import Submission
from actions.services import submission_dispatch
from history.models import AuditEvent
from integrations.user_service.principal import SYSTEM, Principal, scopes_for
from ontology.examples import example_ontology_load
from ontology.services import Operation, elements_commit
from tests.actions.webhook_peer import WebhookPeer

SECRET = "a-webhook-secret-for-tests"


def person(name: str, *roles: str) -> Principal:
    return Principal(
        id=f"u-{name}", username=name, roles=frozenset(roles), scopes=scopes_for(frozenset(roles))
    )


def client_of(principal: Principal) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=principal)
    return client


@pytest.fixture
def logistics(main_branch) -> str:  # type: ignore[no-untyped-def]
    """``main`` with the logistics example."""
    example_ontology_load()
    return "main"


@pytest.fixture
def operator() -> APIClient:
    """An editor: may read the ontology and submit actions."""
    return client_of(person("olga", "editor"))


def action_url(name: str, what: str, branch: str = "main") -> str:
    return f"/api/v1/branches/{branch}/action-types/{name}/{what}/"


SHIPMENT = {
    "shipmentId": "S-1",
    "orderId": "O-1",
    "carrierId": "C-1",
    "trackingId": "T-1",
    "weightKg": 12.5,
}


@pytest.fixture
def peer(settings, logistics):  # type: ignore[no-untyped-def]
    """A webhook peer the example's webhooks point at (the allow-list names it)."""
    receiver = WebhookPeer(SECRET).start()
    settings.OMS_ACTION_WEBHOOK_ALLOW = [f"{receiver.url}/"]
    settings.OMS_ACTION_SECRETS = {"createShipment": SECRET, "markShipmentDelivered": SECRET}
    settings.OMS_ACTION_WEBHOOK_TIMEOUT = 0.5
    settings.OMS_ACTION_BACKOFF_BASE = 0.01
    settings.OMS_ACTION_MAX_ATTEMPTS = 4
    for name, index in (("createShipment", 0), ("markShipmentDelivered", 1)):
        _point_webhook(name, index, f"{receiver.url}/hooks/{name}")
    yield receiver
    receiver.stop()


def _point_webhook(name: str, index: int, url: str) -> None:
    from ontology import selectors

    action = selectors.element_get(
        catalog=selectors.catalog_at(branch="main"), kind="action-types", api_name=name
    )
    effects = [dict(e) for e in action["sideEffects"]]
    effects[index]["url"] = url
    elements_commit(
        branch="main",
        actor=SYSTEM,
        message=f"point {name} at the peer",
        operations=[
            Operation("patch", "action-types", api_name=name, body={"sideEffects": effects})
        ],
    )


def submit(client, name: str, parameters: dict, key: str = "k-1"):  # type: ignore[no-untyped-def]
    return client.post(
        action_url(name, "submissions"),
        {"parameters": parameters},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def run_to_the_end(submission_id: str, limit: float = 20.0) -> Submission:
    """What the worker does: dispatch whenever a try is due, until the submission finishes."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        submission_dispatch(submission_id)
        submission = Submission.objects.get(id=submission_id)
        if submission.state not in Submission.OPEN:
            return submission
        time.sleep(0.02)
    raise AssertionError(f"{submission_id} still {submission.state}")


def transitions(submission_id: str) -> list[str]:
    return list(
        AuditEvent.objects.filter(subject=f"action-submissions/{submission_id}")
        .order_by("sequence")
        .values_list("type", flat=True)
    )
