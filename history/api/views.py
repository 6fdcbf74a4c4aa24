"""History API: commits with their semantic changes, element history and blame, audit events."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from history import selectors
from history.api.serializers import (
    AuditEventQuerySerializer,
    AuditEventSerializer,
    BlameLineSerializer,
    CommitDetailSerializer,
    ElementHistoryQuerySerializer,
)
from history.models import AuditEvent
from integrations.user_service.principal import AUDIT_READ, READ
from oms_project.schema import problems
from ontology.api.diff import DiffSerializer
from ontology.api.serializers import CommitSerializer
from ontology.diff import diff_refs
from ontology.documents import with_version
from ontology.storage import get_store

PAGE = inline_serializer(
    "AuditEventPage",
    {"results": AuditEventSerializer(many=True), "next": serializers.IntegerField(allow_null=True)},
)
HISTORY = inline_serializer(
    "ElementHistory",
    {
        "element": serializers.DictField(),
        "results": CommitSerializer(many=True),
        "next": serializers.CharField(allow_null=True),
    },
)


@extend_schema_view(list=extend_schema(summary="List audit events (the outbox), oldest first"))
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


@extend_schema_view(retrieve=extend_schema(summary="A commit and its semantic changes"))
class CommitDetailViewSet(viewsets.ViewSet):
    """``/commits/{id}/``: one commit, the proposal that brought it, its semantic changes."""

    required_scopes = {"retrieve": READ}

    @extend_schema(
        parameters=[OpenApiParameter("id", str, OpenApiParameter.PATH, description="Commit id.")],
        responses={200: CommitDetailSerializer, **problems(400, 401, 403, 404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        store = get_store()
        commit = store.get_commit(store.resolve(pk))
        base = commit.parents[0] if commit.parents else commit.id
        diff = diff_refs(base=base, head=commit.id)
        return Response(
            {
                "commit": CommitSerializer(commit).data,
                "proposal": selectors.commit_proposal(commit=commit.id),
                "diff": DiffSerializer(diff).data,
            }
        )


class ElementHistoryViewSet(viewsets.ViewSet):
    """An element's history and blame on a branch."""

    required_scopes = {"history": READ, "blame": READ}

    @extend_schema(
        summary="The commits that changed an element",
        parameters=[ElementHistoryQuerySerializer],
        responses={200: HISTORY, **problems(400, 401, 403, 404)},
    )
    def history(self, request: Request, branch: str, kind: str, api_name: str) -> Response:
        query = ElementHistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        document, page = selectors.element_history(
            branch=branch, kind=kind, api_name=api_name, **query.validated_data
        )
        return Response(
            {
                "element": with_version(document),
                "results": CommitSerializer(page.commits, many=True).data,
                "next": page.next_cursor,
            }
        )

    @extend_schema(
        summary="Who last changed each field of an element",
        responses={200: BlameLineSerializer(many=True), **problems(401, 403, 404)},
    )
    def blame(self, request: Request, branch: str, kind: str, api_name: str) -> Response:
        lines = selectors.element_blame(branch=branch, kind=kind, api_name=api_name)
        return Response(BlameLineSerializer(lines, many=True).data)
