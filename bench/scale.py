"""Benchmark: large ontologies: cold start, memory and latency as the ontology grows.

For each size (``--sizes``, default 10,000 and 100,000 object types of 20 properties), a
fresh PostgreSQL database is loaded through batch commits and served by gunicorn with one
worker (``bench.settings``). Then, per size: the load time; the first ``GET`` of one element
on a freshly started worker (the median of three restarts); the worker's resident memory
before it and after 1,000 random reads; the p95 of a list page of 50 and of a search; the
p95 of a ``PUT`` with one writer; a 10-change diff and the merge of 10 changes, each on a
freshly started worker (cold caches; the median of three, each of its own side branch). The
report gives each figure per size, the ratio between the largest and the smallest size
(measured in the same run) and the targets of issue 10 with PASS or FAIL.
See ``docs/benchmarks.md`` ("Scale"). Run it with ``.venv/bin/python bench/scale.py``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.api import (  # noqa: E402
    BRANCH,
    KIND,
    POSTGRES,
    Config,
    Http,
    Ontology,
    Server,
    batch_json,
    changes_json,
    cursor,
    database,
    load_ontology,
    obtain_token,
    prepare_database,
    redis_answers,
    server_env,
    start_gunicorn,
    stop_gunicorn,
)
from bench.common import format_seconds, percentile, render_table  # noqa: E402
from bench.storage import WORDS  # noqa: E402

SEED = 20261127
READS = 1000
SAMPLES = 100  # timed requests per latency figure
CHANGES = 10
COLD_SAMPLES = 3  # fresh workers per cold figure (first GET, diff, merge): their median
# Issue 10's targets, at every size.
TARGETS = {
    "first GET": 0.050,
    "list p95": 0.050,
    "search p95": 0.050,
    "PUT p95": 0.025,
    "cold diff": 0.050,
}
RSS_TARGET_MB = 150.0
GROWTH_TARGET = 1.5
LOAD_100K_TARGET = 300.0


@dataclass
class Figures:
    """What one size measured (seconds, and megabytes for memory)."""

    types: int
    load: float = 0.0
    first_get: float = 0.0
    rss_before: float = 0.0
    rss_after: float = 0.0
    list_p95: float = 0.0
    search_p95: float = 0.0
    put_p95: float = 0.0
    cold_diff: float = 0.0
    cold_merge: float = 0.0
    notes: list[str] = field(default_factory=list)


class Service:
    """gunicorn with one worker on one loaded database, restartable for cold measurements."""

    def __init__(self, env: dict[str, str], log: Path, password: str, postgres: str) -> None:
        self.env, self.log, self.password = env, log, password
        self.config = Config(0, 0.0, 0.0, 1, 1, 4, False, postgres)
        self.server: Server | None = None

    def start(self) -> Server:
        self.server = start_gunicorn(self.env, self.log, self.config)  # stop() stops it
        self.server.token = obtain_token(self.server.port, self.password)
        return self.server

    def restart(self) -> Server:
        self.stop()
        return self.start()

    def stop(self) -> None:
        if self.server is not None:
            stop_gunicorn(self.server)
            self.server = None

    def worker_rss_mb(self) -> float:
        """Resident memory of the (one) worker process, from /proc."""
        assert self.server is not None
        master = self.server.process.pid
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(
                    line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
                )
            except OSError:
                continue
            if fields.get("PPid", "").strip() == str(master):
                return int(fields["VmRSS"].split()[0]) / 1024
        return float("nan")


@contextmanager
def service(postgres: str) -> Iterator[Service]:
    """A fresh database and a gunicorn with one worker; all removed on the way out."""
    with (
        tempfile.TemporaryDirectory(prefix="oms-bench-scale-") as tmp,
        database(postgres) as database_url,
    ):
        env = server_env(Path(tmp) / "var", database_url, redis_answers())
        password = "scale-" + str(random.Random(SEED).getrandbits(64))
        prepare_database(env, password)
        running = Service(env, Path(tmp) / "gunicorn.log", password, postgres)
        try:
            running.start()
            yield running
        finally:
            running.stop()


def timed_request(client: Http, method: str, path: str, body: bytes | None = None) -> float:
    started = time.perf_counter()
    status, answer = client.request(method, path, body)
    elapsed = time.perf_counter() - started
    if not 200 <= status < 300:
        raise RuntimeError(f"{method} {path}: {status}: {answer[:300]!r}")
    return elapsed


def p95(samples: Sequence[float]) -> float:
    return percentile(sorted(samples), 0.95)


def measure(size: int, postgres: str) -> Figures:
    """Every figure of one size."""
    figures = Figures(size)
    ontology = Ontology.build(size)
    rng = random.Random(f"{SEED}-{size}")
    elements = f"/api/v1/branches/{BRANCH}/{KIND}/"
    with service(postgres) as running:
        assert running.server is not None
        figures.load = load_ontology(running.server, ontology)
        _progress(f"{size:,} object types loaded in {figures.load:.1f} s")

        firsts = []
        for _ in range(COLD_SAMPLES):  # the median of a few fresh workers: one is noisy
            server = running.restart()
            figures.rss_before = running.worker_rss_mb()
            client = Http(server.port, server.token)
            firsts.append(timed_request(client, "GET", f"{elements}{rng.choice(ontology.names)}/"))
        figures.first_get = statistics.median(firsts)
        for _ in range(READS - 1):
            timed_request(client, "GET", f"{elements}{rng.choice(ontology.names)}/")
        figures.rss_after = running.worker_rss_mb()

        ordered = sorted(ontology.names)
        pages = [
            timed_request(
                client, "GET", f"{elements}?limit=50&cursor={cursor(rng.choice(ordered))}"
            )
            for _ in range(SAMPLES)
        ]
        figures.list_p95 = p95(pages)
        searches = [
            timed_request(client, "GET", f"{elements}?limit=50&search={rng.choice(WORDS)}")
            for _ in range(SAMPLES)
        ]
        figures.search_p95 = p95(searches)
        puts = []
        for n in range(SAMPLES):
            index = rng.randrange(size)
            body = ontology.body(index, f"edited {n}").encode()
            puts.append(timed_request(client, "PUT", f"{elements}{ontology.names[index]}/", body))
        figures.put_p95 = p95(puts)

        sides = [f"scale-side-{n}" for n in range(COLD_SAMPLES)]
        for side in sides:  # each ten changes apart from the loaded branch
            client.json("POST", "/api/v1/branches/", {"name": side, "from": BRANCH}, expect=201)
            picked = rng.sample(range(size), CHANGES)
            changes = changes_json(ontology, "update", picked, f"changed on {side}")
            client.json("POST", f"/api/v1/branches/{side}/commits/",
                        batch_json("ten changes", changes), expect=201)  # fmt: skip
        client.close()

        def cold(method: str, path: str, body: bytes | None = None) -> float:
            fresh = Http(running.restart().port, running.server.token if running.server else "")
            try:
                return timed_request(fresh, method, path, body)
            finally:
                fresh.close()

        figures.cold_diff = statistics.median(
            cold("GET", f"/api/v1/diff/?base={BRANCH}&head={side}&mode=merge-base")
            for side in sides
        )
        figures.cold_merge = statistics.median(
            cold("POST", f"/api/v1/branches/{BRANCH}/merge/", f'{{"source": "{side}"}}'.encode())
            for side in sides
        )
    return figures


ROWS: list[tuple[str, Callable[[Figures], float], str]] = [
    ("load (batch commits of 100)", lambda f: f.load, "s"),
    ("first GET on a fresh worker", lambda f: f.first_get, "s"),
    ("worker RSS before the first read", lambda f: f.rss_before, "MB"),
    (f"worker RSS after {READS:,} reads", lambda f: f.rss_after, "MB"),
    ("list page of 50, p95", lambda f: f.list_p95, "s"),
    ("search, p95", lambda f: f.search_p95, "s"),
    ("PUT one element, one writer, p95", lambda f: f.put_p95, "s"),
    (f"{CHANGES}-change diff, cold", lambda f: f.cold_diff, "s"),
    (f"merge of {CHANGES} changes, cold", lambda f: f.cold_merge, "s"),
]


def shown(value: float, unit: str) -> str:
    return f"{value:,.0f} MB" if unit == "MB" else format_seconds(value)


def report(results: Sequence[Figures]) -> str:
    smallest, largest = results[0], results[-1]
    header = ["figure", *(f"{r.types:,} types" for r in results)]
    if len(results) > 1:
        header.append(f"{largest.types:,} / {smallest.types:,}")
    rows = []
    for label, get, unit in ROWS:
        row = [label, *(shown(get(r), unit) for r in results)]
        if len(results) > 1:
            row.append(f"{get(largest) / get(smallest):.2f}x" if get(smallest) else "–")
        rows.append(row)
    lines = [render_table(header, rows), ""]
    checks = []
    for r in results:
        values = {
            "first GET": r.first_get, "list p95": r.list_p95, "search p95": r.search_p95,
            "PUT p95": r.put_p95, "cold diff": r.cold_diff,
        }  # fmt: skip
        for name, limit in TARGETS.items():
            ok = values[name] < limit
            checks.append([f"{r.types:,}", f"{name} < {limit * 1e3:.0f} ms",
                           format_seconds(values[name]), "PASS" if ok else "FAIL"])  # fmt: skip
        ok = r.rss_after < RSS_TARGET_MB
        checks.append([f"{r.types:,}", f"RSS < {RSS_TARGET_MB:.0f} MB",
                       f"{r.rss_after:,.0f} MB", "PASS" if ok else "FAIL"])  # fmt: skip
        if r.types >= 100_000:
            ok = r.load < LOAD_100K_TARGET
            checks.append([f"{r.types:,}", "load < 5 min", format_seconds(r.load),
                           "PASS" if ok else "FAIL"])  # fmt: skip
    if len(results) > 1:
        for label, get, _ in ROWS[1:]:
            growth = get(largest) / get(smallest) if get(smallest) else 0.0
            verdict = "PASS" if growth <= GROWTH_TARGET else "FAIL"
            span = f"{smallest.types:,}→{largest.types:,}"
            checks.append([span, f"{label} within 1.5x", f"{growth:.2f}x", verdict])
    lines.append(render_table(["size", "target", "measured", "result"], checks))
    missed = [f"{c[1]} [{c[0]}]" for c in checks if c[3] == "FAIL"]
    lines.append("")
    lines.append("targets missed: " + ("; ".join(missed) if missed else "none"))
    return "\n".join(lines)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000",
                        help="object types per size, comma-separated (10000,100000)")  # fmt: skip
    parser.add_argument("--postgres", default=POSTGRES, help=f"server URL ({POSTGRES})")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    started = time.perf_counter()
    results = [measure(size, args.postgres) for size in sizes]
    print(report(results))
    print(f"\nWhole run {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
