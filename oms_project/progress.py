"""Progress of long work, for people watching a management command.

Library code reports what it is doing with :func:`stage` (a step without a count) and
:func:`step` (``done`` of ``total`` items); nothing is shown unless a command opened a
:func:`shown` block around the work. On a terminal the report is one redrawn line with a bar;
otherwise (a pipe, a log file, CI) plain lines: each stage once, counts every tenth of the
way. The reporter is a context variable, so work running in request threads never prints.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TextIO, cast

from django.core.management.base import OutputWrapper

BAR = 24
REDRAW_SECONDS = 0.1


class Reporter:
    """Writes the progress of one command to ``stream``."""

    def __init__(self, stream: TextIO, terminal: bool) -> None:
        self.stream = stream
        self.terminal = terminal
        self.label = ""
        self.shown_at = 0.0
        self.shown_tenth = -1
        self.open_line = False

    def stage(self, label: str) -> None:
        if label != self.label:
            self._line(f"{label}...", final=True)
            self.label = label

    def step(self, label: str, done: int, total: int | None = None) -> None:
        first = label != self.label
        self.label = label
        last = total is not None and done >= total
        if self.terminal:
            if first or last or time.monotonic() - self.shown_at >= REDRAW_SECONDS:
                self._line(f"{label}: {_bar(done, total)}", final=last)
            return
        tenth = (10 * done // total if total else done // 10_000) if done else -1
        if first or last or tenth != self.shown_tenth:
            self.shown_tenth = tenth
            self._line(f"{label}: {done}" + (f"/{total}" if total is not None else ""), final=True)

    def close(self) -> None:
        if self.open_line:
            self.stream.write("\n")
            self.stream.flush()

    def _line(self, text: str, *, final: bool) -> None:
        if self.terminal:
            self.stream.write(f"\r\033[K{text}" + ("\n" if final else ""))
            self.open_line = not final
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self.shown_at = time.monotonic()


def _bar(done: int, total: int | None) -> str:
    if not total:
        return f"{done}"
    filled = min(BAR, BAR * done // total)
    return f"[{'#' * filled}{'.' * (BAR - filled)}] {done}/{total}"


_reporter: ContextVar[Reporter | None] = ContextVar("oms_progress", default=None)


@contextmanager
def shown(stream: TextIO | OutputWrapper) -> Iterator[Reporter]:
    """Show the progress reported inside the block on ``stream`` (a command's stderr)."""
    # A command's OutputWrapper would end every write with a newline: write to its stream.
    out = cast(TextIO, stream._out) if isinstance(stream, OutputWrapper) else stream
    reporter = Reporter(out, terminal=out.isatty())
    token = _reporter.set(reporter)
    try:
        yield reporter
    finally:
        _reporter.reset(token)
        reporter.close()


def stage(label: str) -> None:
    """Say that a step of the work begins (shown only inside :func:`shown`)."""
    reporter = _reporter.get()
    if reporter is not None:
        reporter.stage(label)


def step(label: str, done: int, total: int | None = None) -> None:
    """Say that ``done`` of ``total`` items are through (shown only inside :func:`shown`)."""
    reporter = _reporter.get()
    if reporter is not None:
        reporter.step(label, done, total)
