"""Benchmark: semantic diff, branch merge and a proposal's open-to-merge, by ontology size.

For each ontology size (``--sizes``, default 1,000 and 10,000 elements: object types of six
properties each, plus groups and shared properties they refer to) the ontology is loaded on
``main`` in large ``elements_commit`` batches, then for N = 10 and N = 1,000 two branches
``a<N>`` and ``b<N>`` fork from ``main`` and each edits the description of N object types
(different ones, so they merge cleanly). Timed, each after an untimed warm-up run:

* ``diff_refs(base=a<N>, head=b<N>)`` in ``merge-base`` mode (N elements) and ``direct``
  mode (2N elements);
* ``branch_merge(source=b<N>, target=...)`` into a branch freshly created at ``a<N>``'s head
  for every run, so runs are alike, and a dry run into ``a<N>`` itself;
* a proposal of 10 changes into protected ``main`` over the API (DRF's ``APIClient``, in
  process): ``POST /api/v1/proposals/``, an approving review, ``POST .../merge/``;
* last, the merge-base diff again with empty caches (a new store instance), as the first
  request of a fresh worker process makes it.

Each size runs in a child process with a fresh SQLite file under a temporary
``OMS_VAR_DIR``, so a run never touches a developer's data. See ``docs/benchmarks.md``
("Versioning"). Run it with ``.venv/bin/python bench/versioning.py``.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import django

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.common import (  # noqa: E402
    format_seconds,
    interleaved_samples,
    mark,
    percentile,
    positive_int,
    render_table,
    size_list,
    timed,
)
from bench.storage import WORDS, setup_django  # noqa: E402

if TYPE_CHECKING:
    from rest_framework.test import APIClient

SEED = 20240601
LOAD_BATCH = 2000  # elements per commit of the initial load
CHANGES = (10, 1000)  # elements each of the two branches changes
PROPOSAL_CHANGES = 10
GROUP_SHARE = 100  # one group per 100 elements
SHARED_SHARE = 50  # one shared property per 50 elements
TARGET = 0.050  # seconds, for the 10-change diff and merge
SCALE_TARGET = 1.5  # the same at the largest size over the smallest
DATA_TYPES = ("string", "integer", "double", "boolean", "date", "timestamp")
DIFF_MB, DIFF_DIRECT = "diff, merge-base", "diff, direct"
DIFF_COLD = "diff, merge-base, cold caches"
MERGE, MERGE_DRY = "merge", "merge, dry run"
OPEN, APPROVE, PROPOSAL_MERGE, PROPOSAL_TOTAL = (
    "proposal: open",
    "proposal: approve",
    "proposal: merge",
    "proposal: open → merge",
)
TARGETED = (DIFF_MB, DIFF_DIRECT, MERGE)  # operations with the 50 ms and 1.5x targets
ROW_ORDER = (  # of the operations in the tables
    *(DIFF_MB, DIFF_DIRECT, DIFF_COLD, MERGE, MERGE_DRY),
    *(OPEN, APPROVE, PROPOSAL_MERGE, PROPOSAL_TOTAL),
)
API = "/api/v1/proposals/"

Body = dict[str, Any]


# -- the workload ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reps:
    """Timed runs per operation (each after one untimed warm-up run)."""

    diff: dict[int, int]
    cold: int
    merge: dict[int, int]
    proposal: int

    @classmethod
    def for_run(cls, quick: bool) -> Reps:
        if quick:
            return cls(diff={10: 5, 1000: 1}, cold=1, merge={10: 3, 1000: 1}, proposal=3)
        return cls(diff={10: 101, 1000: 21}, cold=7, merge={10: 31, 1000: 11}, proposal=31)


@dataclass(frozen=True)
class Result:
    """One operation at one size and number of changes: median and p95 in seconds."""

    op: str
    size: int
    changes: int
    median: float
    p95: float
    reps: int


@dataclass
class Measured:
    """What one size produced: the results and the set-up times."""

    results: list[Result]
    setup: dict[str, float] = field(default_factory=dict)
    skipped: list[int] = field(default_factory=list)  # change counts the size cannot hold


@dataclass(frozen=True)
class Ontology:
    """The generated elements, in load order (groups and shared properties first)."""

    groups: list[Body]
    shared: list[Body]
    types: list[Body]

    @classmethod
    def build(cls, size: int) -> Ontology:
        rng = random.Random(SEED + size)
        groups = [group_body(rng, i) for i in range(max(1, size // GROUP_SHARE))]
        shared = [shared_body(rng, i) for i in range(max(1, size // SHARED_SHARE))]
        count = max(1, size - len(groups) - len(shared))
        types = [object_type_body(rng, i, groups, shared) for i in range(count)]
        return cls(groups, shared, types)

    @property
    def size(self) -> int:
        return len(self.groups) + len(self.shared) + len(self.types)

    def type_names(self) -> list[str]:
        return [body["apiName"] for body in self.types]


def _words(rng: random.Random, count: int) -> list[str]:
    return [rng.choice(WORDS) for _ in range(count)]


def _phrase(rng: random.Random, count: int) -> str:
    return " ".join(_words(rng, count))


def _camel(words: Sequence[str]) -> str:
    return words[0] + "".join(word.capitalize() for word in words[1:])


def group_body(rng: random.Random, index: int) -> Body:
    """A group object types join."""
    return {"apiName": f"Group{index}", "description": _phrase(rng, 8), "status": "active"}


def shared_body(rng: random.Random, index: int) -> Body:
    """A shared property some property of each object type binds to."""
    return {
        "apiName": f"{_camel(_words(rng, 2))}{index}",
        "description": _phrase(rng, 8),
        "status": "active",
        "dataType": {"type": DATA_TYPES[index % len(DATA_TYPES)]},
    }


def object_type_body(
    rng: random.Random, index: int, groups: Sequence[Body], shared: Sequence[Body]
) -> Body:
    """An object type of six properties, in one group, one property bound to a shared one."""
    bound = shared[index % len(shared)]
    properties = [
        {"id": "p0", "apiName": "id", "dataType": {"type": "string"}, "required": True},
        {"id": "p1", "apiName": "name", "dataType": {"type": "string"}},
        {
            "id": "p2",
            "apiName": bound["apiName"],
            "dataType": bound["dataType"],
            "sharedProperty": bound["apiName"],
        },
        *(
            {
                "id": f"p{j}",
                "apiName": f"{_camel(_words(rng, 2))}{j}",
                "dataType": {"type": rng.choice(DATA_TYPES)},
                "description": _phrase(rng, 6),
            }
            for j in (3, 4, 5)
        ),
    ]
    words = _words(rng, 2)
    return {
        "apiName": "".join(w.capitalize() for w in words) + str(index),
        "displayName": f"{' '.join(words).title()} {index}",
        "description": _phrase(rng, 16),
        "status": "active",
        "groups": [groups[index % len(groups)]["apiName"]],
        "primaryKey": "id",
        "titleProperty": "name",
        "properties": properties,
    }


def fits(ontology: Ontology, changes: int) -> bool:
    """Whether two branches can each change ``changes`` different object types."""
    return 2 * changes <= len(ontology.types)


# -- building the branches ---------------------------------------------------------------------


def load(ontology: Ontology) -> None:
    """Initialise the store and load the ontology on ``main`` (as SYSTEM) in large batches."""
    from integrations.user_service.principal import SYSTEM
    from ontology.services import Operation, elements_commit
    from ontology.storage import get_store

    get_store().initialize(author=SYSTEM.username)
    batches = [
        [("groups", "gr", i, b) for i, b in enumerate(ontology.groups)]
        + [("shared-properties", "sp", i, b) for i, b in enumerate(ontology.shared)],
        [("object-types", "ot", i, b) for i, b in enumerate(ontology.types)],
    ]
    for batch in batches:
        for start in range(0, len(batch), LOAD_BATCH):
            operations = [
                Operation("create", kind, body=body, element_id=f"{prefix}-{i:06d}")
                for kind, prefix, i, body in batch[start : start + LOAD_BATCH]
            ]
            elements_commit(
                branch="main", operations=operations, actor=SYSTEM, message="Initial load"
            )


def fork(ontology: Ontology, changes: int) -> None:
    """Branches ``a<N>`` and ``b<N>`` from ``main``, each editing N different object types."""
    from branches.services import branch_create
    from integrations.user_service.principal import SYSTEM

    names = random.Random(f"{SEED}-{changes}").sample(ontology.type_names(), 2 * changes)
    for branch, picked in ((f"a{changes}", names[:changes]), (f"b{changes}", names[changes:])):
        branch_create(name=branch, start="main", actor=SYSTEM)
        describe(branch, picked, branch)


def describe(branch: str, names: Sequence[str], tag: str) -> None:
    """One commit on ``branch`` that edits the description of each named object type."""
    from integrations.user_service.principal import SYSTEM
    from ontology.selectors import catalog_at
    from ontology.services import Operation, element_payload, elements_commit

    catalog = catalog_at(branch=branch)
    operations = []
    for name in names:
        body = element_payload(catalog.get("object-types", name) or {})
        body["description"] = f"{body['description'][:100]} [{tag}]"
        operations.append(Operation("update", "object-types", api_name=name, body=body))
    elements_commit(branch=branch, operations=operations, actor=SYSTEM, message=f"Describe ({tag})")


# -- timed operations --------------------------------------------------------------------------


Step = Callable[[int], object]


def measure(
    size: int, changes: int, reps: int, named: Sequence[tuple[str, Step, Step | None]]
) -> list[Result]:
    """Median and p95 of each ``(name, action, prepare)``, the actions taking turns."""
    samples = interleaved_samples([(action, prepare) for _, action, prepare in named], reps)
    return [
        Result(name, size, changes, statistics.median(runs), percentile(runs, 0.95), reps)
        for (name, _, _), runs in zip(named, samples, strict=True)
    ]


def bench_diff(size: int, changes: int, reps: int) -> list[Result]:
    """``diff_refs`` of ``a<N>`` and ``b<N>`` in both modes (checked once, then timed)."""
    from ontology.diff import diff_refs

    base, head = f"a{changes}", f"b{changes}"
    for mode, expected in (("merge-base", changes), ("direct", 2 * changes)):
        found = len(diff_refs(base=base, head=head, mode=mode).changes)
        if found != expected:
            raise SystemExit(f"diff {mode} of {base}..{head}: {found} changes, not {expected}")
    return measure(
        size,
        changes,
        reps,
        [
            (DIFF_MB, lambda _: diff_refs(base=base, head=head, mode="merge-base"), None),
            (DIFF_DIRECT, lambda _: diff_refs(base=base, head=head, mode="direct"), None),
        ],
    )


def bench_cold_diff(size: int, changes: int, reps: int) -> list[Result]:
    """The merge-base diff as the first request of a fresh worker process makes it."""
    from ontology.diff import diff_refs

    base, head = f"a{changes}", f"b{changes}"

    def diff(_: int) -> None:
        diff_refs(base=base, head=head, mode="merge-base")

    return measure(size, changes, reps, [(DIFF_COLD, diff, empty_caches)])


def empty_caches(_: int) -> None:
    """A new store instance (empty object and commit LRUs) and no garbage."""
    from ontology.storage import stores

    stores.reset()
    gc.collect()


def bench_merge(size: int, changes: int, reps: int) -> list[Result]:
    """``branch_merge`` of ``b<N>`` into a fresh branch at ``a<N>`` per run, and a dry run."""
    from branches.services import branch_create, branch_merge
    from integrations.user_service.principal import SYSTEM

    source, target = f"b{changes}", f"a{changes}"

    def fresh_target(run: int) -> None:
        branch_create(name=f"into{changes}-{run}", start=target, actor=SYSTEM)

    def merge(run: int) -> None:
        outcome = branch_merge(source=source, target=f"into{changes}-{run}", actor=SYSTEM)
        if len(outcome.changes) != changes:
            raise SystemExit(f"merge of {source}: {len(outcome.changes)} changes, not {changes}")

    def dry_run(_: int) -> None:
        branch_merge(source=source, target=target, actor=SYSTEM, dry_run=True)

    return measure(size, changes, reps, [(MERGE, merge, fresh_target), (MERGE_DRY, dry_run, None)])


def bench_proposal(ontology: Ontology, reps: int) -> list[Result]:
    """Open, approve and merge a proposal of 10 changes into protected ``main`` per run."""
    from branches.services import branch_create
    from integrations.user_service.principal import SYSTEM

    editor, reviewer = api_client("editor"), api_client("reviewer")
    names = random.Random(f"{SEED}-proposal").sample(ontology.type_names(), PROPOSAL_CHANGES)
    steps: dict[str, list[float]] = {OPEN: [], APPROVE: [], PROPOSAL_MERGE: []}
    for run in range(1 + reps):  # the first run is the warm-up
        source = f"feature-{run}"
        branch_create(name=source, start="main", actor=SYSTEM)
        describe(source, names, source)
        timings = proposal_round(editor, reviewer, source)
        if run:
            for name, seconds in zip(steps, timings, strict=True):
                steps[name].append(seconds)
    steps[PROPOSAL_TOTAL] = [sum(run) for run in zip(*steps.values(), strict=True)]
    return [
        Result(
            name, ontology.size, PROPOSAL_CHANGES, statistics.median(s), percentile(s, 0.95), reps
        )
        for name, s in steps.items()
    ]


def proposal_round(editor: APIClient, reviewer: APIClient, source: str) -> list[float]:
    """Seconds of the three requests: open, approve, merge."""
    started = time.perf_counter()
    proposal = post(editor, API, {"source": source, "target": "main", "title": source})
    opened = time.perf_counter()
    post(reviewer, f"{API}{proposal['id']}/reviews/", {"verdict": "approve"})
    approved = time.perf_counter()
    post(editor, f"{API}{proposal['id']}/merge/", {})
    merged = time.perf_counter()
    return [opened - started, approved - opened, merged - approved]


def api_client(role: str) -> APIClient:
    """An in-process API client authenticated as a principal with ``role``'s scopes."""
    from rest_framework.test import APIClient

    from integrations.user_service.principal import Principal, scopes_for

    roles = frozenset({role})
    principal = Principal(
        id=f"bench-{role}", username=f"bench-{role}", roles=roles, scopes=scopes_for(roles)
    )
    client = APIClient()
    client.force_authenticate(user=principal)
    return client


