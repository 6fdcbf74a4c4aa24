"""Memory management for bulk work."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for the block (or the decorated function),
    then restored.

    An import builds hundreds of thousands of objects (terms, triples, element documents) that
    reference counting frees on its own; the collector, triggered by their allocation, walked
    them again and again: 1.5 to 2 of the 6.5 s of importing a 62k-triple ontology
    (docs/benchmarks.md). Overlapping blocks in other threads are safe: only the block that
    found the collector running turns it back on, so it is never left off.
    """
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()
