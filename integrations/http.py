"""One way to call an external HTTP service: timeouts, one retry, typed errors."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import requests

from integrations.exceptions import ServiceRejected, ServiceUnavailable
from oms_project.metrics import SERVICE_CALLS

logger = logging.getLogger("oms.integrations")
TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504}
MIN_RETRY_SECONDS = 0.05  # less than this left of the deadline: no retry
_shared_deadline: ContextVar[float | None] = ContextVar("oms_http_deadline", default=None)


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Every call made inside shares one deadline, ``seconds`` from now: several calls that
    together answer one question (a key set, then a validation) wait no longer than one."""
    at = time.monotonic() + seconds
    outer = _shared_deadline.get()
    token = _shared_deadline.set(at if outer is None else min(outer, at))
    try:
        yield
    finally:
        _shared_deadline.reset(token)


class JsonHttpClient:
    """JSON over HTTP to one service: ``timeout`` is the deadline of the whole call, the one
    retry of a transient failure included (a retry gets only what time is left)."""

    def __init__(self, name: str, base_url: str, *, timeout: float, retries: int = 1) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.session = requests.Session()

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """The response of a 2xx answer; ``ServiceUnavailable`` or ``ServiceRejected`` else
        (timed on /metrics by outcome: ok, unavailable, rejected)."""
        started, outcome = time.perf_counter(), "unavailable"
        try:
            response = self._request(method, path, **kwargs)
        except ServiceRejected:
            outcome = "rejected"
            raise
        else:
            outcome = "ok"
            return response
        finally:
            SERVICE_CALLS.labels(self.name, outcome).observe(time.perf_counter() - started)

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = f"{self.base_url}{path}"
        error: ServiceUnavailable | None = None
        until = time.monotonic() + self.timeout
        if (shared := _shared_deadline.get()) is not None:
            until = min(until, shared)
        for attempt in range(1 + self.retries):
            remaining = until - time.monotonic()
            if remaining < (MIN_RETRY_SECONDS if attempt else 0.001):
                # No time left for a(nother) try: the deadline is the caller's promise.
                error = error or ServiceUnavailable(
                    f"{self.name} did not answer within {self.timeout}s"
                )
                break
            try:
                response = self.session.request(method, url, timeout=remaining, **kwargs)
            except requests.Timeout as exc:
                error = ServiceUnavailable(f"{self.name} did not answer within {self.timeout}s")
                logger.warning("%s %s attempt %d: timeout: %s", method, url, attempt + 1, exc)
                continue
            except requests.RequestException as exc:
                error = ServiceUnavailable(f"{self.name} is unreachable: {type(exc).__name__}")
                logger.warning("%s %s attempt %d: %s", method, url, attempt + 1, exc)
                continue
            if response.status_code in TRANSIENT_STATUS:
                error = ServiceUnavailable(f"{self.name} answered {response.status_code}")
                continue
            if response.status_code >= 400:
                raise ServiceRejected(
                    f"{self.name} answered {response.status_code}",
                    upstream_status=response.status_code,
                )
            return response
        assert error is not None
        raise error

    def json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """The JSON object of a 2xx answer."""
        response = self.request(method, path, **kwargs)
        try:
            body = response.json()
        except ValueError:
            raise ServiceRejected(f"{self.name} answered with a body that is not JSON") from None
        if not isinstance(body, dict):
            raise ServiceRejected(f"{self.name} answered with JSON that is not an object")
        return body
