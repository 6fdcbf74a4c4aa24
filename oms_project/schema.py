"""OpenAPI pieces shared by every app: operation ids, the problem-details body and its
responses (the view serving the document is ``oms_project/schema_view.py``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import is_list_serializer
from rest_framework import serializers

from oms_project.serve import REQUEST_LINE_LIMIT

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


class ProblemErrorSerializer(serializers.Serializer):
    path = serializers.CharField(help_text="JSON path of the offending value, e.g. $.name.")
    code = serializers.CharField()
    message = serializers.CharField()
    element = serializers.CharField(required=False, help_text="kind/apiName, for integrity.")


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, as every error of the API is served."""

    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(help_text="Stable machine-readable code.")
    # DRF's metaclass pops declared fields, so this does not shadow Serializer.errors at
    # runtime; the stubs cannot tell (typeddjango/djangorestframework-stubs#78).
    errors = ProblemErrorSerializer(many=True)  # type: ignore[assignment]
    requestId = serializers.CharField()  # noqa: N815


def problems(*statuses: int) -> dict[tuple[int, str], type[ProblemSerializer]]:
    """Response entries for ``@extend_schema(responses=...)``: problem details per status."""
    return {(status, PROBLEM_MEDIA_TYPE): ProblemSerializer for status in statuses}


# What a viewset action does, as the verb of its operation id ({one}: the resource, singular).
VERBS = {
    "list": "list_{many}", "retrieve": "get_{one}", "create": "create_{one}",
    "update": "replace_{one}", "partial_update": "update_{one}", "destroy": "delete_{one}",
}  # fmt: skip


class AutoSchema(openapi.AutoSchema):
    """Operation ids a generated client reads as sentences: ``list_branches``, ``get_branch``,
    ``merge_proposal``, ``update_object_type``.

    A viewset names its resource in ``resource = (one, many)``; a custom action ``merge`` of
    it becomes ``merge_{one}``. ``@extend_schema(operation_id=...)`` still wins.
    """

    def get_operation_id(self) -> str:
        resource = getattr(self.view, "resource", None)
        action = getattr(self.view, "action", None)
        if resource is None or action is None:
            return str(super().get_operation_id())
        one, many = resource
        return VERBS.get(action, f"{action}_{{one}}").format(one=one, many=many)

    def _is_list_view(self, serializer: Any = None) -> bool:
        """Every collection answers an envelope (``oms_project.pagination``), so a response is
        an array only when its serializer is one (``many=True``), never because the action is
        called ``list``."""
        if serializer is None:
            serializer = self.get_response_serializers()
        if isinstance(serializer, dict) and serializer:  # @extend_schema(responses={...})
            by_code = {str(code): value for code, value in serializer.items()}
            serializer = by_code[min(by_code)]
        return bool(is_list_serializer(serializer))


def document_server_limits(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: every operation that takes query parameters may be answered 414
    by the web server (``REQUEST_LINE_LIMIT``), an answer the views never see; every change
    may be answered 429 by the write limit (``OMS_THROTTLE_WRITES``)."""
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method in ("post", "put", "patch", "delete"):
                operation["responses"].setdefault("429", {
                    "description": "Too many changes by this principal (OMS_THROTTLE_WRITES); "
                    "Retry-After says when to try again.",
                    "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}},
                })  # fmt: skip
            if any(p.get("in") == "query" for p in operation.get("parameters", [])):
                operation["responses"].setdefault("414", {
                    "description": f"The request line is longer than {REQUEST_LINE_LIMIT} "
                    "bytes (answered by the web server, not as problem details)."
                })  # fmt: skip
    return result


def patches_without_defaults(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: a merge patch (``Patched...`` components) changes only the members
    it sends, so its members have no defaults: a generated client fills defaults in, and
    would reset every member the caller left out."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.startswith("Patched"):
            for member in component.get("properties", {}).values():
                member.pop("default", None)
    return result
