"""``python -m oms_project.serve``: the web server (gunicorn) and the Celery worker with beat,
together, for ``make run``; with ``--procfile Procfile``, every process the Procfile names
(``make run-prod``: two app servers, a worker, one beat). Ctrl-C or SIGTERM stops them all,
every child gone within 10 s.

Each runs in its own process group. On SIGINT or SIGTERM both main processes hear SIGTERM
(gunicorn stops its workers gracefully, Celery finishes its running tasks), and whatever
of either group still runs after ``GRACE`` seconds is killed. When either one exits on its own, the
other is stopped too, and the exit status is the first one's.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

#: The longest request line (method, path and query) gunicorn reads (its maximum); a longer
#: one is answered 414 before the request reaches Django (documented in the OpenAPI file).
REQUEST_LINE_LIMIT = 8190

GRACE = 8.0  # seconds between SIGTERM and SIGKILL


def commands(host: str, port: int) -> list[list[str]]:
    """`make run`: one app server (its settings in gunicorn.conf.py) and a worker with beat."""
    bin_dir = Path(sys.executable).parent
    return [
        [str(bin_dir / "celery"), "-A", "oms_project", "worker", "--beat", "--concurrency", "2",
         "--loglevel", "INFO"],
        [str(bin_dir / "gunicorn"), "oms_project.wsgi", "--bind", f"{host}:{port}",
         "--access-logfile", "-"],
    ]  # fmt: skip


def procfile_commands(path: Path) -> dict[str, list[str]]:
    """Each ``name: command`` line of a Procfile by name, run by the shell (which expands
    ``${VARIABLE:-default}``); the virtualenv's programs come first on the ``PATH``."""
    path_first = f'export PATH="{Path(sys.executable).parent}:$PATH";'
    entries = {}
    for line in path.read_text().splitlines():
        name, colon, command = line.partition(":")
        if colon and name.strip() and not name.lstrip().startswith("#"):
            entries[name.strip()] = ["/bin/sh", "-c", f"{path_first} exec {command.strip()}"]
    return entries


def serve(commands: list[list[str]]) -> int:
    children = [subprocess.Popen(c, start_new_session=True) for c in commands]
    stopping: list[int] = []

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    status = 0
    while not stopping:
        ended = [c for c in children if c.poll() is not None]
        if ended:
            status = ended[0].returncode or 0
            break
        time.sleep(0.2)
    _stop(children)
    return status


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:  # the leaders: they stop their own workers (a warm shutdown)
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + GRACE
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for child in children:  # what is left, and any grandchild of a group, goes now
        _signal_group(child, signal.SIGKILL)
        child.wait()


def _signal_group(child: subprocess.Popen[bytes], signum: int) -> None:
    try:
        os.killpg(child.pid, signum)
    except ProcessLookupError:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--procfile", type=Path, help="Run this Procfile's processes instead.")
    args = parser.parse_args()
    if args.procfile:
        return serve(list(procfile_commands(args.procfile).values()))
    return serve(commands(args.host, args.port))


if __name__ == "__main__":
    sys.exit(main())
