"""Benchmark: importing releases of a real-sized OWL ontology (issue 16: a 60k-triple import
under 5 s, a whole upgrade under 10 s).

In a child process on a fresh SQLite database (``bench.storage``'s set-up), the four releases
``bench/owl_versions.py`` generates (900 classes and 22k triples growing to 1,900 classes and
62k triples, with a second namespace, moves, renames, deprecations, inverse pairs and
restrictions) are timed: the baseline, parsing the last release (what any import must at
least do; Oxigraph's parser, and rdflib's for comparison); mapping it to elements; importing
it onto an empty branch (one checked commit); and the upgrade journey: release 1 imported
into ``main``, then releases 2, 3 and 4, each in one call (``ontology_upgrade``: import onto
``upstream`` in replace mode, diff against ``main``, proposal opened or brought up to date).
The peak memory of the process is reported too. Run it with
``.venv/bin/python bench/owl_import.py``; see ``docs/benchmarks.md``.
"""

from __future__ import annotations

import gc
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.common import format_seconds, mark, render_table, samples_in_child  # noqa: E402

SAMPLES = 3
IMPORT_TARGET, UPGRADE_TARGET = 5.0, 10.0


def child(out: Path) -> None:
    from bench.owl_versions import versions
    from bench.storage import setup_django

    with tempfile.TemporaryDirectory(prefix="oms-bench-owl-") as tmp:
        setup_django(Path(tmp) / "var")
        from django.core.management import call_command
        from rdflib import Graph

        from branches.services import branch_create
        from branches.upgrades import ontology_upgrade
        from integrations.user_service.principal import SYSTEM
        from ontology.bundles import ImportReport
        from ontology.storage import get_store
        from ontology.turtle import turtle_elements, turtle_graph, turtle_import

        call_command("storage_init", verbosity=0)
        releases = versions()
        last = releases[-1]
        triples = len(Graph().parse(data=last, format="turtle"))
        store = get_store()
        root = store.log("main", limit=10).commits[-1].id
        fresh = iter(range(100))

        def import_fresh() -> object:
            branch = f"fresh-{next(fresh)}"  # as users make one: indexed, on main's root
            branch_create(name=branch, start=root, actor=SYSTEM)
            return turtle_import(branch=branch, text=last, actor=SYSTEM)

        timed = {
            "parse the last release (baseline)": lambda: turtle_graph(last),
            "map the last release to elements": lambda: turtle_elements(last),
            "import the last release onto an empty branch": import_fresh,
            "parse it with rdflib (for comparison)": lambda: Graph().parse(
                data=last, format="turtle"
            ),
        }
        samples: dict[str, list[float]] = {}
        for name, work in timed.items():
            work()
            samples[name] = []
            for _ in range(SAMPLES):
                gc.collect()  # each run starts from the same heap; its own garbage counts
                started = time.perf_counter()
                work()
                samples[name].append(time.perf_counter() - started)
        turtle_import(branch="main", text=releases[0], actor=SYSTEM)
        counts = []
        for number, text in enumerate(releases[1:], 2):

            def run_import(branch: str, text: str = text) -> ImportReport:
                return turtle_import(branch=branch, text=text, actor=SYSTEM, mode="replace")

            gc.collect()
            started = time.perf_counter()
            upgrade = ontology_upgrade(
                branch="upstream", target="main", actor=SYSTEM, run_import=run_import
            )
            samples[f"upgrade to release {number} (import, diff, proposal)"] = [
                time.perf_counter() - started
            ]
            report = upgrade.report
            counts.append(
                f"release {number}: {len(report.created)} created, {len(report.updated)} "
                f"updated, {len(report.deleted)} deleted, {len(report.unchanged)} unchanged, "
                f"bump {upgrade.diff.bump}"
            )
        samples["_info"] = [triples, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, counts]
    out.write_text(json.dumps(samples))


def main() -> int:
    samples = samples_in_child(__file__, child, "OWL import")
    if samples is None:
        return 0
    triples, peak_kb, counts = samples.pop("_info")
    baseline = statistics.median(next(iter(samples.values())))
    rows, missed = [], []
    for name, times in samples.items():
        median, worst = statistics.median(times), max(times)
        target = UPGRADE_TARGET if name.startswith("upgrade") else IMPORT_TARGET
        judged = name.startswith(("import", "upgrade"))
        ok = worst < target
        missed += [name] if judged and not ok else []
        rows.append([name, format_seconds(median), format_seconds(worst),
                     f"{median / baseline:.1f}x",
                     f"< {format_seconds(target)} {mark(ok)}" if judged else "-"])  # fmt: skip
    print(
        f"OMS import of OWL releases: the last has {triples} triples; {SAMPLES} runs each after "
        f"a warm-up (upgrades once each, in order); peak memory {peak_kb // 1024} MB\n"
    )
    print(render_table(["work", "median", "worst", "vs baseline", "target"], rows))
    print("\n" + "\n".join(counts))
    print("\n" + ("all targets met" if not missed else "targets missed: " + "; ".join(missed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
