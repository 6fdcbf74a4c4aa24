"""Benchmark: validation of a whole branch with 2,000 object types (issue 13: under 10 s).

In a child process on a fresh SQLite database (``bench.storage``'s set-up), the 2,000-type
bench ontology goes on ``main``; ``dev`` forks it with ten descriptions changed and opens a
proposal into ``main`` (the set-up of ``bench/admin.py``). Timed, ``SAMPLES`` times each
after one warm-up: the baseline, reading every element of ``main`` (what any validation must
at least do), then ``validate_branch`` of ``main`` (integrity, deprecations, references) and
of ``dev`` (the same plus the compatibility of what its proposal would bring, under main's
modes). Run it with ``.venv/bin/python bench/validation.py``; see ``docs/benchmarks.md``.
"""

from __future__ import annotations

import json
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
TARGET = 10.0


def child(out: Path) -> None:
    from bench.admin import _fork, _load
    from bench.storage import setup_django

    with tempfile.TemporaryDirectory(prefix="oms-bench-validation-") as tmp:
        setup_django(Path(tmp) / "var")
        names = _load("2,000 object types")
        _fork(names)
        from branches.validation import validate_branch
        from ontology.kinds import KINDS
        from ontology.selectors import catalog_at

        def read_all() -> object:
            catalog = catalog_at(branch="main")
            return [d for kind in KINDS for d in catalog.of_kind(kind)]

        timed = {
            "read every element of main (baseline)": read_all,
            "validate main": lambda: validate_branch(branch="main"),
            "validate dev (open proposal into main)": lambda: validate_branch(branch="dev"),
        }
        samples: dict[str, list[float]] = {}
        for name, work in timed.items():
            work()
            samples[name] = []
            for _ in range(SAMPLES):
                started = time.perf_counter()
                work()
                samples[name].append(time.perf_counter() - started)
        found = validate_branch(branch="dev")
        samples["_counts"] = [len(names), found.checked["elements"], len(found.findings)]
    out.write_text(json.dumps(samples))


def main() -> int:
    samples = samples_in_child(__file__, child, "validation")
    if samples is None:
        return 0
    types, elements, findings = samples.pop("_counts")
    baseline = statistics.median(next(iter(samples.values())))
    rows, missed = [], []
    for name, times in samples.items():
        median, worst = statistics.median(times), max(times)
        judged = name.startswith("validate")
        ok = worst < TARGET
        missed += [name] if judged and not ok else []
        rows.append([name, format_seconds(median), format_seconds(worst),
                     f"{median / baseline:.1f}x",
                     f"< {format_seconds(TARGET)} {mark(ok)}" if judged else "-"])  # fmt: skip
    print(
        f"OMS validation of a whole branch: {types} object types ({elements} elements), "
        f"{SAMPLES} runs each after a warm-up; dev's validation found {findings} finding(s)\n"
    )
    print(render_table(["work", "median", "worst", "vs baseline", "target"], rows))
    print("\n" + ("all targets met" if not missed else "targets missed: " + "; ".join(missed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
