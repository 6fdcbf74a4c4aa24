"""gunicorn's settings for every OMS app server.

gunicorn reads ``./gunicorn.conf.py`` when it starts in the repository root, so `make run`,
`make run-prod`, the Procfile and the tests' servers share these; arguments on the command
line win. See docs/deploy.md.
"""

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
from oms_project.serve import REQUEST_LINE_LIMIT  # noqa: E402

limit_request_line = REQUEST_LINE_LIMIT
workers = int(os.environ.get("OMS_WEB_WORKERS", "2"))
threads = int(os.environ.get("OMS_WEB_THREADS", "4"))
worker_class = "gthread"
graceful_timeout = 5
# Several app servers on one machine may share one port: the kernel spreads connections.
reuse_port = True

# Each instance has its own control socket (`gunicornc -s PATH`): by default one per master
# process under the var dir, never the shared ~/.gunicorn/gunicorn.ctl that a second server
# would delete at its start. The Procfile names each instance's socket instead.
_var = Path(os.environ.get("OMS_VAR_DIR") or ROOT / "var")
control_socket = str(_var / "run" / f"gunicorn-{os.getpid()}.ctl")

# Metrics of every worker of this instance, added up on /metrics (oms_project/metrics.py): a
# directory of its own, emptied when it starts and removed when it stops.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(_var / "run" / f"metrics-{os.getpid()}"))
_metrics = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
shutil.rmtree(_metrics, ignore_errors=True)
_metrics.mkdir(parents=True, exist_ok=True)  # another process may have made it meanwhile


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):  # type: ignore[no-untyped-def]
    shutil.rmtree(_metrics, ignore_errors=True)
