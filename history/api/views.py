"""History API: commits with their semantic changes, element history and blame, audit events."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from history import selectors
from history.api.serializers import (
    AuditEventPageSerializer,
    AuditEventQuerySerializer,
    AuditEventSerializer,
    BlameLineSerializer,
    BlamePageSerializer,
    CommitDetailSerializer,
)
from history.models import AuditEvent
from integrations.user_service.principal import AUDIT_READ, READ
from oms_project.api import ApiViewSet
from oms_project.pagination import PageQuerySerializer, envelope, page_of_queryset, page_serializer
from oms_project.schema import problems
from ontology.api.diff import DiffSerializer
from ontology.api.serializers import CommitSerializer
from ontology.diff import diff_refs
from ontology.documents import with_version
from ontology.storage import get_store

HISTORY = page_serializer(
    "ElementHistoryPage",
    CommitSerializer(many=True),
    element=serializers.DictField(help_text="The element as of the branch head."),
)


@extend_schema_view(list=extend_schema(summary="List audit events (the outbox), newest first"))
class AuditEventViewSet(ApiViewSet):
    """Audit events by sequence, newest first (``order=oldest`` to read forward)."""

    resource = ("audit_event", "audit_events")
    required_scopes = {"list": AUDIT_READ}

    @extend_schema(
        parameters=[AuditEventQuerySerializer],
        responses={200: AuditEventPageSerializer, **problems(400, 401, 403)},
    )
    def list(self, request: Request) -> Response:
        params = self.query(AuditEventQuerySerializer)
        cursor, limit, order = params.pop("cursor", None), params.pop("limit"), params.pop("order")
        after, since = params.pop("after", 0), params.pop("since", None)
        events = AuditEvent.objects.filter(sequence__gt=after, **params)  # the field filters
        if since:
            events = events.filter(time__gte=since)
        page = page_of_queryset(
            events, key="sequence", cursor=cursor, limit=limit,
            newest_first=order == "newest", count=False,
        )  # fmt: skip
        found = AuditEventSerializer(page.results, many=True).data
        return Response(envelope(found, next=page.next))


@extend_schema_view(retrieve=extend_schema(summary="A commit and its semantic changes"))
class CommitDetailViewSet(ApiViewSet):
    """``/commits/{id}/``: one commit, the proposal that brought it, its semantic changes."""

    resource = ("commit", "commits")
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


class ElementHistoryViewSet(ApiViewSet):
    """An element's history and blame on a branch."""

    required_scopes = {"history": READ, "blame": READ}

    @extend_schema(
        summary="The commits that changed an element",
        operation_id="get_element_history",
        parameters=[PageQuerySerializer],
        responses={200: HISTORY, **problems(400, 401, 403, 404)},
    )
    def history(self, request: Request, branch: str, kind: str, api_name: str) -> Response:
        document, log = selectors.element_history(
            branch=branch, kind=kind, api_name=api_name, **self.query(PageQuerySerializer)
        )
        commits = CommitSerializer(log.commits, many=True).data
        return Response(envelope(commits, next=log.next_cursor, element=with_version(document)))

    @extend_schema(
        summary="Who last changed each field of an element",
        operation_id="get_element_blame",
        responses={200: BlamePageSerializer, **problems(401, 403, 404)},
    )
    def blame(self, request: Request, branch: str, kind: str, api_name: str) -> Response:
        lines = selectors.element_blame(branch=branch, kind=kind, api_name=api_name)
        found = BlameLineSerializer(lines, many=True).data
        return Response(envelope(found, next=None, count=len(found)))
