"""The collector pause of bulk imports is never left on or off by mistake."""

from __future__ import annotations

import gc
import threading

from oms_project.memory import collector_paused


def test_the_collector_runs_again_after_the_block_even_when_it_raises():
    assert gc.isenabled()
    try:
        with collector_paused():
            assert not gc.isenabled()
            raise RuntimeError("an import fails")
    except RuntimeError:
        pass
    assert gc.isenabled()


def test_overlapping_blocks_leave_the_collector_as_the_first_found_it():
    inside, release = threading.Event(), threading.Event()

    def long_import() -> None:
        with collector_paused():
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=long_import)
    worker.start()
    inside.wait(10)
    with collector_paused():  # starts while the other one runs, ends first
        pass
    assert not gc.isenabled()  # the other block still runs: it found the collector on
    release.set()
    worker.join(10)
    assert gc.isenabled()


def test_a_block_inside_a_paused_section_does_not_turn_the_collector_on():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
