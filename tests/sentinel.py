"""A Redis primary with two replicas watched by three Sentinels, on loopback, for the
failover tests: real ``redis-server`` processes (Sentinel is ``redis-server --sentinel``, what
Debian's redis-sentinel package runs), each on a free port under a temporary directory."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import redis

from tests.served import free_port, wait_for

MASTER = "oms"


class SentinelSet:
    """The processes and how to ask them who the primary is."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.redis_ports = [free_port() for _ in range(3)]
        self.sentinel_ports = [free_port() for _ in range(3)]
        self.processes: dict[int, subprocess.Popen[bytes]] = {}

    @property
    def sentinels(self) -> str:
        """``REDIS_SENTINELS`` for OMS."""
        return ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)

    def start(self) -> None:
        primary, *replicas = self.redis_ports
        self._redis(primary)
        for port in replicas:
            self._redis(port, "--replicaof", "127.0.0.1", str(primary))
        for port in self.sentinel_ports:
            conf = self.folder / f"sentinel-{port}.conf"
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {self.folder}\n"
                f"sentinel monitor {MASTER} 127.0.0.1 {primary} 2\n"
                f"sentinel down-after-milliseconds {MASTER} 1000\n"
                f"sentinel failover-timeout {MASTER} 3000\n"
                f"sentinel parallel-syncs {MASTER} 1\n"
            )
            self._spawn(port, ["redis-server", str(conf), "--sentinel"])
        assert wait_for(lambda: self._synced(replicas), 30), "replicas did not sync"
        assert wait_for(lambda: self._sentinels_see_all(), 30), "sentinels did not find each other"

    def primary_port(self) -> int:
        """The primary's port, as the first Sentinel that answers says."""
        for port in self.sentinel_ports:
            with contextlib.suppress(redis.RedisError):
                address = redis.Redis(port=port, socket_timeout=1).sentinel_get_master_addr_by_name(
                    MASTER
                )
                if address:
                    return int(address[1])
        raise AssertionError("no sentinel answers")

    def kill_primary(self) -> int:
        """SIGKILL the primary (no shutdown, no save); its port."""
        port = self.primary_port()
        self.processes[port].send_signal(signal.SIGKILL)
        self.processes[port].wait(10)
        return port

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
                process.wait(10)

    def _redis(self, port: int, *args: str) -> None:
        self._spawn(port, ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save",
                           "", "--appendonly", "no", "--dir", str(self.folder), *args])  # fmt: skip

    def _spawn(self, port: int, args: list[str]) -> None:
        log = (self.folder / f"{port}.log").open("w")
        self.processes[port] = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        assert wait_for(lambda: _answers(port), 10), f"redis on {port} did not start"

    def _synced(self, replicas: list[int]) -> bool:
        for port in replicas:
            info = redis.Redis(port=port, socket_timeout=1).info("replication")
            if info.get("master_link_status") != "up":
                return False
        return True

    def _sentinels_see_all(self) -> bool:
        for port in self.sentinel_ports:
            state = redis.Redis(port=port, socket_timeout=1).sentinel_master(MASTER)
            if int(state.get("num-other-sentinels", 0)) < 2 or int(state.get("num-slaves", 0)) < 2:
                return False
        return True


def _answers(port: int) -> bool:
    try:
        return bool(redis.Redis(port=port, socket_timeout=0.5).ping())
    except redis.RedisError:
        return False


@contextlib.contextmanager
def sentinel_set(folder: Path) -> Iterator[SentinelSet]:
    folder.mkdir(parents=True, exist_ok=True)
    cluster = SentinelSet(folder)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def wait_for_new_primary(cluster: SentinelSet, old: int, timeout: float = 30.0) -> int:
    """The port of the replica the Sentinels promoted in place of ``old``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(AssertionError):
            port = cluster.primary_port()
            if port != old and _answers(port):
                role = redis.Redis(port=port, socket_timeout=1).info("replication")["role"]
                if role == "master":
                    return port
        time.sleep(0.2)
    raise AssertionError(f"no replica was promoted within {timeout}s")
