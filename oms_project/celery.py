"""The Celery application; configuration comes from Django settings (``CELERY_*``).

A worker started with ``OMS_WORKER_METRICS_PORT`` (the Procfile's worker line) serves its
metrics, added up over its pool's processes, on that port (docs/observability.md).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms_project.settings")

METRICS_PORT = os.environ.get("OMS_WORKER_METRICS_PORT", "")
if METRICS_PORT and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    # Before prometheus_client is imported: every process of the pool writes its values here.
    _var = Path(os.environ.get("OMS_VAR_DIR") or Path(__file__).resolve().parent.parent / "var")
    _metrics = _var / "run" / f"metrics-worker-{os.getpid()}"
    shutil.rmtree(_metrics, ignore_errors=True)
    _metrics.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics)

app = Celery("oms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
def serve_metrics(**kwargs: Any) -> None:
    """The worker's /metrics, when asked for (its main process, before the pool starts)."""
    if METRICS_PORT:
        from prometheus_client import start_http_server

        from oms_project.metrics import registry

        host = os.environ.get("OMS_WORKER_METRICS_HOST", "127.0.0.1")
        start_http_server(int(METRICS_PORT), addr=host, registry=registry())


@signals.worker_shutdown.connect
def forget_metrics(**kwargs: Any) -> None:
    """The worker's metric files go with it."""
    if METRICS_PORT and os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").endswith(f"-{os.getpid()}"):
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
