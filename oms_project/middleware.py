"""Request id: taken from ``X-Request-ID`` when sane, else generated; echoed and logged with
the principal and the branch of the request."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from oms_project.logging import branch_var, client_address_var, principal_var, request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
logger = logging.getLogger("oms.request")


class RequestIdMiddleware:
    """Give each request an id (``request.id``), return it in a header and log the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        # Django lets middleware add attributes to a request; django-stubs' HttpRequest does not.
        request.id = request_id  # type: ignore[attr-defined]
        tokens = [
            (request_id_var, request_id_var.set(request_id)),
            (client_address_var, client_address_var.set(client_address(request))),
            (principal_var, principal_var.set("-")),  # authentication sets it
            (branch_var, branch_var.set("-")),  # process_view sets it
        ]
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            return response
        finally:
            for var, token in reversed(tokens):
                var.reset(token)

    def process_view(
        self, request: HttpRequest, view: object, args: object, kwargs: dict[str, object]
    ) -> None:
        """The branch the URL names, for the logs (``name`` on a branch's own routes); the
        signed-in user of an admin page (the API's authentication names its own)."""
        user = getattr(request, "user", None)
        if request.path.startswith("/admin/") and user is not None and user.is_authenticated:
            principal_var.set(user.get_username())
        branch = kwargs.get("branch") or (
            kwargs.get("name") if request.path.startswith("/api/v1/branches/") else None
        )
        if isinstance(branch, str):
            branch_var.set(branch)


def client_address(request: HttpRequest) -> str:
    """The caller's address: ``X-Forwarded-For``'s first hop only behind a trusted proxy."""
    if settings.OMS_TRUST_PROXY:
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[0].strip()
        if forwarded:
            return forwarded[:100]
    return request.META.get("REMOTE_ADDR", "")[:100]


#: For every HTML page (the admin, the API docs, the landing page): scripts and everything
#: else only from this origin, no framing, no plugins; inline styles stay (the admin's own
#: templates use style attributes).
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:", "font-src 'self' data:", "connect-src 'self'", "object-src 'none'",
    "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'",
])  # fmt: skip


class ContentSecurityPolicyMiddleware:
    """Adds ``Content-Security-Policy`` to HTML answers (JSON needs none)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
