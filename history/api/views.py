"""``/api/v1/audit-events/``: the audit outbox, for readers with ``audit:read``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from history.api.serializers import AuditEventQuerySerializer, AuditEventSerializer
from history.models import AuditEvent
from integrations.user_service.principal import AUDIT_READ
from oms_project.schema import problems

PAGE = inline_serializer(
    "AuditEventPage",
    {"results": AuditEventSerializer(many=True), "next": serializers.IntegerField(allow_null=True)},
)


class AuditEventViewSet(viewsets.ViewSet):
    """Audit events in sequence order, paged by ``after`` (the last sequence seen)."""

    required_scopes = {"list": AUDIT_READ}

    @extend_schema(
        parameters=[AuditEventQuerySerializer], responses={200: PAGE, **problems(400, 401, 403)}
    )
    def list(self, request: Request) -> Response:
        query = AuditEventQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = dict(query.validated_data)
        limit, after, since = params.pop("limit"), params.pop("after", 0), params.pop("since", None)
        events = AuditEvent.objects.filter(sequence__gt=after, **params)
        if since:
            events = events.filter(time__gte=since)
        page = list(events.order_by("sequence")[: limit + 1])
        more = len(page) > limit
        page = page[:limit]
        return Response(
            {
                "results": AuditEventSerializer(page, many=True).data,
                "next": page[-1].sequence if more else None,
            }
        )