def post(client: APIClient, path: str, body: Body) -> Body:
    """POST JSON and return the answer; anything but 200/201 stops the benchmark."""
    response = client.post(path, body, format="json")
    if response.status_code not in (200, 201):
        raise SystemExit(f"POST {path}: {response.status_code} {response.content[:500]!r}")
    return response.json()


# -- one size ----------------------------------------------------------------------------------


def bench_size(size: int, reps: Reps, workdir: Path) -> Measured:
    """Build the ontology and the branches for ``size`` elements, then time every operation."""
    setup_django(workdir)
    (workdir / "static").mkdir()  # STATIC_ROOT: WhiteNoise warns when it is missing
    ontology = Ontology.build(size)
    measured = Measured([])
    measured.setup["load"] = timed(lambda: load(ontology))
    _progress(f"{size:,} elements: loaded in {format_seconds(measured.setup['load'])}")
    counts = [n for n in CHANGES if fits(ontology, n)]
    measured.skipped = [n for n in CHANGES if n not in counts]
    for n in counts:
        measured.setup[f"fork {n}"] = timed(lambda n=n: fork(ontology, n))
    for n in counts:
        _record(measured, bench_diff(size, n, reps.diff[n]))
        _record(measured, bench_merge(size, n, reps.merge[n]))
    _record(measured, bench_proposal(ontology, reps.proposal))
    for n in counts:  # last: emptying the caches must not slow the warm operations down
        _record(measured, bench_cold_diff(size, n, reps.cold))
    return measured


