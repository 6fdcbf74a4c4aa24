"""End to end: a real Celery worker on the Redis broker delivers 1,000 changes' events to a
real HTTP Audit Service that is down, slow and failing in turns; every change arrives exactly
once by id, in per-branch commit order, and nothing else arrives."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connections

from history.models import AuditEvent
from integrations.user_service.principal import Principal
from oms_project.celery import app as celery_app
from ontology.services import Operation, elements_commit
from ontology.storage import get_store
from tests.e2e.peers.audit_service import FakeAuditService
from tests.served import TEST_KEY
from tests.storage.conftest import STORE_DATABASES

ROOT = Path(__file__).resolve().parents[2]
CLIENTS, CHANGES_EACH = 8, 125  # 1,000 changes
BROKER_DB = 13


@pytest.fixture
def broker(redis_cache_alias) -> str:  # type: ignore[no-untyped-def]
    """A Redis database of its own for the broker, emptied before and after."""
    import redis

    url = f"redis://127.0.0.1:6379/{BROKER_DB}"
    redis.Redis.from_url(url).flushdb()
    yield url
    redis.Redis.from_url(url).flushdb()


@pytest.fixture
def worker(on_postgres, broker, settings, tmp_path) -> Iterator[FakeAuditService]:  # noqa: F811
    """The Audit Service (fake, real HTTP) and a Celery worker + beat delivering to it."""
    audit = FakeAuditService().start()
    database = django_settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "oms_project.settings",
        "OMS_SECRET_KEY": TEST_KEY,
        "OMS_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
        "REDIS_URL": "redis://127.0.0.1:6379/12",
        "CELERY_BROKER_URL": broker,
        "AUDIT_SERVICE_URL": audit.url,
        "OMS_AUDIT_TIMEOUT": "0.5",
        "OMS_AUDIT_BACKOFF_BASE": "0.05",
        "OMS_AUDIT_BACKOFF_MAX": "0.5",
        "OMS_AUDIT_MAX_ATTEMPTS": "1000",
        "OMS_AUDIT_SWEEP_INTERVAL": "1",
        "OMS_LOG_LEVEL": "WARNING",
    }
    settings.AUDIT_SERVICE_URL = audit.url
    celery_app.conf.broker_url = broker  # enqueue-on-commit goes to the same broker
    celery_app.pool.force_close_all()
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "oms_project", "worker", "--beat",
         "--concurrency", "2", "--loglevel", "WARNING",
         "--schedule", str(tmp_path / "beat-schedule")],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield audit
    finally:
        process.terminate()
        process.wait(30)
        audit.stop()
        celery_app.conf.broker_url = django_settings.CELERY_BROKER_URL
        celery_app.pool.force_close_all()


def write_changes(number: int, failures: list[BaseException]) -> None:
    actor = Principal(id=f"c{number}", username=f"client{number}")
    branch = f"b{number % 2}"
    try:
        for n in range(CHANGES_EACH):
            elements_commit(
                branch=branch, actor=actor, message=f"{number}/{n}",
                operations=[Operation("create", "groups", body={"apiName": f"G{number}x{n}"})],
            )  # fmt: skip
    except BaseException as exc:  # noqa: BLE001 - the main thread fails the test with it
        failures.append(exc)
    finally:
        connections.close_all()


def turn_the_audit_service(audit: FakeAuditService, stop: threading.Event) -> None:
    """Down, slow (past the timeout), answering 500, then healthy: in turns, while writes run."""
    phases = ["down", "slow", "error", "ok"]
    index = 0
    while not stop.is_set():
        phase = phases[index % len(phases)]
        if phase == "down":
            audit.stop()
        elif not audit.running:
            audit.start()
        audit.delay = 0.8 if phase == "slow" else 0.0
        audit.fail_status = 500 if phase == "error" else None
        index += 1
        stop.wait(1.5)
    if not audit.running:
        audit.start()
    audit.delay, audit.fail_status = 0.0, None


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(databases=STORE_DATABASES, transaction=True)
def test_a_thousand_changes_arrive_exactly_once_in_branch_order(worker, settings):
    settings.OMS_STORAGES = {"default": {"BACKEND": "ontology.storage.sql.SQLStore"}}
    store = get_store()
    store.initialize()
    for branch in ("b0", "b1"):
        store.create_branch(branch, start="main")
    audit = worker
    stop = threading.Event()
    turner = threading.Thread(target=turn_the_audit_service, args=(audit, stop))
    turner.start()
    failures: list[BaseException] = []
    clients = [threading.Thread(target=write_changes, args=(i, failures)) for i in range(CLIENTS)]
    for client in clients:
        client.start()
    for client in clients:
        client.join(300)
    stop.set()
    turner.join(10)
    assert not failures, failures[:3]

    expected = {str(e.id): e for e in AuditEvent.objects.filter(type="oms.group.created")}
    assert len(expected) == CLIENTS * CHANGES_EACH
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not set(expected) <= set(audit.events):
        time.sleep(0.5)
    arrived = {i for i, e in audit.events.items() if e["type"] == "oms.group.created"}
    assert arrived == set(expected), f"missing {len(set(expected) - arrived)}"
    assert set(audit.events) <= {str(i) for i in AuditEvent.objects.values_list("id", flat=True)}
    for branch in ("b0", "b1"):
        order = [audit.events[i]["omssequence"] for i in audit.arrivals
                 if audit.events[i]["omsbranch"] == branch]  # fmt: skip
        assert order == sorted(order), f"{branch} arrived out of order"
    # An event that arrived while the service was being turned off may still be marked
    # pending (its answer was lost): the worker delivers it again, and the id dedupes it.
    while time.monotonic() < deadline and (
        AuditEvent.objects.exclude(state=AuditEvent.DELIVERED).exists()
    ):
        time.sleep(0.5)
    assert AuditEvent.objects.exclude(state=AuditEvent.DELIVERED).count() == 0
    assert max(audit.received.values()) >= 1  # redeliveries happen; the ids dedupe them
