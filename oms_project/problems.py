"""One exception handler renders every error as RFC 9457 problem details.

Shape: ``{type, title, status, detail, code, errors: [{path, code, message}], requestId}``
served as ``application/problem+json``. DRF errors, Django's own (404, 403, oversized body)
and every :class:`~oms_project.exceptions.OMSError` go through :func:`problem_response`.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any, Protocol

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404
from rest_framework import exceptions as drf
from rest_framework.views import set_rollback

from oms_project.exceptions import OMSError
from oms_project.logging import request_id_var

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://oms.dev/problems/"
logger = logging.getLogger("oms.errors")


def problem_response(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JsonResponse:
    """A problem-details response; ``extra`` members are added at the top level."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + code.replace("_", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "errors": errors or [],
        "requestId": request_id_var.get(),
        **extra,
    }
    response = JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def flatten_drf_errors(detail: Any, path: str = "$") -> list[dict[str, str]]:
    """Turn DRF's nested error detail into ``[{path, code, message}]`` with JSON paths."""
    if isinstance(detail, dict):
        items: list[dict[str, str]] = []
        for key, value in detail.items():
            if key in ("non_field_errors", "detail"):
                child = path
            elif isinstance(key, int):  # list items report their index as the key
                child = f"{path}[{key}]"
            else:
                child = f"{path}.{key}"
            items.extend(flatten_drf_errors(value, child))
        return items
    if isinstance(detail, list):
        items = []
        for index, value in enumerate(detail):
            nested = isinstance(value, dict | list)
            items.extend(flatten_drf_errors(value, f"{path}[{index}]" if nested else path))
        return items
    return [
        {
            "path": path,
            "code": getattr(detail, "code", "invalid"),
            "message": str(detail),
        }
    ]


DRF_CODES = {
    drf.ValidationError: "invalid_input",
    drf.ParseError: "malformed_request",
    drf.NotAuthenticated: "not_authenticated",
    drf.AuthenticationFailed: "authentication_failed",
    drf.PermissionDenied: "permission_denied",
    drf.NotFound: "not_found",
    drf.MethodNotAllowed: "method_not_allowed",
    drf.NotAcceptable: "not_acceptable",
    drf.UnsupportedMediaType: "unsupported_media_type",
    drf.Throttled: "throttled",
}


def problem_details_handler(exc: Exception, context: dict[str, Any]) -> JsonResponse | None:
    """DRF ``EXCEPTION_HANDLER``: every error becomes problem details, never HTML."""
    if isinstance(exc, OMSError):
        set_rollback()
        if exc.status >= 500:
            logger.error("%s: %s", exc.code, exc.detail)
        return problem_response(
            status=exc.status,
            code=exc.code,
            title=exc.title,
            detail=exc.detail,
            errors=exc.errors,
            **exc.extra,
        )
    if isinstance(exc, Http404):
        exc = drf.NotFound(str(exc) or None)
    elif isinstance(exc, PermissionDenied):
        exc = drf.PermissionDenied(str(exc) or None)
    elif isinstance(exc, RequestDataTooBig):
        set_rollback()
        return problem_response(
            status=413,
            code="payload_too_large",
            title="Payload too large",
            detail=str(exc),
        )
    if not isinstance(exc, drf.APIException):
        return None  # a bug: Django's 500 handler (problem details too, see urls.py)
    set_rollback()
    code = next((c for t, c in DRF_CODES.items() if isinstance(exc, t)), exc.default_code)
    headers: dict[str, str] = {}
    # APIView.handle_exception sets auth_header on 401s; Throttled carries wait.
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    wait = getattr(exc, "wait", None)
    if wait:
        headers["Retry-After"] = str(int(wait))
    if isinstance(exc, drf.ValidationError):
        detail, errors = (
            "The request has invalid fields.",
            flatten_drf_errors(exc.detail),
        )
    elif isinstance(exc.detail, dict):  # simplejwt's errors carry a dict
        detail, errors = str(exc.detail.get("detail", exc.default_detail)), []
    else:
        detail, errors = str(exc.detail), []
    return problem_response(
        status=exc.status_code,
        code=code,
        title=_title(exc),
        detail=detail,
        errors=errors,
        headers=headers,
    )


class ProblemView(Protocol):
    """A Django error view: ``handler404``/``handler403``/``handler400`` get the exception."""

    def __call__(
        self, request: HttpRequest, exception: Exception | None = None
    ) -> HttpResponse: ...


def problem_view(status: int, code: str, title: str) -> ProblemView:
    """A Django ``handler404``/``handler500`` style view answering with problem details, or
    with an HTML page in the admin's look under ``/admin/`` (curators use a browser there)."""

    def view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
        detail = f"Nothing is served at {request.path}." if status == 404 else title
        if request.path.startswith("/admin/"):
            if status in (400, 404) and exception is not None and exception.args \
                    and not isinstance(exception, Resolver404):  # fmt: skip
                detail = str(exception.args[0])  # the page's own reason says more
            return admin_error(request, status=status, title=title, detail=detail)
        return problem_response(status=status, code=code, title=title, detail=detail)

    return view


def admin_error(request: HttpRequest, *, status: int, title: str, detail: str) -> HttpResponse:
    """An error page of the admin (``templates/admin/error.html``)."""
    from django.contrib import admin  # the admin site is built once the apps are ready

    try:
        context = {**admin.site.each_context(request), "status": status, "title": title,
                   "detail": detail, "request_id": request_id_var.get()}  # fmt: skip
        return render(request, "admin/error.html", context, status=status)
    except Exception:  # noqa: BLE001 - a broken page must still answer: plain text then
        logger.exception("The admin error page failed to render")
        return HttpResponse(f"{status} {title}", status=status, content_type="text/plain")


def _title(exc: drf.APIException) -> str:
    """The problem's title: the exception's default text, or the status phrase when that text
    is a template (DRF's 415 says ``Unsupported media type "{media_type}"``)."""
    title = str(exc.default_detail).rstrip(".")
    return HTTPStatus(exc.status_code).phrase if "{" in title else title
