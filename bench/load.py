"""Benchmark: mixed traffic against one app server, then two (issue 17).

A fresh PostgreSQL database (Redis as the cache when it answers) is loaded with ``--types``
object types on branch ``bench``; twenty branches ``w00``..``w19`` are made from it for the
writes, and five feature branches of ten changes each, with a proposal into ``bench``, for
the diffs and proposals (they keep their size while the writes go on). Then ``wrk`` runs
``--clients`` connections for ``--seconds`` of mixed traffic: 80% reads (one element 50%, a
page of 50 30%), 15% writes (a new group on one of the twenty branches), 5% diffs and
proposals (the diff of a feature branch against ``bench`` 3%, a proposal with its checks 2%).
Once against one app server pinned to core 0 (``taskset``, the clients on the other cores),
once against two app servers sharing the port (``reuse_port``), pinned to cores 0 and 1, the
clients unpinned. Each server is gunicorn
with the project's gunicorn.conf.py (2 workers x 4 threads).

Requests/s, errors and the clients' p50/p95/p99 come from wrk; the latency per endpoint from
the servers' access logs (the time gunicorn spent on each request). Targets: no errors, p95
under 100 ms for reads and 250 ms for writes, two servers at least 1.5x the requests/s of
one. Run it with ``.venv/bin/python bench/load.py [--quick]``; see docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import random
import re
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.api import (  # noqa: E402
    BRANCH,
    POSTGRES,
    Http,
    Ontology,
    Server,
    batch_json,
    changes_json,
    database,
    free_port,
    gunicorn_command,
    load_ontology,
    obtain_token,
    prepare_database,
    redis_answers,
    server_env,
    stop_gunicorn,
    wait_until_live,
    wrk_version,
)
from bench.common import format_seconds, mark, percentile, positive_int, render_table  # noqa: E402

BRANCHES = [f"w{n:02d}" for n in range(20)]  # where the writes go
FEATURES = [f"feature{n}" for n in range(5)]  # what the diffs and proposals look at
MIX = {"GET element": 50, "GET page": 30, "POST write": 15, "GET diff": 3, "GET proposal": 2}
READS, WRITES = ("GET element", "GET page", "GET diff", "GET proposal"), ("POST write",)
READ_P95, WRITE_P95, SCALE_TARGET = 0.100, 0.250, 1.5
ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(L)s"  # method, path, status, seconds spent

WRK_SCRIPT = """
local element = {%(elements)s}
local page = {%(pages)s}
local diff = {%(diffs)s}
local proposal = {%(proposals)s}
local branches = {%(branches)s}
local headers = {%(headers)s}
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local n = 0
function init(args)
  math.randomseed(%(seed)d + tid * 7919)
