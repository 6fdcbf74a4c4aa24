"""OpenAPI pieces shared by every app: the problem-details body and its responses."""

from __future__ import annotations

from rest_framework import serializers

PROBLEM_MEDIA_TYPE = "application/problem+json"


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
