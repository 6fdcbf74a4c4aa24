"""The embedded set-up that `make run` uses: gunicorn, a Celery worker and one SQLite file.

These tests start the real processes with a fresh ``OMS_VAR_DIR`` and no external service
configured, exactly as a new user's machine would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.served import BIN, ROOT, TEST_KEY, embedded, free_port, ready, start, wait_for


@pytest.fixture
def served(embedded_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """gunicorn and a Celery worker on the embedded defaults; yields (url, worker log)."""
    port = free_port()
    worker_log = tmp_path / "worker.log"
    processes = [
        start(
            [str(BIN / "gunicorn"), "oms_project.wsgi", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", "2"],
            embedded_env,
            tmp_path / "web.log",
        ),
        start(
            [str(BIN / "celery"), "-A", "oms_project", "worker", "--pool", "solo"]
            + ["--loglevel", "INFO"],
            embedded_env,
            worker_log,
        ),
    ]
    try:
        yield f"http://127.0.0.1:{port}", worker_log
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(20)


def test_web_and_worker_serve_on_the_embedded_defaults(served, embedded_env):
    url, worker_log = served
    assert wait_for(lambda: ready(url)), "health/ready never answered 200"
    checks = requests.get(f"{url}/health/ready", timeout=5).json()["checks"]
    assert {name: c["status"] for name, c in checks.items()} == dict.fromkeys(checks, "ok")
    docs = requests.get(f"{url}/api/docs/", timeout=5)
    assert docs.status_code == 200
    assert requests.get(f"{url}/static/admin/css/base.css", timeout=5).status_code == 200
    # A task enqueued through the on-disk broker is run by the worker.
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from ontology.tasks import store_verify; store_verify.delay()",
        ],
        cwd=ROOT,
        env={**embedded_env, "DJANGO_SETTINGS_MODULE": "oms_project.settings"},
        check=True,
    )
    assert wait_for(lambda: "verified: 0 problem(s)" in worker_log.read_text(), 60), (
        worker_log.read_text()[-2000:]
    )


WRITER = """
import sys, django
django.setup()
from ontology.storage import get_store
from ontology.storage.base import Put
number = int(sys.argv[1])
store = get_store()
for n in range(20):
    store.commit("main", [Put({"id": f"w{number}-{n}", "kind": "object-types"})],
                 author=f"w{number}", message=f"{number}/{n}")
"""


def test_writers_in_separate_processes_share_the_sqlite_file(embedded_env):
    env = {**embedded_env, "DJANGO_SETTINGS_MODULE": "oms_project.settings"}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(i)], cwd=ROOT, env=env, stderr=subprocess.PIPE
        )
        for i in range(4)
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err.decode()[-2000:]
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from ontology.storage import get_store; s = get_store(); "
            "print(len(s.snapshot('main'))); print(s.verify())",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert check.stdout.split("\n")[:2] == ["80", "[]"]


def test_a_worker_loads_with_the_cache_and_database_down_and_says_so(tmp_path):
    """The worker opens its connections when it loads, and loads without them."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(OMS_VAR_DIR=str(tmp_path / "missing"), OMS_SECRET_KEY=TEST_KEY,
               REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
               DATABASE_URL=f"postgres://nobody@127.0.0.1:{free_port()}/oms")  # fmt: skip
    loaded = subprocess.run([sys.executable, "-c", "import oms_project.wsgi"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr
    assert "No connection to cache 'default' at start" in loaded.stderr + loaded.stdout
    assert "No database connection at start" in loaded.stderr + loaded.stdout


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` now (from /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_make_runs_server_stops_within_ten_seconds_with_every_child_gone(
    embedded_env, tmp_path, signum
):
    port = free_port()
    serving = start([sys.executable, "-m", "oms_project.serve", "--port", str(port)],
                    embedded_env, tmp_path / "serve.log")  # fmt: skip
    try:
        assert wait_for(lambda: ready(f"http://127.0.0.1:{port}")), (
            tmp_path / "serve.log"
        ).read_text()
        assert wait_for(lambda: len(descendants(serving.pid)) >= 5)  # 2 gunicorn + celery's
        children = descendants(serving.pid)
        started = time.monotonic()
        serving.send_signal(signum)
        serving.wait(15)
        assert time.monotonic() - started < 10
        assert not [pid for pid in children if alive(pid)]
    finally:
        if serving.poll() is None:
            serving.kill()


def test_the_production_layout_serves_on_one_port_and_stops_whole(tmp_path, postgres_database):
    """`make run-prod`'s runner on the Procfile: two app servers share the port, each with its
    own control socket, a worker and beat run beside them; SIGTERM stops every process."""
    env = embedded(tmp_path / "var", postgres_database)
    port = free_port()
    env.update(REDIS_URL="redis://127.0.0.1:6379/11", OMS_PORT=str(port),
               OMS_WORKER_METRICS_PORT=str(free_port()))  # fmt: skip
    serving = start([sys.executable, "-m", "oms_project.serve", "--procfile", "Procfile"],
                    env, tmp_path / "serve.log")  # fmt: skip
    try:
        assert wait_for(lambda: ready(f"http://127.0.0.1:{port}")), (
            tmp_path / "serve.log"
        ).read_text()[-3000:]
        sockets = tmp_path / "var" / "run"
        assert wait_for(
            lambda: {p.name for p in sockets.glob("web*.ctl")} == {"web1.ctl", "web2.ctl"}
        )
        masters = [p for p in descendants(serving.pid) if _gunicorn_master(p)]
        assert len(masters) == 2  # both bound the one port
        children = descendants(serving.pid)
        serving.send_signal(signal.SIGTERM)
        serving.wait(15)
        assert not [pid for pid in children if alive(pid)]
    finally:
        if serving.poll() is None:
            serving.kill()


def _gunicorn_master(pid: int) -> bool:
    try:
        command = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")
        parent = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1]
        parent_command = (Path("/proc") / parent / "cmdline").read_bytes()
    except OSError:
        return False
    return any(b"gunicorn" in part for part in command) and b"gunicorn" not in parent_command
