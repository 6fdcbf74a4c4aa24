"""Submissions under concurrency, on PostgreSQL with real threads (issue 18): retries racing
with one Idempotency-Key record one submission; workers racing on one submission send its
webhook once and finish it once."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from actions.models import Submission
from actions.services import submission_dispatch
from ontology.examples import example_ontology_load
from ontology.storage import get_store
from tests.actions.conftest import SHIPMENT, client_of, person, submit, transitions
from tests.storage.conftest import STORE_DATABASES

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(databases=STORE_DATABASES,
                                                          transaction=True)]  # fmt: skip


@pytest.fixture
def logistics(on_postgres, settings):  # type: ignore[no-untyped-def]
    """``main`` with the logistics example, on PostgreSQL (overrides the SQLite one)."""
    settings.OMS_STORAGES = {
        "default": {"BACKEND": "ontology.storage.sql.SQLStore", "OPTIONS": {"using": "default"}}
    }
    get_store().initialize()
    example_ontology_load()
    return "main"


def in_threads(count: int, job) -> None:  # type: ignore[no-untyped-def]
    def run() -> None:
        try:
            job()
        finally:
            connections.close_all()  # each thread's own connection

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)


def test_retries_racing_with_one_key_record_one_submission(peer):
    answers: list[int] = []
    in_threads(6, lambda: answers.append(
        submit(client_of(person("olga", "editor")), "createShipment", SHIPMENT, key="raced")
        .status_code))  # fmt: skip
    assert sorted(answers).count(201) == 1 and set(answers) == {200, 201}, answers
    assert Submission.objects.filter(idempotency_key="raced").count() == 1


def test_workers_racing_on_one_submission_send_once_and_finish_once(peer):
    peer.plan, peer.slow = ["slow"], 0.3
    submission_id = submit(client_of(person("olga", "editor")), "createShipment",
                           SHIPMENT).json()["id"]  # fmt: skip
    in_threads(4, lambda: submission_dispatch(submission_id))
    assert Submission.objects.get(id=submission_id).state == "succeeded"
    assert len(peer.received) == 1
    assert transitions(submission_id).count("oms.action.succeeded") == 1
