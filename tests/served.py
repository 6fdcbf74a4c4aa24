"""Real servers for tests: a fresh embedded set-up (the one `make run` makes) and the
processes that serve it."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
TEST_KEY = "serving-test-key-" + "0123456789abcdef" * 3  # long enough for production
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def embedded_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a fresh `make run`: nothing but a var dir and a secret."""
    return embedded(tmp_path)


def embedded(var_dir: Path, database_url: str = "") -> dict[str, str]:
    """A fresh embedded set-up in ``var_dir`` (migrated, store initialised, static files
    collected, as `make migrate` leaves it) and the environment that serves it; on the
    empty database at ``database_url`` instead of the SQLite file when one is given."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(OMS_VAR_DIR=str(var_dir), OMS_SECRET_KEY=TEST_KEY, PYTHONUNBUFFERED="1")
    if database_url:
        env["DATABASE_URL"] = database_url
    for folder in ("celery/queue", "celery/processed", "celery/control"):
        (var_dir / folder).mkdir(parents=True)
    for command in (["migrate", "--noinput"], ["storage_init"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [sys.executable, "manage.py", *command, "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    return env


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def wait_for(predicate, timeout: float = 60.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/health/ready", timeout=5).status_code == 200
    except requests.RequestException:  # refused, or accepted before a worker was up to answer
        return False


@contextlib.contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[str]:
    """gunicorn serving ``env`` as `make run` starts it; yields its URL once it is ready."""
    port = free_port()
    process = start(
        [str(BIN / "gunicorn"), "oms_project.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--threads", "4"],
        env, log,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: ready(url)), log.read_text()[-3000:]
        yield url
    finally:
        process.terminate()
        process.wait(20)


@contextlib.contextmanager
def demo(var_dir: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """gunicorn on a fresh set-up after `make run`'s ``demo_setup`` (the logistics example on
    main, one demo user per role); yields its URL and each role's password."""
    env = embedded(var_dir)
    subprocess.run([sys.executable, "manage.py", "demo_setup"], cwd=ROOT, env=env, check=True,
                   capture_output=True)  # fmt: skip
    passwords = json.loads((var_dir / "demo-passwords.json").read_text())
    with gunicorn(env, var_dir / "web.log") as url:
        yield url, passwords


def token(url: str, username: str, password: str) -> str:
    """An access token from the local token endpoint."""
    answer = requests.post(
        f"{url}/api/v1/auth/token/", json={"username": username, "password": password},
        timeout=10,
    )  # fmt: skip
    answer.raise_for_status()
    return str(answer.json()["access"])
