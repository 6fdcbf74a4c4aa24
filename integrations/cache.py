"""Cache access for integrations: an outage of the cache degrades to a miss, never an error.

Identity and tokens can always be fetched again from their source, so a Redis outage must
not turn into failed requests; it is logged instead.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache

logger = logging.getLogger("oms.integrations")


def cache_get(key: str) -> Any:
    """The cached value, or None when absent or when the cache cannot be reached."""
    try:
        return cache.get(key)
    except Exception as exc:  # noqa: BLE001 - any client error is an outage; see module doc
        logger.warning("cache unavailable on get %s: %s", key, exc)
        return None


def cache_set(key: str, value: Any, ttl: float) -> None:
    """Cache a value for ``ttl`` seconds (nothing when ttl <= 0 or the cache is down)."""
    if ttl <= 0:
        return
    try:
        cache.set(key, value, timeout=ttl)
    except Exception as exc:  # noqa: BLE001 - see cache_get
        logger.warning("cache unavailable on set %s: %s", key, exc)


def cache_delete(key: str) -> None:
    """Forget a cached value (nothing when the cache is down)."""
    try:
        cache.delete(key)
    except Exception as exc:  # noqa: BLE001 - see cache_get
        logger.warning("cache unavailable on delete %s: %s", key, exc)


def cache_claim(key: str, ttl: float) -> bool:
    """Set ``key`` only when it is absent (atomic): True for the one caller that set it.
    With the cache down every caller gets True (the limit it guards lapses, nothing fails)."""
    try:
        return bool(cache.add(key, True, timeout=ttl))
    except Exception as exc:  # noqa: BLE001 - see cache_get
        logger.warning("cache unavailable on add %s: %s", key, exc)
        return True
