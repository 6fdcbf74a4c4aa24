"""Helpers shared by the benchmarks: timing, medians, plain-text tables, a cold child process."""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


def timed(action: Callable[[], object]) -> float:
    """Seconds one call of ``action`` takes (wall clock, ``perf_counter``)."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


Action = Callable[[int], object]


def interleaved_samples(
    actions: Sequence[tuple[Action, Action | None]], repeat: int, *, warmup: int = 1
) -> list[list[float]]:
    """Seconds of every timed run of each ``(action, prepare)`` pair, the actions taking turns.

    Run ``i`` calls every action once (``a(i), b(i), a(i+1), ...``), so a load spike on
    the machine hits all of them alike rather than one. ``prepare(i)``, when given, runs
    before its action outside the timed region. The first ``warmup`` runs are not timed;
    every run has its own ``i``, so an action that must not repeat itself (a new branch
    name, a new document revision) can derive it from ``i``.
    """
    samples: list[list[float]] = [[] for _ in actions]
    for i in range(warmup + repeat):
        for timings, (action, prepare) in zip(samples, actions, strict=True):
            if prepare is not None:
                prepare(i)
            start = time.perf_counter()
            action(i)
            elapsed = time.perf_counter() - start
            if i >= warmup:
                timings.append(elapsed)
    return samples


def interleaved_medians(
    actions: Sequence[tuple[Action, Action | None]], repeat: int, *, warmup: int = 1
) -> list[float]:
    """Median seconds of each ``(action, prepare)`` pair (see :func:`interleaved_samples`)."""
    samples = interleaved_samples(actions, repeat, warmup=warmup)
    return [statistics.median(timings) for timings in samples]


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` 0.95 for p95) of some samples; NaN if none."""
    ordered = sorted(samples)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def format_seconds(seconds: float) -> str:
    """A duration in the unit that reads best: µs, ms or s."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def mark(ok: bool) -> str:
    """The pass/fail mark printed next to a target."""
    return "PASS" if ok else "FAIL"


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table with padded columns (readable as plain text too)."""
    widths = [
        max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)
    ]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def positive_int(text: str) -> int:
    """An ``argparse`` type: a whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive integer")
    return value


def size_list(text: str) -> list[int]:
    """An ``argparse`` type: comma-separated positive integers, such as ``1000,10000``."""
    try:
        return [positive_int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list like 1000,10000") from None


def samples_in_child(script: str, child: Callable[[Path], None], what: str) -> Any:
    """The samples ``child`` writes when ``script`` runs it in a fresh interpreter
    (``script --child OUT``), so each benchmark starts from a cold process; None inside that
    child, after running it."""
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]))
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "samples.json"
        if subprocess.run([sys.executable, script, "--child", str(out)]).returncode != 0:
            raise SystemExit(f"The {what} benchmark failed (see above).")
        return json.loads(out.read_text())
