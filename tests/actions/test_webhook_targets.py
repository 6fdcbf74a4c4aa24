"""Where webhooks may go (issue 18): an action type whose webhook the allow-list does not admit
is refused when saved, through every door; a webhook whose host resolves to a non-public
address is never called unless the allow-list names that host."""

from __future__ import annotations

import pytest

from actions.models import Submission
from branches.models import BranchPolicy
from integrations.user_service.principal import SYSTEM
from ontology.exceptions import InvalidElement
from ontology.services import Operation, elements_commit
from tests.actions.conftest import SECRET, SHIPMENT, run_to_the_end, submit
from tests.actions.webhook_peer import WebhookPeer

pytestmark = pytest.mark.django_db

ACTION = {
    "apiName": "pingPartner",
    "parameters": [
        {"apiName": "order", "dataType": {"type": "objectReference", "objectType": "Order"}}
    ],
    "rules": [{"type": "modifyObject", "object": "order"}],
}


def action_with(url: str) -> dict:
    return {**ACTION, "sideEffects": [{"type": "webhook", "url": url}]}


@pytest.mark.parametrize(
    ("allow", "url", "reason"),
    [
        (["*"], "http://10.0.0.7/hook", "not a public address"),
        (["*"], "http://127.0.0.1:9/hook", "not a public address"),
        (["*"], "http://[::1]/hook", "not a public address"),
        (["*"], "http://169.254.169.254/latest/meta-data", "not a public address"),
        (["*.example.com"], "https://partner.test/hook", "not in the webhook allow-list"),
        (["https://hooks.example.com/oms/"], "https://hooks.example.com/other", "allow-list"),
        (["*"], "ftp://hooks.example.com/x", "http or https"),
        (["*"], "https://user:pw@hooks.example.com/x", "no credentials"),
    ],
)
def test_a_webhook_the_allow_list_does_not_admit_is_refused_when_saved(
    operator, logistics, settings, allow, url, reason
):
    settings.OMS_ACTION_WEBHOOK_ALLOW = allow
    operator.post("/api/v1/branches/", {"name": "dev", "from": "main"}, format="json")
    response = operator.post("/api/v1/branches/dev/action-types/", action_with(url), format="json")
    assert response.status_code == 400, response.json()
    (error,) = response.json()["errors"]
    assert error["path"] == "$.sideEffects[0].url" and reason in error["message"]
    with pytest.raises(InvalidElement):  # the service door (imports, migrations, the admin)
        create = Operation("create", "action-types", body=action_with(url))
        elements_commit(branch="dev", actor=SYSTEM, message="x", operations=[create])


def test_an_admitted_webhook_is_saved(operator, logistics, settings):
    settings.OMS_ACTION_WEBHOOK_ALLOW = ["*.example.com", "http://10.0.0.7/hook"]
    operator.post("/api/v1/branches/", {"name": "dev", "from": "main"}, format="json")
    for url in ("https://hooks.example.com/x", "http://10.0.0.7/hook"):
        body = {**action_with(url), "apiName": f"ping{len(url)}"}
        created = operator.post("/api/v1/branches/dev/action-types/", body, format="json")
        assert created.status_code == 201, created.json()


@pytest.mark.parametrize(("named", "state"), [(False, "failed"), (True, "succeeded")])
def test_a_host_resolving_to_loopback_is_called_only_when_named(
    operator, logistics, settings, named, state
):
    peer = WebhookPeer(SECRET).start()
    try:
        url = f"http://localhost:{peer.port}/hooks/shipments"
        settings.OMS_ACTION_WEBHOOK_ALLOW = [f"localhost:{peer.port}"] if named else ["*"]
        settings.OMS_ACTION_SECRETS = {"createShipment": SECRET}
        BranchPolicy.objects.update_or_create(branch="main",
                                              defaults={"compatibility_mode": "NONE"})  # fmt: skip
        elements_commit(branch="main", actor=SYSTEM, message="point at localhost",
                        operations=[Operation("patch", "action-types", api_name="createShipment",
                                              body={"sideEffects": [{"type": "webhook",
                                                                     "url": url}]})])  # fmt: skip
        submission_id = submit(operator, "createShipment", SHIPMENT).json()["id"]
        done: Submission = run_to_the_end(submission_id)
    finally:
        peer.stop()
    assert done.state == state
    if not named:
        assert "127.0.0.1" in done.effects[0]["lastError"] and not peer.received
        assert done.effects[0]["attempts"] == 1  # refused for good, not retried
    else:
        assert len(peer.received) == 1 and peer.received[0]["signed"]