def _record(measured: Measured, results: list[Result]) -> None:
    measured.results += results
    for r in results:
        _progress(
            f"{r.size:,} elements, {r.changes:,} changes: {r.op}: {format_seconds(r.median)} "
            f"(p95 {format_seconds(r.p95)})"
        )


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the report --------------------------------------------------------------------------------


def _target(result: Result) -> str:
    if result.op not in TARGETED or result.changes != 10:
        return "—"
    return f"< {TARGET * 1e3:.0f} ms {mark(result.median < TARGET)}"


def results_table(results: Sequence[Result]) -> str:
    """Every operation at every size: runs, median, p95 and the 50 ms target where it applies."""
    rows = [
        [
            r.op,
            f"{r.size:,}",
            f"{r.changes:,}",
            str(r.reps),
            format_seconds(r.median),
            format_seconds(r.p95),
            _target(r),
        ]
        for r in results
    ]
    headers = ["operation", "elements", "changes", "runs", "median", "p95", "target"]
    return render_table(headers, rows)


def scale_rows(results: Sequence[Result]) -> list[tuple[Result, Result]]:
    """Each operation measured at both the smallest and the largest size (same changes)."""
    sizes = sorted({r.size for r in results})
    by_key = {(r.op, r.changes, r.size): r for r in results}
    return [
        (r, by_key[r.op, r.changes, sizes[-1]])
        for r in results
        if r.size == sizes[0] and (r.op, r.changes, sizes[-1]) in by_key
    ]