end
local function pick(list) return list[math.random(#list)] end
function request()
  local r = math.random(100)
  if r <= 50 then return wrk.format("GET", pick(element), headers) end
  if r <= 80 then return wrk.format("GET", pick(page), headers) end
  if r <= 95 then
    n = n + 1
    local body = string.format('{"apiName": "L%%dx%%dx%%d"}', %(seed)d, tid, n)
    return wrk.format("POST", "/api/v1/branches/" .. pick(branches) .. "/groups/", headers, body)
  end
  if r <= 98 then return wrk.format("GET", pick(diff), headers) end
  return wrk.format("GET", pick(proposal), headers)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK_RESULT %%d %%d %%d %%d %%d %%d %%d %%d %%d %%d\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Layout:
    """App servers and the cores they and the clients are pinned to."""

    name: str
    server_cores: tuple[str, ...]
    client_cores: str  # "" when the clients share the servers' cores


@dataclass
class Run:
    layout: Layout
    requests: int
    seconds: float
    errors: dict[str, int]
    client: tuple[float, float, float]  # wrk's p50, p95, p99 in seconds
    endpoints: dict[str, list[float]]  # server-side seconds per endpoint
    statuses: dict[str, dict[int, int]]
    cpu: dict[str, float]  # cores busy on average during the run, by part

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


@dataclass(frozen=True)
class Fixture:
    """What the traffic reads: paths of elements, pages, diffs and proposals."""

    elements: list[str]
    pages: list[str]
    diffs: list[str]
    proposals: list[str]


def prepare(port: int, token: str, ontology: Ontology) -> Fixture:
    """The twenty write branches; five feature branches of ten changes each, each with a
    proposal into ``bench`` (what the diffs and proposals read: they stay the same size
    while the writes go on elsewhere); the paths to read."""
    client = Http(port, token)
    proposals = []
    try:
        for branch in BRANCHES:
            client.json("POST", "/api/v1/branches/", {"name": branch, "from": BRANCH}, expect=201)
        for number, feature in enumerate(FEATURES):
            client.json("POST", "/api/v1/branches/", {"name": feature, "from": BRANCH}, expect=201)
            indexes = range(number * 10, number * 10 + 10)
            changes = changes_json(ontology, "update", indexes, f"changed on {feature}")
            body = batch_json(f"ten changes on {feature}", changes)
            client.json("POST", f"/api/v1/branches/{feature}/commits/", body, expect=201)
            opened = client.json(
                "POST",
                "/api/v1/proposals/",
                expect=201,
                payload={"source": feature, "target": BRANCH, "title": feature},
            )
            proposals.append(f"/api/v1/proposals/{opened['id']}/")
    finally:
        client.close()
    base = f"/api/v1/branches/{BRANCH}/object-types"
    names = ontology.names
    return Fixture(
        elements=[f"{base}/{name}/" for name in names],
        pages=[f"{base}/?limit=50"] + [f"{base}/?limit=50&search={n[:4]}" for n in names[:50]],
        diffs=[f"/api/v1/diff/?base={BRANCH}&head={feature}" for feature in FEATURES],
        proposals=proposals,
    )


def wrk_script(fixture: Fixture, token: str) -> str:
    headers = {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "Authorization": f"Bearer {token}",
    }

    def lua(items: Sequence[str]) -> str:
        return ", ".join(json.dumps(item) for item in items)

    return WRK_SCRIPT % {
        "elements": lua(fixture.elements),
        "pages": lua(fixture.pages),
        "diffs": lua(fixture.diffs),
        "proposals": lua(fixture.proposals),
        "branches": lua(BRANCHES),
        "seed": random.randrange(1_000_000),
        "headers": ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()),
    }


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(groups: list[int]) -> dict[tuple[str, int], float]:
    """CPU seconds so far: each process of the app servers (their process groups), the
    clients (wrk, once ended) and the whole machine, read from /proc."""
    found: dict[tuple[str, int], float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError):
            text = stat.read_text()
            fields = text[text.rindex(")") + 2 :].split()
            if int(fields[2]) in groups:
                found[("app servers", int(stat.parent.name))] = (
                    int(fields[11]) + int(fields[12])
                ) / TICK
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    found[("clients (wrk)", 0)] = children.ru_utime + children.ru_stime
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    found[("machine", 0)] = (sum(ticks[:8]) - ticks[3] - ticks[4]) / TICK  # all but idle
    return found


def cores_busy(
    before: dict[tuple[str, int], float], after: dict[tuple[str, int], float], elapsed: float
) -> dict[str, float]:
    """Cores busy on average by part during the run: the app servers (a process that started
    meanwhile counts from zero), the clients, and the rest of the machine (PostgreSQL and
    Redis, mostly: their backends come and go, so they are what is left)."""
    parts = dict.fromkeys(("app servers", "clients (wrk)", "machine"), 0.0)
    for key, seconds in after.items():
        parts[key[0]] += (seconds - before.get(key, 0.0)) / elapsed
    machine = parts.pop("machine")
    parts["PostgreSQL, Redis, rest"] = machine - sum(parts.values())
    return parts


@contextlib.contextmanager
def servers(
    env: dict[str, str], layout: Layout, port: int, logs: Path
) -> Iterator[tuple[list[Path], list[int]]]:
    """The layout's app servers on ``port``, each pinned to its core; their access logs."""
    started, access = [], []
    for index, core in enumerate(layout.server_cores):
        log = logs / f"{layout.name}-{index}.access"
        command = [
            *gunicorn_command(port, 2, 4),
            "--access-logfile",
            str(log),
            "--access-logformat",
            ACCESS_FORMAT,
        ]
        with (logs / f"{layout.name}-{index}.log").open("wb") as out:
            process = subprocess.Popen(
                ["taskset", "-c", core, *command],
                cwd=REPO_ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append(Server(port, process, logs / f"{layout.name}-{index}.log"))
        access.append(log)
    try:
        for server in started:
            wait_until_live(server)
        yield access, [server.process.pid for server in started]
    finally:
        for server in started:
            stop_gunicorn(server)


def run_wrk(script: str, port: int, layout: Layout, clients: int, seconds: int) -> list[str]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="oms-load-") as lua:
        lua.write(script)
        lua.flush()
        pin = ["taskset", "-c", layout.client_cores] if layout.client_cores else []
        command = [
            *pin,
            "wrk",
            "-t",
            "2",
            "-c",
            str(clients),
            "-d",
            f"{seconds}s",
            "--timeout",
            "30s",
            "-s",
            lua.name,
            f"http://127.0.0.1:{port}/",
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_RESULT")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return line.split()[1:]


def endpoint(method: str, path: str) -> str:
    if method == "POST":
        return "POST write"
    if path.startswith("/api/v1/diff/"):
        return "GET diff"
    if path.startswith("/api/v1/proposals/"):
        return "GET proposal"
    return "GET page" if path.endswith("/object-types/") else "GET element"


def read_access(logs: list[Path]) -> tuple[dict[str, list[float]], dict[str, dict[int, int]]]:
    times: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for log in logs:
        for line in log.read_text().splitlines():
            match = re.fullmatch(r"(\S+) (\S+) (\d+) ([\d.]+)", line.strip())
            if match:
                name = endpoint(match[1], match[2])
                times[name].append(float(match[4]))
                statuses[name][int(match[3])] += 1
    return dict(times), {k: dict(v) for k, v in statuses.items()}


def measure(
    env: dict[str, str],
    layout: Layout,
    script: Callable[[], str],
    config: argparse.Namespace,
    logs: Path,
) -> Run:
    """A warm-up, then the measured run; each writes new names (a new script, a new seed)."""
    port = free_port()
    with servers(env, layout, port, logs) as (access, groups):
        run_wrk(script(), port, layout, config.clients, max(1, config.seconds // 6))
        for log in access:
            log.write_text("")
        before, started = cpu_seconds(groups), time.monotonic()
        fields = [int(x) for x in run_wrk(script(), port, layout, config.clients, config.seconds)]
        after, elapsed = cpu_seconds(groups), time.monotonic() - started
        time.sleep(0.5)  # the last answers reach the access logs
    count, micros, connect, read, write, status, timeout, p50, p95, p99 = fields
    errors = {
        "connect": connect,
        "read": read,
        "write": write,
        "status": status,
        "timeout": timeout,
    }
    times, statuses = read_access(access)
    cpu = cores_busy(before, after, elapsed)
    run = Run(
        layout,
        count,
        micros / 1e6,
        {k: v for k, v in errors.items() if v},
        (p50 / 1e6, p95 / 1e6, p99 / 1e6),
        times,
        statuses,
        cpu,
    )
    print(
        f"{layout.name}: {run.rate:,.0f} req/s, p95 {format_seconds(run.client[1])}, "
        f"errors {run.errors or 0}",
        file=sys.stderr,
        flush=True,
    )
    return run


def report(runs: list[Run], config: argparse.Namespace, setup: dict[str, str]) -> str:
    rows = []
    for run in runs:
        rows.append(
            [
                run.layout.name,
                "all (wrk, client side)",
                f"{run.rate:,.0f}",
                *(format_seconds(x) for x in run.client),
                str(sum(run.errors.values())),
            ]
        )
        for name in MIX:
            samples = run.endpoints.get(name, [])
            bad = sum(n for s, n in run.statuses.get(name, {}).items() if s >= 400)
            rows.append(
                [
                    "",
                    f"{name} (server side)",
                    f"{len(samples) / run.seconds:,.0f}",
                    *(format_seconds(percentile(samples, f)) for f in (0.5, 0.95, 0.99)),
                    str(bad),
                ]
            )
    table = render_table(["layout", "endpoint", "req/s", "p50", "p95", "p99", "errors"], rows)
    checks = []
    for run in runs:
        checks.append((run.layout.name, "no errors", str(sum(run.errors.values())), not run.errors))
        reads = [x for name in READS for x in run.endpoints.get(name, [])]
        writes = [x for name in WRITES for x in run.endpoints.get(name, [])]
        checks.append(
            (
                run.layout.name,
                "reads p95 < 100 ms (server side)",
                format_seconds(percentile(reads, 0.95)),
                percentile(reads, 0.95) < READ_P95,
            )
        )
        checks.append(
            (
                run.layout.name,
                "writes p95 < 250 ms (server side)",
                format_seconds(percentile(writes, 0.95)),
                percentile(writes, 0.95) < WRITE_P95,
            )
        )
        checks.append(
            (
                run.layout.name,
                "every request p95 < 250 ms (client side)",
                format_seconds(run.client[1]),
                run.client[1] < WRITE_P95,
            )
        )
    ratio = runs[1].rate / runs[0].rate if len(runs) == 2 else float("nan")
    checks.append(("two / one", "throughput at least 1.5x", f"{ratio:.2f}x", ratio >= SCALE_TARGET))
    parts = list(runs[0].cpu)
    cpu = render_table(
        ["layout", *parts, "cores busy"],
        [
            [
                r.layout.name,
                *(f"{r.cpu[p]:.2f}" for p in parts),
                f"{sum(r.cpu.values()):.2f} of {os.cpu_count()}",
            ]
            for r in runs
        ],
    )
    targets = render_table(
        ["layout", "target", "measured", "result"], [[a, b, c, mark(ok)] for a, b, c, ok in checks]
    )
    facts = ", ".join(f"{k}: {v}" for k, v in setup.items())
    return (
        f"OMS under mixed traffic ({config.clients} clients, {config.seconds} s per layout; "
        f"{facts})\n\n{table}\n\nCPU (cores busy on average):\n\n{cpu}\n\n{targets}\n\n"
        + (
            "all targets met"
            if all(c[3] for c in checks)
            else "targets missed: " + "; ".join(f"{a}: {b}" for a, b, _, ok in checks if not ok)
        )
    )


def settle(database_url: str) -> None:
    """Vacuum, analyse and checkpoint the loaded database: without it the first layout
    measured shared its cores with the maintenance the load left to autovacuum (PostgreSQL
    and the rest took 0.4-0.8 of a core in that run, 0.5 in the second, and one server
    served 83-172 req/s from run to run)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")
        connection.execute("CHECKPOINT")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--types", type=positive_int, default=1000)
    parser.add_argument("--clients", type=positive_int, default=32)
    parser.add_argument("--seconds", type=positive_int, default=60)
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--quick", action="store_true", help="200 types, 10 s per layout")
    config = parser.parse_args(argv)
    if config.quick:
        config.types, config.seconds = 200, 10
    if wrk_version() is None:
        print("bench/load.py needs wrk (apt-get install wrk)", file=sys.stderr)
        return 2
    cores = os.cpu_count() or 1
    layouts = [
        Layout("one server", ("0",), ",".join(str(c) for c in range(1, cores)) or "0"),
        Layout(
            "two servers",
            ("0", "1" if cores > 1 else "0"),
            ",".join(str(c) for c in range(2, cores)),
        ),
    ]
    started = time.perf_counter()
    ontology = Ontology.build(config.types)
    with (
        tempfile.TemporaryDirectory(prefix="oms-bench-load-") as tmp,
        database(config.postgres) as database_url,
    ):
        env = server_env(Path(tmp) / "var", database_url, redis_answers())
        password = secrets.token_urlsafe(16)
        prepare_database(env, password)
        port = free_port()
        with servers(env, Layout("loading", (f"0-{cores - 1}",), ""), port, Path(tmp)):
            token = obtain_token(port, password)
            loader = Server(port, None, Path(tmp), token=token)  # type: ignore[arg-type]
            loaded = load_ontology(loader, ontology)
            fixture = prepare(port, token, ontology)
        settle(database_url)
        script = functools.partial(wrk_script, fixture, token)
        runs = [measure(env, layout, script, config, Path(tmp)) for layout in layouts]
    setup = {
        "types": f"{config.types:,}",
        "loaded in": format_seconds(loaded),
        "cores": str(cores),
        "redis": env.get("REDIS_URL", "unset"),
    }
    print(report(runs, config, setup))
    print(f"\nWhole run {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
