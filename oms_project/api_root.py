"""``GET /api/v1/``: where a new client starts. The collections, the per-branch resources
(as URL templates) and the documentation, with no token needed."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from oms_project.schema import problems
from ontology.kinds import KINDS

API = "/api/v1/"

ROOT = inline_serializer(
    "ApiRoot",
    {
        "collections": serializers.DictField(child=serializers.CharField()),
        "branchResources": serializers.DictField(child=serializers.CharField()),
        "docs": serializers.DictField(child=serializers.CharField()),
    },
)


class ApiRootView(APIView):
    """The API's entry point (no authentication: it names URLs, nothing else)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(tags=["meta"], summary="The API's collections and documentation",
                   operation_id="api_root", responses={200: ROOT, **problems(406)})  # fmt: skip
    def get(self, request: Request) -> Response:
        origin = request.build_absolute_uri("/").rstrip("/")

        def url(path: str) -> str:  # URL templates keep their {braces} (RFC 6570)
            return origin + path

        collections = {name: url(f"{API}{name}/") for name in
                       ("branches", "tags", "proposals", "audit-events")}  # fmt: skip
        collections.update({
            "diff": url(f"{API}diff/?base={{ref}}&head={{ref}}"),
            "commit": url(f"{API}commits/{{id}}/"),
            "me": url(f"{API}auth/me/"),
            "token": url(f"{API}auth/token/"),
        })  # fmt: skip
        branch = f"{API}branches/{{branch}}/"
        resources = {segment: url(f"{branch}{segment}/") for segment in KINDS}
        resources.update({"commits": url(f"{branch}commits/"), "export": url(f"{branch}export/"),
                          "import": url(f"{branch}import/")})  # fmt: skip
        docs = {"swaggerUi": url("/api/docs/"), "openapi": url("/api/schema/"),
                "admin": url("/admin/"), "health": url("/health/ready")}  # fmt: skip
        return Response({"collections": collections, "branchResources": resources, "docs": docs})
