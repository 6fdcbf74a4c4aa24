"""Helpers shared by the benchmarks: timing, medians and plain-text tables."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence


def timed(action: Callable[[], object]) -> float:
    """Seconds one call of ``action`` takes (wall clock, ``perf_counter``)."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def median_of(
    action: Callable[[int], object],
    repeat: int,
    *,
    prepare: Callable[[int], object] | None = None,
    warmup: int = 1,
) -> float:
    """Median seconds of ``action(i)`` over ``repeat`` runs, after ``warmup`` untimed runs.

    ``prepare(i)`` runs before each timed call, outside the timed region. Runs are numbered
    on from the warm-up runs, so an action that must not repeat itself (a new branch name, a
    new document revision) gets a fresh ``i`` every time.
    """
    samples: list[float] = []
    for i in range(warmup + repeat):
        if prepare is not None:
            prepare(i)
        elapsed = timed(lambda i=i: action(i))  # type: ignore[misc]
        if i >= warmup:
            samples.append(elapsed)
    return statistics.median(samples)


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
