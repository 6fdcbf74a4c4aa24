"""Every change writes its audit events in its own transaction; delivery is at least once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from history.models import AuditEvent
from history.services import audit_events_deliver
from integrations.user_service.principal import SYSTEM
from ontology.services import Operation, elements_commit
from tests.e2e.peers.audit_service import FakeAuditService
from tests.ontology.conftest import client_for, object_type, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit(settings) -> Iterator[FakeAuditService]:
    """A running fake Audit Service; delivery is driven by calling the service directly."""
    service = FakeAuditService().start()
    settings.AUDIT_SERVICE_URL = service.url
    settings.OMS_AUDIT_TIMEOUT = 0.3
    settings.OMS_AUDIT_BACKOFF_BASE = 0.0
    settings.CELERY_TASK_ALWAYS_EAGER = False
    yield service
    service.stop()


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """These tests call delivery themselves; enqueueing is covered by the worker test."""
    monkeypatch.setattr("history.tasks.audit_deliver.delay", lambda *a, **k: None)


def add_group(name: str) -> None:
    """One commit on dev creating one group (one event)."""
    elements_commit(
        branch="dev", actor=SYSTEM, message=f"add {name}",
        operations=[Operation("create", "groups", body={"apiName": name})],
    )  # fmt: skip


def events(**filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters).order_by("sequence"))


def test_element_writes_announce_created_updated_renamed_deleted(curator, dev):
    created = curator.post(url("object-types"), object_type(), format="json")
    curator.patch(url("object-types", "Customer"), {"description": "x"}, format="json")
    curator.patch(url("object-types", "Customer"), {"apiName": "Client"}, format="json")
    curator.delete(url("object-types", "Client"))
    found = events(subject__startswith="object-types/")
    assert [e.type for e in found] == [
        "oms.objectType.created", "oms.objectType.updated", "oms.objectType.renamed",
        "oms.objectType.deleted",
    ]  # fmt: skip
    first = found[0]
    assert first.commit == created["X-Commit-Id"]
    assert first.data["elementId"] == created.json()["id"]
    assert first.data["actor"]["username"] == "editor"
    assert first.data["requestId"] == created["X-Request-ID"]
    assert first.data["clientAddress"] == "127.0.0.1"
    assert found[1].data["changes"][0]["path"] == "$.description"
    assert found[2].data["previousApiName"] == "Customer"


def test_event_ids_are_stable_per_commit_and_element(curator, dev):
    response = curator.post(url("object-types"), object_type(), format="json")
    from history.events import stable_id

    (event,) = events(type="oms.objectType.created")
    assert event.id == stable_id(response["X-Commit-Id"], response.json()["id"])


def test_a_rolled_back_change_writes_no_event(dev):
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        elements_commit(
            branch="dev", actor=SYSTEM, message="doomed",
            operations=[Operation("create", "groups", body={"apiName": "Doomed"})],
        )  # fmt: skip
        raise RuntimeError("the request fails after the commit")
    assert AuditEvent.objects.count() == before


def test_a_refused_write_writes_no_event(curator, dev):
    before = AuditEvent.objects.count()
    assert (
        curator.post(url("object-types"), object_type(primaryKey="nope"), format="json").status_code
        == 422
    )
    assert AuditEvent.objects.count() == before


def test_branch_and_proposal_operations_are_announced(curator, dev):
    curator.post("/api/v1/branches/", {"name": "f", "from": "dev"})
    proposal = curator.post("/api/v1/proposals/", {"source": "f", "target": "dev", "title": "t"})
    curator.post(f"/api/v1/proposals/{proposal.json()['id']}/close/")
    types = [e.type for e in events()]
    assert "oms.branch.created" in types
    assert types[-2:] == ["oms.proposal.opened", "oms.proposal.closed"]


def test_pending_events_are_delivered_in_order_as_cloudevents(audit, dev):
    for name in ("A", "B", "C"):
        add_group(name)
    report = audit_events_deliver()
    assert report.delivered == 3
    assert [audit.events[i]["subject"] for i in audit.arrivals] == [
        "groups/A",
        "groups/B",
        "groups/C",
    ]
    event = audit.events[audit.arrivals[0]]
    assert event["specversion"] == "1.0"
    assert event["type"] == "oms.group.created"
    assert event["source"] == "/oms"
    assert event["omsbranch"] == "dev"
    assert all(e.state == AuditEvent.DELIVERED for e in events())


def test_a_server_error_backs_off_and_a_later_run_delivers(audit, dev, settings):
    settings.OMS_AUDIT_BACKOFF_BASE = 60.0
    add_group("G")
    audit.fail_status = 500
    report = audit_events_deliver()
    assert (report.delivered, report.failed) == (0, 1)
    (event,) = events()
    assert (event.state, event.attempts) == (AuditEvent.PENDING, 1)
    assert event.next_attempt_at > timezone.now()
    assert "500" in event.last_error
    audit.fail_status = None
    assert audit_events_deliver().delivered == 0  # not due yet
    AuditEvent.objects.update(next_attempt_at=timezone.now())
    assert audit_events_deliver().delivered == 1


def test_an_unreachable_service_never_dead_letters_and_says_so_past_the_attempts(
    audit, dev, settings, caplog
):
    settings.OMS_AUDIT_MAX_ATTEMPTS = 2
    add_group("G")
    audit.stop()
    for _ in range(3):
        audit_events_deliver()
        AuditEvent.objects.update(next_attempt_at=None)
    (event,) = events()
    assert (event.state, event.attempts) == (AuditEvent.PENDING, 3)
    assert "still failing after 3 attempts" in caplog.text


def test_a_400_dead_letters_only_the_rejected_event_at_once(audit, dev):
    for name in ("A", "B", "C"):
        add_group(name)
    poison = events()[1]
    audit.reject_ids = {str(poison.id)}
    report = audit_events_deliver()
    assert (report.delivered, report.dead) == (2, 1)
    poison.refresh_from_db()
    assert (poison.state, poison.attempts) == (AuditEvent.DEAD, 0)
    # The receiver is fixed; the dead letter is re-driven and arrives exactly once.
    audit.reject_ids = set()
    call_command("audit_redeliver", "--now")
    poison.refresh_from_db()
    assert poison.state == AuditEvent.DELIVERED
    assert audit.received[str(poison.id)] == 1
    assert set(audit.received.values()) == {1}


def test_without_an_audit_service_events_are_kept_and_visible(dev, settings):
    settings.AUDIT_SERVICE_URL = ""
    add_group("G")
    assert audit_events_deliver().delivered == 0
    assert events()[-1].state == AuditEvent.PENDING
    listed = client_for("admin").get("/api/v1/audit-events/?type=oms.group.created").json()
    assert listed["results"][0]["event"]["subject"] == "groups/G"
    assert listed["results"][0]["state"] == "pending"


def test_audit_events_need_the_audit_read_scope(dev):
    assert client_for("editor").get("/api/v1/audit-events/").status_code == 403
    assert client_for("admin").get("/api/v1/audit-events/").status_code == 200


def test_audit_events_page_by_sequence(dev):
    for name in ("A", "B", "C"):
        add_group(name)
    admin = client_for("admin")
    query = "/api/v1/audit-events/?limit=2&type=oms.group.created"
    first = admin.get(query).json()
    rest = admin.get(f"{query}&cursor={first['next']}").json()
    subjects = [e["event"]["subject"] for e in first["results"] + rest["results"]]
    assert subjects == ["groups/C", "groups/B", "groups/A"]  # newest first
    assert rest["next"] is None and first["count"] is None

    forward = admin.get(f"{query}&order=oldest").json()
    after = forward["results"][0]["sequence"]
    tail = admin.get(f"{query}&order=oldest&after={after}").json()
    assert [e["event"]["subject"] for e in tail["results"]] == ["groups/B", "groups/C"]
    assert admin.get(f"{query}&cursor=bm90LWEtY3Vyc29y").status_code == 400


def test_the_backlog_is_a_prometheus_gauge(client, dev):
    add_group("G")
    body = client.get("/metrics").content.decode()
    assert 'oms_audit_events{state="pending"}' in body
    assert "oms_audit_delivery_failures_total" in body


def test_refused_service_credentials_keep_events_pending_until_they_are_fixed(audit, dev, settings):
    from tests.e2e.peers.user_service import FakeUserService

    users = FakeUserService().start()
    try:
        settings.USER_SERVICE_URL = users.url
        settings.OMS_SERVICE_CLIENT_ID = "oms"
        settings.OMS_SERVICE_CLIENT_SECRET = "rotated-away"
        add_group("G")
        report = audit_events_deliver()
        (event,) = events()
        assert event.state == AuditEvent.PENDING and report.dead == 0
        assert "credentials" in event.last_error.lower() or "token" in event.last_error
        assert audit.events == {}  # the Audit Service never saw it
        from django.test import Client

        probe = Client().get("/health/ready").json()
        assert "service credentials" in probe["warnings"]["audit_delivery"]
        settings.OMS_SERVICE_CLIENT_SECRET = "oms-secret"  # an operator fixes the secret
        AuditEvent.objects.update(next_attempt_at=None)
        audit_events_deliver()
        (event,) = events()
        assert event.state == AuditEvent.DELIVERED and list(audit.received.values()) == [1]
    finally:
        users.stop()
