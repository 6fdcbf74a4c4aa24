"""Benchmark: the embedded SQL store against the git command line on the same documents.

For each ontology size (``--sizes``, default 1,000 and 10,000 documents of about 1 KB of
JSON) both sides get the same generated documents and the same history, then six operations
are timed side by side: create a branch, commit 1 and 100 changed documents, diff two
branches that differ by 10 documents, read one document at a commit 1,000 commits back, and
the first page (50) of the log. See ``docs/benchmarks.md`` for what each side runs.

Each size runs in a child process with its own temporary directory: a fresh SQLite file
(``OMS_VAR_DIR``) for OMS and a fresh repository for git, so a run never touches a
developer's data. Run it with ``make bench`` or ``.venv/bin/python bench/storage.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.common import (  # noqa: E402
    Action,
    format_seconds,
    interleaved_medians,
    mark,
    positive_int,
    render_table,
    size_list,
    timed,
)

if TYPE_CHECKING:
    from ontology.storage.base import Change
    from ontology.storage.sql import SQLStore

SEED = 20240601
HISTORY = 1000  # commits between the read-at-old-commit target and the head
LOAD_BATCH = 2000  # documents per commit of the initial load
PAGE = 50
AUTHOR = "bench"
RATIO_TARGET = 1.0  # OMS / git
SCALE_TARGET = 1.5  # OMS at the largest size / OMS at the smallest
KINDS = ("objectType", "linkType", "actionType", "interface", "sharedProperty")
DATA_TYPES = ("string", "integer", "double", "boolean", "date", "timestamp", "geopoint")
WORDS = (
    *("customer", "order", "invoice", "shipment", "flight", "aircraft", "airport", "route"),
    *("crew", "maintenance", "part", "supplier", "contract", "payment", "account", "ledger"),
    *("sensor", "reading", "alert", "incident", "ticket", "owner", "region", "site", "asset"),
    *("schedule", "status", "priority", "category", "amount", "currency", "quantity"),
)

Document = dict[str, Any]


# -- the workload ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reps:
    """Timed repetitions per operation (each after one untimed warm-up run)."""

    branch: int
    commit1: int
    commit100: int
    diff: int
    read: int
    log: int

    @classmethod
    def for_run(cls, quick: bool) -> Reps:
        if quick:
            return cls(branch=5, commit1=5, commit100=3, diff=5, read=5, log=5)
        return cls(branch=101, commit1=61, commit100=31, diff=101, read=101, log=101)


@dataclass(frozen=True)
class Result:
    """One operation at one size: the OMS and git medians in seconds."""

    op: str
    size: int
    oms: float
    git: float
    reps: int
    shared: str = ""  # "oms" or "git": that side's figure is another row's (same runs)


@dataclass
class Measured:
    """What one size produced: the results and the set-up times of both sides."""

    results: list[Result]
    setup: dict[str, float]
    lru_size: int  # the store's in-process LRU (OMS_STORE_CACHE_SIZE)


def _phrase(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _camel(text: str) -> str:
    first, *rest = text.split()
    return first + "".join(word.capitalize() for word in rest)


def make_document(rng: random.Random, index: int) -> Document:
    """One element-like document of about 1 KB of JSON."""
    kind = KINDS[index % len(KINDS)]
    name = _phrase(rng, 2)
    properties = [
        {
            "apiName": _camel(_phrase(rng, 2)),
            "displayName": _phrase(rng, 2).title(),
            "dataType": rng.choice(DATA_TYPES),
            "required": rng.random() < 0.3,
            "description": _phrase(rng, 6),
        }
        for _ in range(5)
    ]
    return {
        "id": f"{kind}-{index:06d}",
        "kind": kind,
        "apiName": f"{_camel(name)}{index}",
        "displayName": f"{name.title()} {index}",
        "description": _phrase(rng, 24),
        "status": rng.choice(("active", "experimental", "deprecated")),
        "owner": f"team-{rng.randrange(20)}",
        "revision": 0,
        "properties": properties,
    }


def make_ontology(size: int) -> list[Document]:
    """``size`` documents, the same ones on every run."""
    rng = random.Random(SEED + size)
    return [make_document(rng, index) for index in range(size)]


def revise(document: Document, tag: str) -> Document:
    """A changed copy of a document (new revision and description), about the same size."""
    changed = json.loads(json.dumps(document))
    changed["revision"] = document["revision"] + 1
    changed["description"] = f"{document['description'][:150]} [{tag}]"
    return changed


def doc_path(document: Document) -> str:
    """Where the git side keeps a document: one file per document, a folder per kind."""
    return f"{document['kind']}/{document['id']}.json"


def doc_text(document: Document) -> str:
    """The file text of a document on the git side (pretty JSON, diff-friendly)."""
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


@dataclass
class Workload:
    """Everything both sides do, decided before either side starts."""

    docs: list[Document]
    history: list[Document]  # one changed document per history commit, oldest first
    diff_changes: list[Document]  # what the ``diff-b`` branch changes on top of ``diff-a``
    read_id: str  # the document read at the commit ``len(history)`` commits back

    @classmethod
    def build(cls, size: int, history: int) -> Workload:
        docs = make_ontology(size)
        rng = random.Random(SEED)
        current = {d["id"]: d for d in docs}
        read_id = docs[size // 2]["id"]
        changed: list[Document] = []
        for n in range(history):
            # The read target changes early on, so the old commit's answer is not the head's.
            doc_id = read_id if n == 0 else docs[rng.randrange(size)]["id"]
            current[doc_id] = revise(current[doc_id], f"history {n}")
            changed.append(current[doc_id])
        diff_ids = rng.sample(sorted(current), 10)
        diff_changes = [revise(current[d], "diff") for d in diff_ids]
        return cls(docs, changed, diff_changes, read_id)

    def change_set(self, op: str, run: int, count: int) -> list[Document]:
        """``count`` distinct documents changed for run ``run`` of a commit operation."""
        rng = random.Random(f"{op}-{run}")
        picked = rng.sample(range(len(self.docs)), min(count, len(self.docs)))
        return [revise(self.docs[i], f"{op} run {run}") for i in picked]


# -- the OMS side ------------------------------------------------------------------------------


def setup_django(var_dir: Path) -> None:
    """Point Django at a fresh SQLite file under ``var_dir`` and create the tables."""
    var_dir.mkdir(parents=True, exist_ok=True)
    for name in ("DATABASE_URL", "OMS_SECRET_KEY_FILE"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "oms_project.settings",
            "OMS_VAR_DIR": str(var_dir),
            # Not OMS_DEBUG: with DEBUG on, Django records every query, a cost OMS never
            # pays in production. A throwaway key lets the settings load with DEBUG off.
            "OMS_DEBUG": "false",
            "OMS_SECRET_KEY": secrets.token_urlsafe(50),
            "OMS_STORE_BACKEND": "sql",
            "OMS_LOG_LEVEL": "WARNING",
        }
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


class OmsSide:
    """The ``sql`` store on SQLite, driven through the public ``VersionedStore`` API."""

    def __init__(self) -> None:
        self.store = self.fresh_store()
        self.old_commit = ""

    @staticmethod
    def fresh_store() -> SQLStore:
        """A new ``SQLStore`` with the configured options and an empty in-process LRU."""
        from django.conf import settings

        from ontology.storage.sql import SQLStore

        options = settings.OMS_STORAGES["default"]["OPTIONS"]
        return SQLStore("bench", **options)

    def build(self, work: Workload) -> None:
        """Initial load in large commits, the history in one-document commits, the diff pair."""
        self.store.initialize(author=AUTHOR)
        for start in range(0, len(work.docs), LOAD_BATCH):
            self.commit(puts(work.docs[start : start + LOAD_BATCH]), "initial load")
        self.old_commit = self.store.resolve("main")
        for n, document in enumerate(work.history):
            self.commit(puts([document]), f"history {n}")
        self.store.create_branch("diff-a", start="main", author=AUTHOR)
        self.store.create_branch("diff-b", start="main", author=AUTHOR)
        self.commit(puts(work.diff_changes), "ten changes", branch="diff-b")

    def commit(self, changes: Sequence[Change], message: str, branch: str = "main") -> None:
        """One commit of ``changes`` on ``branch``."""
        self.store.commit(branch, changes, author=AUTHOR, message=message)

    def create_branch(self, run: int) -> None:
        self.store.create_branch(f"bench-{run}", start="main", author=AUTHOR)

    def diff(self) -> None:
        assert len(self.store.changes("diff-a", "diff-b")) == 10

    def read(self, doc_id: str, store: SQLStore | None = None) -> None:
        (store or self.store).get(self.old_commit, doc_id)

    def log(self, store: SQLStore | None = None) -> None:
        assert len((store or self.store).log("main", limit=PAGE).commits) == PAGE


def puts(documents: Sequence[Document]) -> list[Change]:
    """A ``Put`` per document (built outside the timed region)."""
    from ontology.storage.base import Put

    return [Put(document) for document in documents]


# -- the git side ------------------------------------------------------------------------------


class GitRepo:
    """A git repository of one JSON file per document, driven by ``git`` subprocesses."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.old_commit = ""
        home = path.parent / "git-home"
        home.mkdir(exist_ok=True)
        # Same git for everyone: no system or user config, fixed identity, no auto gc.
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "LC_ALL": "C",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_AUTHOR_NAME": AUTHOR,
            "GIT_AUTHOR_EMAIL": "bench@example.org",
            "GIT_COMMITTER_NAME": AUTHOR,
            "GIT_COMMITTER_EMAIL": "bench@example.org",
        }

    def git(self, *args: str, stdin: bytes | None = None) -> bytes:
        """Run one git command in the repository and return its standard output."""
        done = subprocess.run(
            ["git", *args],
            cwd=self.path,
            env=self.env,
            input=stdin,
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)}: {done.stderr.decode(errors='replace')}")
        return done.stdout

    def build(self, work: Workload) -> None:
        """The same documents and history as the OMS side, written with ``git fast-import``."""
        self.path.mkdir()
        self.git("init", "-q", "-b", "main")
        self.git("config", "gc.auto", "0")
        stream = _FastImport()
        stream.commit("refs/heads/main", "initial load", work.docs)
        for n, document in enumerate(work.history):
            stream.commit("refs/heads/main", f"history {n}", [document])
        stream.reset("refs/heads/diff-a", "refs/heads/main")
        stream.commit("refs/heads/diff-b", "ten changes", work.diff_changes, start="diff-a")
        self.git("fast-import", "--quiet", stdin=stream.data())
        self.git("checkout", "-q", "-f", "main")
        self.old_commit = self.git("rev-parse", f"main~{len(work.history)}").decode().strip()

    def commit(self, documents: Sequence[tuple[str, str]], message: str) -> None:
        """Write the changed files, then stage and commit them in one ``git commit -a``.

        ``commit -a`` is the cheapest way for git: ``git add`` + ``git commit`` costs a
        second process that reads the index and checks the working tree again.
        """
        for path, text in documents:
            (self.path / path).write_text(text)
        self.git("commit", "-q", "-a", "-m", message)

    def create_branch(self, run: int) -> None:
        self.git("branch", f"bench-{run}", "main")

    def diff(self) -> None:
        self.git("diff", "diff-a", "diff-b")

    def diff_names(self) -> None:
        self.git("diff", "--name-only", "diff-a", "diff-b")

    def read_at(self, path: str) -> Action:
        """An action that reads ``path`` at the old commit."""
        return lambda _: self.git("show", f"{self.old_commit}:{path}")

    def log(self) -> None:
        self.git("log", "-n", str(PAGE), "main")


