"""Reachability of the real services the tests use, and the skip-or-fail rule for them."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

CI = os.environ.get("CI", "").lower() == "true"


def _port_open(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def postgres_available(url: str) -> bool:
    """PostgreSQL accepts TCP connections at ``url``."""
    return _port_open(url, 5432)


def redis_available(url: str) -> bool:
    """Redis accepts TCP connections at ``url``."""
    return _port_open(url, 6379)


def service_missing(name: str, how_to_start: str) -> None:
    """Skip with the reason, or fail under ``CI=true`` where every service is required."""
    message = f"{name} is not reachable; start it with: {how_to_start}"
    if CI:
        pytest.fail(f"CI=true requires {message}", pytrace=False)
    pytest.skip(message)
