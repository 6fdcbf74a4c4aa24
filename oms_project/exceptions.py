"""The base of every OMS domain error: an HTTP status, a stable code and a title.

Apps subclass :class:`OMSError` in their own ``exceptions.py``; the one exception handler in
``oms_project.problems`` renders any of them as RFC 9457 problem details.
"""

from __future__ import annotations

from typing import Any


class OMSError(Exception):
    """A domain error that knows how it is shown to an API client."""

    status = 500
    code = "error"
    title = "Internal error"
    #: Whether a caller may retry the same operation later (transports, contention).
    retryable = False

    def __init__(
        self,
        detail: str = "",
        *,
        errors: list[dict[str, Any]] | None = None,
        **extra: Any,
    ):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors or []
        self.extra = extra
