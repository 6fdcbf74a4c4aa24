"""The view serving the OpenAPI document (apart from ``schema.py``, which drf-spectacular
imports while its views module loads)."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from django.conf import settings
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response


class SchemaView(SpectacularAPIView):
    """``/api/schema/``: the OpenAPI document, generated once per process and under a lock.

    drf-spectacular's generator keeps state in class attributes and is not thread-safe
    (tfranzel/drf-spectacular#1123 and #1368): concurrent first requests on a fresh gthread
    worker answered 500 here. Generating takes most of a second, so the usual document (no
    ``?version=``, the default language) is kept; any other is generated afresh, under the
    same lock, and not kept (``?lang=`` takes any value).
    """

    _lock = threading.Lock()
    _usual: ClassVar[dict[str, Any] | None] = None

    def _get_schema_response(self, request: Request) -> Response:
        version = self.api_version or request.version or self._get_version_parameter(request)
        usual = version is None and translation.get_language() == settings.LANGUAGE_CODE
        with SchemaView._lock:
            schema = SchemaView._usual if usual else None
            if schema is None:
                generator = self.generator_class(
                    urlconf=self.urlconf, api_version=version, patterns=self.patterns
                )
                schema = generator.get_schema(request=request, public=self.serve_public)
                if usual:
                    SchemaView._usual = schema
        disposition = f'inline; filename="{self._get_filename(request, version)}"'
        return Response(data=schema, headers={"Content-Disposition": disposition})
