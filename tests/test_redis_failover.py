"""Redis that survives a failover (issue 17): OMS finds its primary through Sentinel for the
cache and the Celery broker. With real processes (gunicorn and a Celery worker with beat, on
PostgreSQL) and three Sentinels watching a primary and two replicas, the primary is killed
while writers keep writing: every answer is 201 or a 503 that changed nothing, every
acknowledged write is there, writes succeed again once a replica is promoted, and the Audit
Service receives every event exactly once."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import psycopg
import pytest
import requests

from tests.e2e.peers.audit_service import FakeAuditService
from tests.ontology.conftest import curator, dev, url  # noqa: F401 - fixtures
from tests.sentinel import sentinel_set, wait_for_new_primary
from tests.served import BIN, ROOT, embedded, gunicorn, start, token, wait_for

WRITERS = 3


@pytest.mark.django_db
def test_a_write_that_meets_a_redis_outage_is_503_and_changes_nothing(
    curator,  # noqa: F811
    dev,  # noqa: F811
    settings,
):
    settings.CACHES = {
        "default": {"BACKEND": "django_redis.cache.RedisCache",
                    "LOCATION": "redis://127.0.0.1:1/0",
                    "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2}}
    }  # fmt: skip
    settings.OMS_THROTTLE_RATES = {**settings.OMS_THROTTLE_RATES, "writes": "100/minute"}
    response = curator.post(url("groups"), {"apiName": "Lost"}, format="json")
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "5"
    problem = response.json()
    assert (problem["code"], problem["status"]) == ("dependency_unavailable", 503)
    assert curator.get(url("groups", "Lost")).status_code == 404


def test_writes_survive_the_primary_being_killed(tmp_path, postgres_database):
    audit = FakeAuditService().start()
    with sentinel_set(tmp_path / "redis") as redis_set:
        env = embedded(tmp_path / "var", postgres_database)
        env.update(REDIS_SENTINELS=redis_set.sentinels, REDIS_SENTINEL_MASTER="oms",
                   REDIS_TIMEOUT="0.5", AUDIT_SERVICE_URL=audit.url, OMS_AUDIT_SWEEP_INTERVAL="1",
                   OMS_THROTTLE_WRITES="100000/minute", OMS_LOG_LEVEL="WARNING")  # fmt: skip
        subprocess.run([sys.executable, "manage.py", "demo_setup"], cwd=ROOT, env=env,
                       check=True, capture_output=True)  # fmt: skip
        passwords = json.loads((tmp_path / "var" / "demo-passwords.json").read_text())
        worker = start([str(BIN / "celery"), "-A", "oms_project", "worker", "--beat",
                        "--concurrency", "1", "--loglevel", "WARNING"], env,
                       tmp_path / "worker.log")  # fmt: skip
        try:
            with gunicorn(env, tmp_path / "web.log") as base:
                headers = {"Authorization": f"Bearer {token(base, 'admin', passwords['admin'])}"}
                api = f"{base}/api/v1"
                requests.post(f"{api}/branches/", json={"name": "ha", "from": "main"},
                              headers=headers, timeout=10).raise_for_status()  # fmt: skip
                outcomes = _write_through_a_failover(api, headers, redis_set)
                created = {name for name, status in outcomes if status == 201}
                names = _names(f"{api}/branches/ha/groups/", headers)
            delivered = wait_for(lambda: _undelivered(postgres_database) == 0, 90)
        finally:
            worker.terminate()
            worker.wait(30)
        statuses = {status for _, status in outcomes}
        assert statuses == {201, 503}, outcomes  # the writers met the failover, nothing else
        assert all(status == 201 for _, status in outcomes[-WRITERS * 3 :]), outcomes[-12:]
        assert created <= names  # nothing acknowledged is lost
        failed = {name for name, status in outcomes if status == 503}
        assert not failed & names  # a refused write changed nothing
        assert delivered, (tmp_path / "worker.log").read_text()[-3000:]
        with psycopg.connect(postgres_database) as connection:
            (events,) = connection.execute("SELECT count(*) FROM history_auditevent").fetchone()
        assert len(audit.events) == events
        assert max(audit.received.values()) == 1  # none delivered twice
    audit.stop()


def _write_through_a_failover(api, headers, redis_set) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    """Writers create groups for a while; the primary is killed two seconds in. The outcomes
    in the order they were answered, and they run until writes have succeeded again."""
    outcomes: list[tuple[str, int]] = []
    lock, stop = threading.Lock(), threading.Event()

    def writer(index: int) -> None:
        session = requests.Session()
        for n in range(10_000):
            if stop.is_set():
                return
            name = f"W{index}x{n}"
            answer = session.post(f"{api}/branches/ha/groups/", json={"apiName": name},
                                  headers=headers, timeout=30)  # fmt: skip
            with lock:
                outcomes.append((name, answer.status_code))
            time.sleep(0.05)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        old = redis_set.kill_primary()
        wait_for_new_primary(redis_set, old)
        before = len(outcomes)
        assert wait_for(lambda: _recovered(outcomes[before:]), 30), outcomes[-20:]
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    return outcomes


def _undelivered(database: str) -> int:
    with psycopg.connect(database) as connection:
        query = "SELECT count(*) FROM history_auditevent WHERE state <> 'delivered'"
        return int(connection.execute(query).fetchone()[0])  # type: ignore[index]


def _names(listing: str, headers: dict[str, str]) -> set[str]:
    """The apiNames of every element of a list, page after page."""
    names: set[str] = set()
    cursor = ""
    while cursor is not None:
        body = requests.get(listing, params={"limit": 100, "cursor": cursor}, headers=headers,
                            timeout=10).json()  # fmt: skip
        names |= {element["apiName"] for element in body["results"]}
        cursor = body["next"]
    return names


def _recovered(after: list[tuple[str, int]]) -> bool:
    return len(after) >= WRITERS * 6 and all(s == 201 for _, s in after[-WRITERS * 3 :])