def _scaled(small: Result, large: Result) -> bool:
    return large.median / small.median <= SCALE_TARGET


def scale_table(results: Sequence[Result]) -> str:
    """The largest size over the smallest per operation; the 1.5x target for targeted ones."""
    rows = []
    for small, large in scale_rows(results):
        targeted = small.op in TARGETED and small.changes == 10
        rows.append(
            [
                small.op,
                f"{small.changes:,}",
                format_seconds(small.median),
                format_seconds(large.median),
                f"{large.median / small.median:.2f}",
                f"≤ {SCALE_TARGET:.1f} {mark(_scaled(small, large))}" if targeted else "—",
            ]
        )
    small, large = scale_rows(results)[0]
    headers = [
        "operation",
        "changes",
        f"@{small.size:,}",
        f"@{large.size:,}",
        f"{large.size:,}/{small.size:,}",
        "target",
    ]
    return render_table(headers, rows)


def setup_table(measured: dict[int, Measured]) -> str:
    """How long loading the ontology and forking the branch pairs took."""
    steps = sorted({step for m in measured.values() for step in m.setup}, key=_step_order)
    rows = [
        [f"{size:,}", *(format_seconds(m.setup[s]) if s in m.setup else "—" for s in steps)]
        for size, m in measured.items()
    ]
    headers = ["elements", *(_step_label(s) for s in steps)]
    return render_table(headers, rows)


