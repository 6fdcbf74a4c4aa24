"""OMS with the two services it works with, as in production (issue 17): the User Service and
the Audit Service test peers as processes of their own, two OMS app servers, a Celery worker
and one beat (the Procfile's own lines), sharing one PostgreSQL database and Redis.

An editor builds a feature on a branch through server A, a reviewer approves it through server
B, the merge lands; the Audit Service receives every event once, /metrics shows the work, the
admin shows the merged proposal. Then server A and the worker are killed while writers keep
writing: every acknowledged write is kept, and delivery resumes when a worker is back."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
import requests
from prometheus_client.parser import text_string_to_metric_families

from oms_project.serve import procfile_commands
from tests.ontology.conftest import link_type, object_type, order_type
from tests.served import ROOT, embedded, free_port, ready, wait_for
from tests.services import redis_available

REDIS = os.environ.get("OMS_E2E_REDIS_URL", "redis://127.0.0.1:6379/12")
BATCH = 25  # OMS_AUDIT_BATCH_SIZE: at most one batch is in flight when the worker dies


class Processes:
    """Processes started in sessions of their own, so that each can be killed whole."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, args: list[str], env: dict[str, str]) -> None:
        log = (self.folder / f"{name}.log").open("a")
        self.running[name] = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill(self, name: str) -> None:
        """SIGKILL the process and everything it started: a crash, no goodbye."""
        process = self.running.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for process in self.running.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for name in list(self.running):
            try:
                self.running[name].wait(20)
            except subprocess.TimeoutExpired:
                self.kill(name)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text()[-3000:]


@pytest.fixture
def deployment(tmp_path: Path, postgres_database: str) -> Iterator[dict[str, object]]:
    """Everything running: the peers, servers A and B, the worker and beat."""
    if os.environ.get("CI") != "true" and not redis_available(REDIS):
        pytest.skip(f"no Redis at {REDIS}")
    redis.Redis.from_url(REDIS).flushdb()
    processes = Processes(tmp_path)
    ports = {name: free_port() for name in ("users", "audit", "a", "b", "worker")}
    peers = {"users": "tests.e2e.peers.user_service", "audit": "tests.e2e.peers.audit_service"}
    for name, module in peers.items():
        processes.start(name, [sys.executable, "-m", module, "--port", str(ports[name])],
                        dict(os.environ))  # fmt: skip
    users, audit = (f"http://127.0.0.1:{ports[n]}" for n in ("users", "audit"))
    env = embedded(tmp_path / "var", postgres_database)
    env.update(REDIS_URL=REDIS, USER_SERVICE_URL=users, AUDIT_SERVICE_URL=audit,
               OMS_SERVICE_CLIENT_ID="oms", OMS_SERVICE_CLIENT_SECRET="oms-secret",
               OMS_AUDIT_SWEEP_INTERVAL="1", OMS_AUDIT_BATCH_SIZE=str(BATCH),
               OMS_LOG_LEVEL="WARNING", OMS_WORKER_CONCURRENCY="1",
               OMS_WORKER_METRICS_PORT=str(ports["worker"]))  # fmt: skip
    lines = procfile_commands(ROOT / "Procfile")
    try:
        processes.start("web1", lines["web1"], {**env, "OMS_PORT": str(ports["a"])})
        processes.start("web2", lines["web2"], {**env, "OMS_PORT": str(ports["b"])})
        processes.start("worker", lines["worker"], env)
        processes.start("beat", lines["beat"], env)
        servers = {n: f"http://127.0.0.1:{ports[n]}" for n in ("a", "b")}
        for name, url in servers.items():
            assert wait_for(lambda url=url: ready(url), 60), processes.log(f"web{name}")
        servers["worker"] = f"http://127.0.0.1:{ports['worker']}"
        yield {"processes": processes, "env": env, "lines": lines, "users": users,
               "audit": audit, "database": postgres_database, **servers}  # fmt: skip
    finally:
        processes.stop_all()


def test_a_feature_from_branch_to_main_across_three_services(deployment):
    a, b, users = deployment["a"], deployment["b"], deployment["users"]
    people = (("erin", "editor"), ("rex", "reviewer"), ("ada", "admin"), ("vic", "viewer"))
    editor, reviewer, admin, viewer = (_token(users, name, role) for name, role in people)
    on_a, on_b = _Api(a), _Api(b)

    on_a.post("/branches/", editor, {"name": "feature", "from": "main"})
    on_a.post("/branches/feature/object-types/", editor, object_type())
    on_a.post("/branches/feature/object-types/", editor, order_type())
    on_a.post("/branches/feature/link-types/", editor, link_type())
    proposal = on_a.post("/proposals/", editor, {"source": "feature", "title": "Customers"})
    on_b.post(f"/proposals/{proposal['id']}/reviews/", reviewer, {"verdict": "approve"})
    merged = on_a.post(f"/proposals/{proposal['id']}/merge/", editor, {})
    assert on_b.get("/branches/main/link-types/customerOrders/", reviewer)["apiName"]
    assert on_b.get(f"/proposals/{proposal['id']}/", reviewer)["state"] == "merged", merged
    assert on_a.get("/branches/main/object-types/Customer/", viewer)["apiName"] == "Customer"
    refused = requests.post(f"{b}/api/v1/branches/", json={"name": "mine", "from": "main"},
                            headers={"Authorization": f"Bearer {viewer}"}, timeout=10)  # fmt: skip
    assert refused.status_code == 403  # a viewer reads, never writes

    commits = _sum_metric([a, b], "oms_commits_total")
    assert (commits.get("edit"), commits.get("proposal")) == (3.0, 1.0), commits
    events = _all_delivered_once(deployment)
    delivered = _sum_metric([deployment["worker"]], "oms_audit_events_delivered_total")
    assert sum(delivered.values()) == events  # the worker's own /metrics
    page = _admin_page(b, "ada", admin, f"/admin/branches/proposals/{proposal['id']}/")
    assert "Customers" in page and re.search(r"\bmerged\b", page, re.IGNORECASE), page[-2000:]