class _FastImport:
    """Builds a ``git fast-import`` stream (setup only: it is not what is timed)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.when = 1_700_000_000
        self.marks = 0
        self.tips: dict[str, int] = {}

    def commit(
        self, ref: str, message: str, documents: Sequence[Document], start: str | None = None
    ) -> None:
        self.marks += 1
        self.when += 1
        head = f"commit {ref}\nmark :{self.marks}\n"
        head += f"committer {AUTHOR} <bench@example.org> {self.when} +0000\n"
        self.parts += [head.encode(), _data(message.encode())]
        parent = self.tips.get(f"refs/heads/{start}" if start else ref)
        if parent:
            self.parts.append(f"from :{parent}\n".encode())
        for document in documents:
            self.parts.append(f"M 100644 inline {doc_path(document)}\n".encode())
            self.parts.append(_data(doc_text(document).encode()))
        self.parts.append(b"\n")
        self.tips[ref] = self.marks

    def reset(self, ref: str, source: str) -> None:
        self.parts.append(f"reset {ref}\nfrom :{self.tips[source]}\n\n".encode())
        self.tips[ref] = self.tips[source]

    def data(self) -> bytes:
        return b"".join(self.parts)


def _data(payload: bytes) -> bytes:
    """A ``data`` command of the fast-import stream."""
    return b"data %d\n%s\n" % (len(payload), payload)


# -- one size ----------------------------------------------------------------------------------


@dataclass
class Op:
    """One timed operation: what each side runs (None: reuse the figure of ``same_as``)."""

    name: str
    reps: int
    oms: Action | None
    git: Action | None
    prepare_oms: Action | None = None  # untimed, before each OMS run
    same_as: str = ""


def bench_size(size: int, reps: Reps, history: int, workdir: Path) -> Measured:
    """Build both sides for ``size`` documents and time every operation on each."""
    work = Workload.build(size, history)
    setup_django(workdir / "oms")
    oms, repo = OmsSide(), GitRepo(workdir / "repo")
    setup = {"oms": timed(lambda: oms.build(work)), "git": timed(lambda: repo.build(work))}
    _progress(
        f"{size} docs: set up in {format_seconds(setup['oms'])} (OMS), "
        f"{format_seconds(setup['git'])} (git fast-import)"
    )
    results: dict[str, Result] = {}
    for op in plan(work, oms, repo, reps, history):
        oms_median, git_median = _measure(op, results)
        shared = "oms" if op.oms is None else "git" if op.git is None else ""
        results[op.name] = Result(op.name, size, oms_median, git_median, op.reps, shared)
        _progress(
            f"{size} docs: {op.name}: OMS {format_seconds(oms_median)}, "
            f"git {format_seconds(git_median)}"
        )
    return Measured(list(results.values()), setup, oms.store.options["cache_size"])


def plan(work: Workload, oms: OmsSide, repo: GitRepo, reps: Reps, history: int) -> list[Op]:
    """The operations in the order they run (the issue's order)."""
    read_path = doc_path(next(d for d in work.docs if d["id"] == work.read_id))
    cold: dict[str, SQLStore] = {}

    def fresh_store(_: int) -> None:
        cold["store"] = oms.fresh_store()

    def fresh_store_after_read(_: int) -> None:
        # A process that just served a read at main holds main's head commit, nothing more.
        cold["store"] = oms.fresh_store()
        cold["store"].get("main", work.read_id)

    read, log = f"read @{history:,}+ commits back", f"log, first {PAGE}"
    diff = "diff, 10 docs apart"
    return [
        Op("create branch", reps.branch, oms.create_branch, repo.create_branch),
        _commit_op(work, oms, repo, "commit 1 doc", reps.commit1, 1),
        _commit_op(work, oms, repo, "commit 100 docs", reps.commit100, 100),
        Op(diff, reps.diff, lambda _: oms.diff(), lambda _: repo.diff()),
        Op(f"{diff} (git --name-only)", reps.diff, None, lambda _: repo.diff_names(), None, diff),
        Op(
            f"{read}, warm LRU",
            reps.read,
            lambda _: oms.read(work.read_id),
            repo.read_at(read_path),
        ),
        Op(
            f"{read}, cold LRU",
            reps.read,
            lambda _: oms.read(work.read_id, cold["store"]),
            None,
            fresh_store,
            f"{read}, warm LRU",
        ),
        Op(f"{log}, warm LRU", reps.log, lambda _: oms.log(), lambda _: repo.log()),
        Op(
            f"{log}, cold LRU",
            reps.log,
            lambda _: oms.log(cold["store"]),
            None,
            fresh_store,
            f"{log}, warm LRU",
        ),
        Op(
            f"{log}, cold LRU after a read",
            reps.log,
            lambda _: oms.log(cold["store"]),
            None,
            fresh_store_after_read,
            f"{log}, warm LRU",
        ),
    ]


def _commit_op(work: Workload, oms: OmsSide, repo: GitRepo, name: str, count: int, docs: int) -> Op:
    """A commit operation; change sets are made up front so only the commit is timed."""
    runs = count + 1  # the warm-up run too
    changed = [work.change_set(name, run, docs) for run in range(runs)]
    oms_sets = [puts(documents) for documents in changed]
    git_sets = [[(doc_path(d), doc_text(d)) for d in documents] for documents in changed]
    return Op(
        name,
        count,
        lambda run: oms.commit(oms_sets[run], f"{name} {run}"),
        lambda run: repo.commit(git_sets[run], f"{name} {run}"),
    )


def _measure(op: Op, done: dict[str, Result]) -> tuple[float, float]:
    """The (OMS, git) medians of ``op``, the two sides taking turns run by run."""
    actions: list[tuple[Action, Action | None]] = []
    if op.oms is not None:
        actions.append((op.oms, op.prepare_oms))
    if op.git is not None:
        actions.append((op.git, None))
    medians = iter(interleaved_medians(actions, op.reps))
    oms_median = next(medians) if op.oms is not None else done[op.same_as].oms
    git_median = next(medians) if op.git is not None else done[op.same_as].git
    return oms_median, git_median


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the report --------------------------------------------------------------------------------


def ratio_table(results: Sequence[Result]) -> str:
    """Operation, size, both medians, OMS/git and the ≤ 1.0 target (``*``: a reused figure)."""
    rows = [
        [
            r.op,
            f"{r.size:,}",
            str(r.reps),
            format_seconds(r.oms) + ("*" if r.shared == "oms" else ""),
            format_seconds(r.git) + ("*" if r.shared == "git" else ""),
            f"{r.oms / r.git:.2f}",
            f"≤ {RATIO_TARGET:.1f} {mark(r.oms / r.git <= RATIO_TARGET)}",
        ]
        for r in results
    ]
    headers = ["operation", "docs", "runs", "OMS median", "git median", "OMS/git", "target"]
    return render_table(headers, rows)


def scale_rows(results: Sequence[Result]) -> list[tuple[str, Result, Result]]:
    """Per OMS operation: its result at the smallest and at the largest size."""
    sizes = sorted({r.size for r in results})
    by_key = {(r.op, r.size): r for r in results if r.shared != "oms"}
    ops = dict.fromkeys(op for op, _ in by_key)
    return [(op, by_key[op, sizes[0]], by_key[op, sizes[-1]]) for op in ops]


def scale_table(results: Sequence[Result]) -> str:
    """OMS at the largest size over OMS at the smallest, per operation, and the ≤ 1.5 target."""
    rows = []
    for op, small, large in scale_rows(results):
        ratio = large.oms / small.oms
        rows.append(
            [
                op,
                format_seconds(small.oms),
                format_seconds(large.oms),
                f"{ratio:.2f}",
                f"≤ {SCALE_TARGET:.1f} {mark(ratio <= SCALE_TARGET)}",
            ]
        )
    _, small, large = scale_rows(results)[0]
    headers = [
        "operation",
        f"OMS @{small.size:,}",
        f"OMS @{large.size:,}",
        f"{large.size:,}/{small.size:,}",
        "target",
    ]
    return render_table(headers, rows)


def setup_table(setups: dict[int, dict[str, float]], history: int) -> str:
    """How long building each side took (not a comparison: git is fed by fast-import)."""
    rows = [
        [f"{size:,}", format_seconds(times["oms"]), format_seconds(times["git"])]
        for size, times in setups.items()
    ]
    headers = [
        "docs",
        f"OMS: load + {history:,} commits",
        f"git: fast-import + checkout ({history:,} commits)",
    ]
    return render_table(headers, rows)


def report(measured: dict[int, Measured], history: int, elapsed: float) -> str:
    """The tables and a verdict: which targets fail."""
    results = [r for m in measured.values() for r in m.results]
    failing = [f"{r.op} @{r.size:,}" for r in results if r.oms / r.git > RATIO_TARGET]
    lru = ", ".join(sorted({f"{m.lru_size:,}" for m in measured.values()}))
    parts = [
        f"OMS (sql store on SQLite, LRU of {lru} objects) vs git {_git_version()}: medians; "
        "* = the same measurement as the operation's first row",
        "",
        ratio_table(results),
    ]
    if len(measured) > 1:
        parts += ["", "OMS scaling between the smallest and the largest size", ""]
        parts.append(scale_table(results))
        failing += [
            f"{op} scaling" for op, s, b in scale_rows(results) if b.oms / s.oms > SCALE_TARGET
        ]
    parts += ["", "Set-up (not timed against each other)", ""]
    parts.append(setup_table({size: m.setup for size, m in measured.items()}, history))
    verdict = "all targets met" if not failing else "targets missed: " + "; ".join(failing)
    parts += ["", f"{verdict}. Whole run {elapsed:.0f} s."]
    return "\n".join(parts)


def _git_version() -> str:
    done = subprocess.run(["git", "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip().removeprefix("git version ")


# -- entry points ------------------------------------------------------------------------------


def run_child(size: int, quick: bool, history: int, out: Path) -> None:
    """Bench one size in this process and write what it measured to ``out`` as JSON."""
    with tempfile.TemporaryDirectory(prefix=f"oms-bench-{size}-") as tmp:
        measured = bench_size(size, Reps.for_run(quick), history, Path(tmp))
    out.write_text(json.dumps(asdict(measured)))


def run_size(size: int, quick: bool, history: int) -> Measured:
    """Bench one size in a child process (fresh interpreter, database and repository)."""
    with tempfile.TemporaryDirectory(prefix="oms-bench-") as tmp:
        out = Path(tmp) / "measured.json"
        command = [sys.executable, __file__, f"--child-size={size}", f"--history={history}"]
        command += [f"--child-out={out}", *(["--quick"] if quick else [])]
        if subprocess.run(command, check=False).returncode != 0:
            raise SystemExit(f"The benchmark of {size:,} documents failed (see above).")
        raw = json.loads(out.read_text())
    return Measured([Result(**row) for row in raw["results"]], raw["setup"], raw["lru_size"])


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line: ``--sizes``, ``--quick``, ``--history``."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=[1000, 10000],
        type=size_list,
        help="comma-separated ontology sizes in documents (default: 1000,10000)",
    )
    parser.add_argument("--quick", action="store_true", help="few repetitions: a smoke run")
    parser.add_argument(
        "--history",
        type=positive_int,
        default=HISTORY,
        help=f"commits between the old commit that is read and the head (default {HISTORY})",
    )
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
        run_child(args.child_size, args.quick, args.history, args.child_out)
        return 0
    started = time.perf_counter()
    measured = {size: run_size(size, args.quick, args.history) for size in args.sizes}
    print(report(measured, args.history, time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
