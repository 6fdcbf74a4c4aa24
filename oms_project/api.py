"""The base of every viewset of the API: who acts, the validated query and body, pages."""

from __future__ import annotations

import functools
from typing import Any, ClassVar

from django.db.models import QuerySet
from rest_framework import viewsets
from rest_framework.response import Response

from integrations.user_service.permissions import principal_of
from integrations.user_service.principal import Principal
from oms_project.pagination import PageQuerySerializer, envelope, page_of_queryset


class ApiViewSet(viewsets.ViewSet):
    """A viewset whose actions read ``self.actor``, ``self.query(...)`` and ``self.body(...)``.

    ``required_scopes`` maps each action to the scope it needs (``HasScope`` enforces it).
    """

    required_scopes: ClassVar[dict[str, str]] = {}

    @property
    def actor(self) -> Principal:
        """The principal behind the request (``HasScope`` let only principals through)."""
        return principal_of(self.request)

    def query(self, serializer_class: type) -> dict[str, Any]:
        """The validated query parameters (a 400 naming each wrong one)."""
        if not self.request.query_params:
            return dict(_defaults(serializer_class))
        return _validated(serializer_class, self.request.query_params)

    def body(self, serializer_class: type) -> dict[str, Any]:
        """The validated request body (a 400 naming each wrong member)."""
        return _validated(serializer_class, self.request.data)

    def paged(self, rows: QuerySet[Any], serializer_class: type) -> Response:
        """One page of ``rows`` (newest first by id, ``?cursor=&limit=``) in the list
        envelope, counted."""
        page = page_of_queryset(rows, key="id", **self.query(PageQuerySerializer))
        found = serializer_class(page.results, many=True).data
        return Response(envelope(found, next=page.next, count=page.count))


def _validated(serializer_class: type, data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@functools.cache
def _defaults(serializer_class: type) -> dict[str, Any]:
    """What a query serializer makes of no parameters (most reads send none)."""
    return _validated(serializer_class, {})