def test_killing_an_app_server_and_the_worker_loses_nothing_acknowledged(deployment):
    a, b, users = deployment["a"], deployment["b"], deployment["users"]
    processes: Processes = deployment["processes"]  # type: ignore[assignment]
    editor = _token(users, "erin", "editor")
    _Api(a).post("/branches/", editor, {"name": "load", "from": "main"})
    outcomes: list[tuple[str, int]] = []
    stop, auth = threading.Event(), {"Authorization": f"Bearer {editor}"}

    def writer(server: str, tag: str) -> None:
        session = requests.Session()
        for n in range(100_000):
            if stop.is_set():
                return
            name = f"{tag}{n}"
            try:
                status = session.post(f"{server}/api/v1/branches/load/groups/",
                                      json={"apiName": name}, timeout=10,
                                      headers=auth).status_code  # fmt: skip
            except requests.RequestException:  # refused, reset or timed out
                status = 0  # not acknowledged
                time.sleep(0.05)
            outcomes.append((name, status))

    threads = [threading.Thread(target=writer, args=(s, t)) for s, t in ((a, "A"), (b, "B"))]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        processes.kill("web1")  # server A, master and workers
        processes.kill("worker")
        time.sleep(2)
        processes.start("worker", deployment["lines"]["worker"], deployment["env"])
        time.sleep(2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    acknowledged = {name for name, status in outcomes if status == 201}
    assert {s for _, s in outcomes} <= {0, 201}, [o for o in outcomes if o[1] not in (0, 201)]
    assert any(n.startswith("A") for n in acknowledged) and any(s == 0 for _, s in outcomes)
    kept = _names(b, editor, "/branches/load/groups/")
    assert acknowledged <= kept
    _all_delivered_once(deployment, allow_redelivered=BATCH)


class _Api:
    def __init__(self, base: str) -> None:
        self.base = f"{base}/api/v1"

    def post(self, path: str, token: str, body: dict) -> dict:
        answer = requests.post(f"{self.base}{path}", json=body, timeout=30,
                               headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert answer.status_code in (200, 201), (path, answer.status_code, answer.text)
        return answer.json()

    def get(self, path: str, token: str, **params: object) -> dict:
        answer = requests.get(f"{self.base}{path}", params=params, timeout=30,
                              headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert answer.status_code == 200, (path, answer.status_code, answer.text)
        return answer.json()


def _token(users: str, username: str, role: str) -> str:
    answer = requests.post(f"{users}/_peer/login", json={"username": username, "roles": [role]},
                           timeout=10)  # fmt: skip
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def _names(base: str, token: str, path: str) -> set[str]:
    names: set[str] = set()
    cursor: str | None = ""
    while cursor is not None:
        body = _Api(base).get(path, token, limit=100, cursor=cursor)
        names |= {element["apiName"] for element in body["results"]}
        cursor = body["next"]
    return names


def _sum_metric(servers: list[str], sample: str) -> dict[str, float]:
    """A counter by its first label, added up over the servers' /metrics pages."""
    totals: dict[str, float] = {}
    for server in servers:
        page = requests.get(f"{server}/metrics", timeout=10).text
        for family in text_string_to_metric_families(page):
            for s in family.samples:
                if s.name == sample:
                    key = next(iter(s.labels.values()), "")
                    totals[key] = totals.get(key, 0.0) + s.value
    return totals


def _all_delivered_once(deployment: dict[str, object], allow_redelivered: int = 0) -> int:
    """Every event of the outbox reaches the Audit Service; none twice, except (after a crash)
    at most ``allow_redelivered`` of a batch that was in flight (the receiver deduplicates)."""
    database, audit = str(deployment["database"]), str(deployment["audit"])

    def outbox() -> tuple[set[str], int]:
        with psycopg.connect(database) as connection:
            rows = connection.execute("SELECT id::text, state FROM history_auditevent").fetchall()
        return {r[0] for r in rows}, sum(r[1] != "delivered" for r in rows)

    assert wait_for(lambda: outbox()[1] == 0, 90), deployment["processes"].log("worker")  # type: ignore[attr-defined]
    ids, _ = outbox()
    received = requests.get(f"{audit}/_peer/received", timeout=10).json()["received"]
    assert set(received) == ids
    assert sum(count - 1 for count in received.values()) <= allow_redelivered, received
    return len(ids)


def _admin_page(server: str, username: str, token: str, path: str) -> str:
    """An admin page as a curator sees it after signing in with a User Service token."""
    session = requests.Session()
    login = session.get(f"{server}/admin/login/", timeout=10)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
    assert csrf, login.text[:500]
    signed_in = session.post(f"{server}/admin/login/?next=/admin/", timeout=10,
                             data={"csrfmiddlewaretoken": csrf.group(1), "username": username,
                                   "password": token},
                             headers={"Referer": f"{server}/admin/login/"})  # fmt: skip
    assert signed_in.url.rstrip("/").endswith("/admin"), signed_in.text[-1500:]
    page = session.get(f"{server}{path}", timeout=10)
    assert page.status_code == 200, page.text[-1500:]
    return page.text
