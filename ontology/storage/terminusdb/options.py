"""Checking a TerminusDB store's OPTIONS before anything talks to the server."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


def check_options(alias: str, **options: Any) -> None:
    """``ImproperlyConfigured`` naming the alias when an option cannot work."""
    problems = []
    parts = urlsplit(options["url"]) if isinstance(options["url"], str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append(f"url must be an http(s) URL, got {options['url']!r}")
    for name in ("team", "db"):
        if not isinstance(options[name], str) or not NAME_RE.match(options[name]):
            problems.append(f"{name} must be letters, digits, '_' or '-', got {options[name]!r}")
    if not isinstance(options["user"], str) or not options["user"]:
        problems.append("user must be a non-empty string")
    if not isinstance(options["key"], str):
        problems.append("key must be a string")
    timeout = options["timeout"]
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        problems.append(f"timeout must be a positive number of seconds, got {timeout!r}")
    if problems:
        raise ImproperlyConfigured(f"OMS_STORAGES[{alias!r}] OPTIONS: " + "; ".join(problems))
