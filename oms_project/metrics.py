"""OMS's own Prometheus metrics, beside django-prometheus' (requests, database, cache), and
the ``/metrics`` page that serves them all.

Several processes serve one app server (gunicorn's workers) or one Celery worker (its pool).
With ``PROMETHEUS_MULTIPROC_DIR`` set, as gunicorn.conf.py and the Procfile's worker line do,
every process writes its values there and the page adds them up; scrape-time collectors
(the audit outbox by state) are asked at the scrape. Names and labels: docs/observability.md.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from prometheus_client.registry import REGISTRY, Collector, CollectorRegistry

F = TypeVar("F", bound=Callable[..., Any])

#: Latency buckets (seconds) for work inside the process: from 0.5 ms to 10 s.
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

COMMITS = Counter("oms_commits_total", "Commits written, by the door they came through.", ["door"])
REFUSED = Counter(
    "oms_writes_refused_total",
    "Writes refused (not dry runs), by door and reason (MergeConflict, IntegrityFailed, ...).",
    ["door", "reason"],
)
VALIDATION_RUNS = Counter(
    "oms_validation_runs_total", "Branch validations run, by outcome.", ["outcome"]
)
VALIDATION_FINDINGS = Counter(
    "oms_validation_findings_total", "Findings of branch validations, by severity.", ["severity"]
)
SERVICE_CALLS = Histogram(
    "oms_service_call_seconds",
    "Calls to the User Service and the Audit Service, by service and outcome.",
    ["service", "outcome"],
    buckets=BUCKETS,
)
PRINCIPAL_CACHE = Counter(
    "oms_principal_cache_total",
    "Token validations answered from the cache (hit) or by the User Service (miss).",
    ["result"],
)
STORE_OPERATIONS = Histogram(
    "oms_store_operation_seconds",
    "Operations of the versioned store, by backend and operation.",
    ["backend", "operation"],
    buckets=BUCKETS,
)

#: Collectors asked at every scrape (registered by the apps that own them).
_scraped: list[Collector] = []


def scraped(collector: Collector) -> None:
    """Serve ``collector`` on ``/metrics``, asked at every scrape, once."""
    if collector not in _scraped:
        _scraped.append(collector)
        REGISTRY.register(collector)


def registry() -> CollectorRegistry:
    """What ``/metrics`` serves: every process of this server in multiprocess mode, else
    this process's registry."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)
    for collector in _scraped:
        combined.register(collector)
    return combined


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """``GET /metrics``: the Prometheus text format."""
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)


def timed_operations(cls: type, backend: str, names: Iterable[str]) -> None:
    """Time the store operations ``names`` that the backend class ``cls`` defines itself."""
    for name in names:
        if callable(vars(cls).get(name)):
            setattr(cls, name, _timed(vars(cls)[name], STORE_OPERATIONS.labels(backend, name)))


def _timed(function: F, histogram: Any) -> F:
    @wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            histogram.observe(time.perf_counter() - started)

    return timed  # type: ignore[return-value]
