"""Rate limits on the shared cache (Redis in production, so every worker counts together).

Three limits, each a setting (``OMS_THROTTLE_*``: ``N/second|minute|hour|day``):

- ``writes``: changes per principal (every unsafe method of the API);
- ``login-address``: sign-in attempts per client address, on ``POST /auth/token/`` and the
  admin's login form alike;
- ``login-username``: sign-in attempts per username, wherever they come from.

A refused request answers 429 with ``Retry-After`` (the admin's form says how long to wait).
Counting is a sliding window of attempt times kept in the cache, as DRF's throttles do.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from oms_project.middleware import client_address

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"30/minute"`` as (30 requests, 60 seconds)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip()[:1]]


def hit(scope: str, ident: str) -> float | None:
    """Record an attempt of ``ident`` under ``scope``; the seconds to wait when it is one too
    many (the attempt is then not recorded), else None."""
    rate = settings.OMS_THROTTLE_RATES.get(scope)
    if not rate or not ident:
        return None
    limit, period = parse_rate(rate)
    key = f"oms-throttle:{scope}:{ident}"
    now = time.time()
    history = [t for t in cache.get(key, []) if t > now - period]
    if len(history) >= limit:
        return max(history[0] + period - now, 1.0)
    cache.set(key, [*history, now], period)
    return None


class ScopedThrottle(BaseThrottle):
    """A DRF throttle over :func:`hit`; subclasses say which scope and whom to count."""

    scope = ""

    def ident(self, request: Request) -> str:
        raise NotImplementedError

    def allow_request(self, request: Request, view: Any) -> bool:
        self.waiting = hit(self.scope, self.ident(request))
        return self.waiting is None

    def wait(self) -> float | None:
        return self.waiting


class WriteThrottle(ScopedThrottle):
    """Changes per principal (reads are not counted)."""

    scope = "writes"

    def ident(self, request: Request) -> str:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return ""
        return str(getattr(request.user, "id", "") or "")


class LoginAddressThrottle(ScopedThrottle):
    scope = "login-address"

    def ident(self, request: Request) -> str:
        return client_address(request)


class LoginUsernameThrottle(ScopedThrottle):
    scope = "login-username"

    def ident(self, request: Request) -> str:
        data = request.data if isinstance(request.data, dict) else {}
        return str(data.get("username", ""))[:150].lower()


def login_wait(address: str, username: str) -> float | None:
    """For the admin's login form: the same two limits as the token endpoint."""
    return hit("login-address", address) or hit("login-username", username[:150].lower())
