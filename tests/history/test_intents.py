"""With the TerminusDB store the commit and the outbox are two systems: a crash between them
neither loses an event nor announces a change that did not happen."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from history.models import AuditEvent, CommitIntent
from history.services import intents_reconcile
from integrations.user_service.principal import SYSTEM
from ontology.index import maintain
from ontology.index.models import IndexState
from ontology.services import Operation, elements_commit
from ontology.signals import commit_created
from ontology.storage import get_store
from ontology.storage.terminusdb import TerminusDBStore
from tests.fake_terminusdb import FakeTerminusDB

pytestmark = pytest.mark.django_db


class Crash(Exception):
    """The process dies here."""


@pytest.fixture
def terminus(settings) -> Iterator[TerminusDBStore]:
    server = FakeTerminusDB().start()
    settings.OMS_STORAGES = {
        "default": {
            "BACKEND": "ontology.storage.terminusdb.TerminusDBStore",
            "OPTIONS": {"url": server.url, "db": f"oms_{uuid.uuid4().hex[:8]}"},
        }
    }
    store = get_store()
    store.initialize()
    store.create_branch("dev", start="main")
    maintain.sync(store, "main")
    maintain.sync(store, "dev")
    yield store
    server.stop()


def write() -> None:
    elements_commit(
        branch="dev", actor=SYSTEM, message="add a group",
        operations=[Operation("create", "groups", body={"apiName": "Sales"})],
    )  # fmt: skip


def test_a_normal_write_closes_its_intent_with_its_events(terminus):
    write()
    (intent,) = CommitIntent.objects.all()
    assert (intent.state, intent.commit) == (CommitIntent.DONE, terminus.resolve("dev"))
    assert AuditEvent.objects.filter(type="oms.group.created", commit=intent.commit).count() == 1
    assert f"OMS-Intent: {intent.id}" in terminus.get_commit(intent.commit).message


def test_a_crash_before_the_store_commit_announces_nothing(terminus, monkeypatch):
    head = terminus.resolve("dev")

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise Crash

    monkeypatch.setattr(TerminusDBStore, "commit", crash)
    with pytest.raises(Crash):
        write()
    (intent,) = CommitIntent.objects.all()
    assert intent.state == CommitIntent.OPEN
    assert intents_reconcile(grace=0) == {"announced": 0, "abandoned": 1}
    intent.refresh_from_db()
    assert intent.state == CommitIntent.ABANDONED
    assert terminus.resolve("dev") == head
    assert not AuditEvent.objects.filter(type="oms.group.created").exists()


def test_a_crash_after_the_store_commit_is_announced_by_the_sweep(terminus):
    def crash(**kwargs):  # type: ignore[no-untyped-def]
        raise Crash

    commit_created.connect(crash, dispatch_uid="crash-after-commit")
    try:
        with pytest.raises(Crash):
            write()
    finally:
        commit_created.disconnect(dispatch_uid="crash-after-commit")
    committed = terminus.resolve("dev")
    assert not AuditEvent.objects.filter(type="oms.group.created").exists()
    assert intents_reconcile(grace=0) == {"announced": 1, "abandoned": 0}
    (event,) = AuditEvent.objects.filter(type="oms.group.created")
    assert event.commit == committed
    # The index rows the crash left behind caught up with the head too.
    assert IndexState.objects.get(branch="dev").head == committed
    assert maintain.verify(terminus) == []
    assert intents_reconcile(grace=0) == {"announced": 0, "abandoned": 0}  # exactly once
    assert CommitIntent.objects.get().state == CommitIntent.DONE


def test_young_intents_are_left_alone(terminus, monkeypatch):
    monkeypatch.setattr(TerminusDBStore, "commit", lambda *a, **k: (_ for _ in ()).throw(Crash()))
    with pytest.raises(Crash):
        write()
    assert intents_reconcile(grace=3600) == {"announced": 0, "abandoned": 0}
