"""A slow Audit Service does not slow API writes (issue 15): while a real Celery worker drains
a backlog of 100 events to a receiver that takes 2 s per batch (inside its 3 s timeout), API
writes keep answering 201 within a second, on the embedded set-up (one SQLite file, the
default database) and on PostgreSQL. The deliverer holds a lease, not a database transaction,
while it waits on the receiver."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
import requests

from tests.e2e.peers.audit_service import FakeAuditService
from tests.served import BIN, ROOT, embedded, gunicorn, start, token, wait_for

BACKLOG = 100


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request) -> str:  # type: ignore[no-untyped-def]
    """The empty database the served set-up uses: its SQLite file, or one on PostgreSQL."""
    return "" if request.param == "sqlite" else request.getfixturevalue("postgres_database")


def test_writes_keep_their_latency_while_a_slow_receiver_drains(tmp_path, database_url):
    audit = FakeAuditService().start()
    env = embedded(tmp_path, database_url)
    env.update(OMS_THROTTLE_WRITES="", OMS_LOG_LEVEL="WARNING", OMS_AUDIT_BATCH_SIZE="25",
               OMS_AUDIT_TIMEOUT="3", OMS_AUDIT_SWEEP_INTERVAL="1")  # fmt: skip
    subprocess.run([sys.executable, "manage.py", "demo_setup"], cwd=ROOT, env=env, check=True,
                   capture_output=True)  # fmt: skip
    passwords = json.loads((tmp_path / "demo-passwords.json").read_text())
    with gunicorn(env, tmp_path / "web.log") as url:
        headers = {"Authorization": f"Bearer {token(url, 'admin', passwords['admin'])}"}
        api = f"{url}/api/v1"
        created = requests.post(f"{api}/branches/", json={"name": "dev", "from": "main"},
                                headers=headers, timeout=10)  # fmt: skip
        assert created.status_code == 201
        for index in range(BACKLOG):  # the backlog, written before anything delivers
            answer = requests.post(f"{api}/branches/dev/groups/", json={"apiName": f"B{index}"},
                                   headers=headers, timeout=10)  # fmt: skip
            assert answer.status_code == 201
        audit.delay = 2.0  # each batch of 25 takes 2 s to be answered
        worker_env = {**env, "AUDIT_SERVICE_URL": audit.url}
        worker = start([str(BIN / "celery"), "-A", "oms_project", "worker", "--beat",
                        "--pool", "solo", "--loglevel", "WARNING"], worker_env,
                       tmp_path / "worker.log")  # fmt: skip
        try:
            assert wait_for(lambda: len(audit.received) > 0 or audit.batches != [], 30)
            latencies = []
            for index in range(10):  # while the receiver is being slow
                started = time.monotonic()
                answer = requests.post(f"{api}/branches/dev/groups/",
                                       json={"apiName": f"W{index}"}, headers=headers,
                                       timeout=30)  # fmt: skip
                latencies.append(time.monotonic() - started)
                assert answer.status_code == 201, answer.text
            assert max(latencies) < 1.0, latencies
            assert wait_for(lambda: len(audit.events) >= BACKLOG + 10 + 1, 120), (
                tmp_path / "worker.log"
            ).read_text()[-2000:]
        finally:
            worker.terminate()
            worker.wait(30)
            audit.stop()