def _step_order(step: str) -> tuple[int, int]:
    return (0, 0) if step == "load" else (1, int(step.split()[1]))


def _step_label(step: str) -> str:
    if step == "load":
        return f"load (commits of {LOAD_BATCH:,})"
    return f"fork 2 branches × {int(step.split()[1]):,} changes"


def failures(results: Sequence[Result]) -> list[str]:
    """The targets missed: 50 ms per targeted operation, 1.5x between the sizes."""
    failing = [
        f"{r.op} @{r.size:,}"
        for r in results
        if r.op in TARGETED and r.changes == 10 and r.median >= TARGET
    ]
    failing += [
        f"{small.op} scaling"
        for small, large in scale_rows(results)
        if small.op in TARGETED and small.changes == 10 and not _scaled(small, large)
    ]
    return failing


def report(measured: dict[int, Measured], elapsed: float) -> str:
    """The tables and a verdict: which targets fail."""
    results = sorted(
        (r for m in measured.values() for r in m.results),
        key=lambda r: (r.size, r.changes, ROW_ORDER.index(r.op)),
    )
    parts = [
        f"OMS versioning (sql store on SQLite {sqlite3.sqlite_version}, Python "
        f"{platform.python_version()}, Django {django.__version__}): median and p95 per operation",
        "",
        results_table(results),
    ]
    if len(measured) > 1:
        parts += ["", "Scaling between the smallest and the largest size", ""]
        parts.append(scale_table(results))
    parts += ["", "Set-up (not timed against a target)", "", setup_table(measured)]
    skipped = [f"{n:,} changes @{s:,}" for s, m in measured.items() for n in m.skipped]
    if skipped:
        parts += ["", "Not run (fewer than 2N object types): " + "; ".join(skipped) + "."]
    failing = failures(results)
    verdict = "all targets met" if not failing else "targets missed: " + "; ".join(failing)
    parts += ["", f"{verdict}. Whole run {elapsed:.0f} s."]
    return "\n".join(parts)


# -- entry points ------------------------------------------------------------------------------


def run_child(size: int, quick: bool, out: Path) -> None:
    """Bench one size in this process and write what it measured to ``out`` as JSON."""
    with tempfile.TemporaryDirectory(prefix=f"oms-bench-versioning-{size}-") as tmp:
        measured = bench_size(size, Reps.for_run(quick), Path(tmp))
    out.write_text(json.dumps(asdict(measured)))


def run_size(size: int, quick: bool) -> Measured:
    """Bench one size in a child process (fresh interpreter and database)."""
    with tempfile.TemporaryDirectory(prefix="oms-bench-versioning-") as tmp:
        out = Path(tmp) / "measured.json"
        command = [sys.executable, __file__, f"--child-size={size}", f"--child-out={out}"]
        command += ["--quick"] if quick else []
        if subprocess.run(command, check=False).returncode != 0:
            raise SystemExit(f"The benchmark of {size:,} elements failed (see above).")
        raw = json.loads(out.read_text())
    results = [Result(**row) for row in raw.pop("results")]
    return Measured(results, **raw)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line: ``--sizes``, ``--quick``."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=[1000, 10000],
        type=size_list,
        help="comma-separated ontology sizes in elements (default: 1000,10000)",
    )
    parser.add_argument("--quick", action="store_true", help="few repetitions: a smoke run")
    parser.add_argument("--child-size", type=positive_int, help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.sizes:
        parser.error("--sizes needs at least one size")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run every size in its own child process, then print the tables."""
    args = parse_args(argv)
    if args.child_size:
        run_child(args.child_size, args.quick, args.child_out)
        return 0
    started = time.perf_counter()
    measured = {size: run_size(size, args.quick) for size in args.sizes}
    print(report(measured, time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
