"""OMS's URLs plus ``bench/bare/``: a DRF view that returns a fixed 1 KB JSON body.

The bare view is the framework's ceiling for the API benchmark: the same gunicorn worker,
middleware, DRF request/response cycle and JSON renderer as the element API, but no
authentication, no permission check, no database and no store behind it.
"""

from __future__ import annotations

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from oms_project.urls import handler400, handler403, handler404, handler500
from oms_project.urls import urlpatterns as oms_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

#: About 1 KB of JSON, built once (an element-like shape, without any computation per request).
BARE_BODY = {
    "apiName": "BareObject",
    "displayName": "Bare object",
    "description": "A fixed answer of the bare view: " + "x" * 189,
    "status": "active",
    "properties": [
        {"apiName": f"property{index}", "dataType": {"type": "string"}, "required": False}
        for index in range(10)
    ],
}


class BareView(APIView):
    """``GET /bench/bare/``: the fixed body, for anyone."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response(BARE_BODY)


urlpatterns = [path("bench/bare/", BareView.as_view(), name="bench-bare"), *oms_urlpatterns]
