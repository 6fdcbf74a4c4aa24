"""Benchmark: the curators' admin pages, with the example ontology and with 2,000 object types.

Each scenario runs in a child process on a fresh SQLite database (``bench.storage``'s
set-up): the ontology on ``main``, a branch ``dev`` ten descriptions apart, and a proposal
from ``dev`` into ``main``. A curator with the ``admin`` role then requests every page a
curator uses through Django's test client (URL routing, middleware, the admin, the
templates): a browser list, a search, an element page, the graph, the diff, the proposal
page and the commit log. Each page is warmed up twice, then timed ``SAMPLES`` times. The
report gives p50 and p95 per page and scenario against issue 11's targets: p95 under
300 ms with the example ontology, under 1 s with 2,000 object types. Run it with
``.venv/bin/python bench/admin.py``; see ``docs/benchmarks.md`` ("Admin").
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.common import format_seconds, mark, percentile, render_table  # noqa: E402

SAMPLES = 30
TARGETS = {"example": 0.300, "2,000 object types": 1.0}
TYPES = 2000


def pages(names: list[str], proposal: int) -> list[tuple[str, str]]:
    """(page, URL) of every page a curator uses."""
    name = names[len(names) // 2]
    return [
        ("browser list", "/admin/ontology/?kind=object-types"),
        ("browser search", "/admin/ontology/?kind=object-types&search=order"),
        ("element page", f"/admin/ontology/object-types/{name}/?ref=main"),
        ("graph", "/admin/ontology/graph/?ref=main"),
        ("diff main..dev", "/admin/ontology/diff/?base=main&head=dev"),
        ("proposal page", f"/admin/branches/proposals/{proposal}/"),
        ("commit log", "/admin/history/log/?branch=main"),
    ]


def child(scenario: str, out: Path) -> None:
    """Build one scenario in this process, time its pages, write the samples as JSON."""
    from bench.storage import setup_django

    with tempfile.TemporaryDirectory(prefix="oms-bench-admin-") as tmp:
        setup_django(Path(tmp) / "var")
        (Path(tmp) / "var" / "static").mkdir(parents=True, exist_ok=True)
        names = _load(scenario)
        proposal = _fork(names)
        from django.contrib.auth.models import Group, User
        from django.test import Client

        curator = User.objects.create_user("curator")
        curator.groups.add(Group.objects.create(name="admin"))
        client = Client()
        client.force_login(curator)
        samples: dict[str, list[float]] = {}
        for page, url in pages(names, proposal):
            for _ in range(2):
                _get(client, url)
            samples[page] = [_get(client, url) for _ in range(SAMPLES)]
    out.write_text(json.dumps(samples))


def _load(scenario: str) -> list[str]:
    """The ontology on ``main``; the names of its object types."""
    from django.core.management import call_command

    from branches.models import BranchPolicy
    from ontology.selectors import catalog_at

    call_command("storage_init", verbosity=0)  # the store, main, and main's index rows
    if scenario == "example":
        from ontology.examples import example_ontology_load

        example_ontology_load()
    else:
        from bench.versioning import Ontology, load

        size = TYPES
        while len(Ontology.build(size).types) < TYPES:
            size += 10
        load(Ontology.build(size))
    BranchPolicy.objects.update_or_create(branch="main", defaults={"protected": False})
    return [d["apiName"] for d in catalog_at(branch="main").of_kind("object-types")]


def _fork(names: list[str]) -> int:
    """Branch ``dev`` with ten descriptions changed, and a proposal from it into ``main``."""
    from bench.versioning import describe
    from branches.proposals import proposal_open
    from branches.services import branch_create
    from integrations.user_service.principal import SYSTEM

    branch_create(name="dev", start="main", actor=SYSTEM)
    describe("dev", random.Random(11).sample(names, min(10, len(names))), "dev")
    opened = proposal_open(source="dev", target="main", title="Ten descriptions",
                           description="For the benchmark.", actor=SYSTEM)  # fmt: skip
    return opened.pk


def _get(client: object, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"GET {url}: {response.status_code}")
    return elapsed


def run(scenario: str) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "samples.json"
        command = [sys.executable, __file__, "--child", scenario, str(out)]
        if subprocess.run(command, check=False).returncode != 0:
            raise SystemExit(f"The {scenario} scenario failed (see above).")
        return json.loads(out.read_text())


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]))
        return 0
    started = time.perf_counter()
    rows, missed = [], []
    for scenario, target in TARGETS.items():
        for page, samples in run(scenario).items():
            ordered = sorted(samples)
            p95 = percentile(ordered, 0.95)
            ok = p95 < target
            missed += [] if ok else [f"{page} [{scenario}]"]
            p50 = format_seconds(percentile(ordered, 0.5))
            rows.append([scenario, page, p50, format_seconds(p95),
                         f"< {format_seconds(target)} {mark(ok)}"])  # fmt: skip
    print(f"OMS admin pages (in process, SQLite): {SAMPLES} requests each after 2 warm-ups\n")
    print(render_table(["scenario", "page", "p50", "p95", "target"], rows))
    verdict = "all targets met" if not missed else "targets missed: " + "; ".join(missed)
    print(f"\n{verdict}. Whole run {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
