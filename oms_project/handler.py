"""The WSGI handler: Django's, refusing a request whose ``Content-Type`` names a charset that
is not a text encoding (``bz2_codec``, ``rot13``) or no codec at all.

Django decodes the query string in the declared charset while it builds the request, before
any middleware runs, so such a request would end as the web server's bare 500. Here its
charset is taken off and remembered; :class:`CharsetMiddleware` then answers 415 as problem
details, with the request id, before anything reads the body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.http import parse_header_parameters

from oms_project.parsers import text_encoding
from oms_project.problems import problem_response

REFUSED = "oms.refused_charset"


class CharsetCheckingHandler(WSGIHandler):
    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> HttpResponseBase:
        content_type = environ.get("CONTENT_TYPE", "")
        media_type, params = parse_header_parameters(content_type)
        charset = params.get("charset", "")
        if charset and not text_encoding(charset):
            environ = {**environ, "CONTENT_TYPE": media_type, REFUSED: charset}
        return super().__call__(environ, start_response)


class CharsetMiddleware:
    """415 for a request :class:`CharsetCheckingHandler` took a charset off."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        charset = request.META.get(REFUSED)
        if charset:
            return problem_response(
                status=415, code="unsupported_charset", title="Unsupported charset",
                detail=f"charset={charset!r} is not a text encoding: send UTF-8.",
            )  # fmt: skip
        return self.get_response(request)
