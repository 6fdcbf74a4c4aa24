"""Outages of a shared dependency fail a request closed: 503 with ``Retry-After``."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django import db
from django.http import HttpRequest, HttpResponse
from django_redis.exceptions import ConnectionInterrupted
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

from oms_project.problems import problem_response

logger = logging.getLogger("oms.errors")

#: Failures of a shared dependency, not of the request: Redis (down, failing over, or a
#: demoted primary refusing writes), the Celery broker, the database connection.
OUTAGES: tuple[type[BaseException], ...] = (
    RedisConnectionError, RedisTimeoutError, ReadOnlyError, ConnectionInterrupted,
    KombuOperationalError, db.OperationalError, db.InterfaceError,
)  # fmt: skip
RETRY_AFTER_SECONDS = 5


class DependencyOutageMiddleware:
    """A request that meets an outage of Redis, the broker or the database fails closed: 503
    problem details with ``Retry-After`` (the seconds of a Redis failover, say), never a 500.
    A write refused this way has changed nothing: it fails before its transaction commits."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, OUTAGES):
            return None
        logger.warning("dependency unavailable: %s: %s", type(exc).__name__, exc)
        return problem_response(
            status=503, code="dependency_unavailable", title="Service unavailable",
            detail=f"A dependency of OMS is unavailable ({type(exc).__name__}); try again.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )  # fmt: skip
