"""Crash safety: the web server and the Celery worker are killed with SIGKILL at random points
while clients commit and merge and the worker delivers audit events, on the embedded set-up
`make run` uses (one SQLite file, the on-disk broker). Afterwards ``storage_fsck`` passes,
every branch head is a whole commit, every acknowledged write is there, and every change's
event reaches the Audit Service.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from tests.e2e.peers.audit_service import FakeAuditService
from tests.served import BIN, ROOT, embedded, free_port, ready, token, wait_for

RUN_SECONDS = 20
WRITERS = 3


class Killable:
    """A process group started again and again, killed with SIGKILL in between."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.args, cwd=ROOT, env=self.env, stdout=self.log.open("a"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.kills += 1

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(20)


def test_killed_servers_lose_no_acknowledged_write_and_no_event(tmp_path):
    audit = FakeAuditService().start()
    env = embedded(tmp_path)
    env.update(
        AUDIT_SERVICE_URL=audit.url, OMS_AUDIT_BACKOFF_BASE="0.05", OMS_AUDIT_BACKOFF_MAX="0.5",
        OMS_AUDIT_MAX_ATTEMPTS="1000", OMS_AUDIT_SWEEP_INTERVAL="1", OMS_THROTTLE_WRITES="",
        OMS_LOG_LEVEL="WARNING",
    )  # fmt: skip
    subprocess.run([sys.executable, "manage.py", "demo_setup"], cwd=ROOT, env=env, check=True,
                   capture_output=True)  # fmt: skip
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    web = Killable([str(BIN / "gunicorn"), "oms_project.wsgi", "--bind", f"127.0.0.1:{port}",
                    "--workers", "2", "--threads", "2"], env, tmp_path / "web.log")  # fmt: skip
    worker = Killable(
        [str(BIN / "celery"), "-A", "oms_project", "worker", "--beat", "--pool", "solo",
         "--loglevel", "WARNING"], env, tmp_path / "worker.log",
    )  # fmt: skip
    web.start()
    worker.start()
    try:
        assert wait_for(lambda: ready(url)), (tmp_path / "web.log").read_text()[-2000:]
        passwords = json.loads((tmp_path / "demo-passwords.json").read_text())
        headers = {"Authorization": f"Bearer {token(url, 'admin', passwords['admin'])}"}
        for name in ("dev", "side"):
            created = requests.post(f"{url}/api/v1/branches/", headers=headers, timeout=10,
                                    json={"name": name, "from": "main"})  # fmt: skip
            assert created.status_code == 201, created.text
        acknowledged: set[str] = set()
        lock, stop = threading.Lock(), threading.Event()

        def post(path: str, body: dict) -> int:  # type: ignore[type-arg]
            try:
                return requests.post(f"{url}/api/v1/{path}", json=body, headers=headers,
                                     timeout=10).status_code  # fmt: skip
            except requests.RequestException:
                return 0  # the server died under the request: not acknowledged

        def write(writer: int) -> None:
            count = 0
            while not stop.is_set():
                name = f"W{writer}N{count}"
                if post("branches/dev/groups/", {"apiName": name}) == 201:
                    with lock:
                        acknowledged.add(name)
                    count += 1
                else:
                    time.sleep(0.05)

        def merge() -> None:
            count = 0
            while not stop.is_set():
                name = f"Side{count}"
                if post("branches/side/groups/", {"apiName": name}) == 201:
                    count += 1
                    if post("branches/dev/merge/", {"source": "side"}) == 201:
                        with lock:  # merged: every group side held is now on dev too
                            acknowledged.update(f"Side{i}" for i in range(count))
                time.sleep(0.1)

        threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
        threads.append(threading.Thread(target=merge))
        for thread in threads:
            thread.start()
        rng = random.Random(20261127)
        deadline = time.monotonic() + RUN_SECONDS
        while time.monotonic() < deadline:
            time.sleep(rng.uniform(0.8, 2.0))
            victim = web if rng.random() < 0.7 else worker
            victim.kill()
            victim.start()
            if victim is web:
                wait_for(lambda: ready(url), 30)
        stop.set()
        for thread in threads:
            thread.join(30)
        assert web.kills >= 3 and worker.kills >= 1 and len(acknowledged) > 20

        assert wait_for(lambda: ready(url), 30)
        present: set[str] = set()
        cursor = ""
        while True:
            page = requests.get(f"{url}/api/v1/branches/dev/groups/?limit=500&cursor={cursor}",
                                headers=headers, timeout=10).json()  # fmt: skip
            present |= {g["apiName"] for g in page["results"]}
            if not page["next"]:
                break
            cursor = page["next"]
        assert sorted(acknowledged - present) == [], "acknowledged writes are missing"

        for name in ("main", "dev", "side"):
            head = requests.get(f"{url}/api/v1/branches/{name}/", headers=headers,
                                timeout=10).json()["head"]  # fmt: skip
            assert requests.get(f"{url}/api/v1/commits/{head}/", headers=headers,
                                timeout=30).status_code == 200  # fmt: skip
        fsck = subprocess.run([sys.executable, "manage.py", "storage_fsck"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)  # fmt: skip
        assert fsck.returncode == 0, fsck.stdout + fsck.stderr

        def announced() -> set[str]:
            created = [e for e in list(audit.events.values()) if e["type"] == "oms.group.created"]
            return {e["subject"].removeprefix("groups/") for e in created
                    if e.get("omsbranch") == "dev"}  # fmt: skip

        assert wait_for(lambda: acknowledged <= announced(), 90), (
            f"never announced: {sorted(acknowledged - announced())[:10]}"
        )
    finally:
        for process in (web, worker):
            process.stop()
        audit.stop()
