"""``/api/v1/branches/{branch}/{kind}/``: the elements of a branch, one viewset per kind."""

from __future__ import annotations

import functools
from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response

from integrations.user_service.principal import READ, WRITE
from oms_project.api import ApiViewSet
from oms_project.pagination import cursor_key, encode_cursor, envelope, page_serializer
from oms_project.renderers import RawJSON
from oms_project.schema import problems
from oms_project.serializers import message_problem
from ontology import selectors, services
from ontology.api.serializers import (
    BatchCommitSerializer,
    CommitResultSerializer,
    CommitSerializer,
    LogPageSerializer,
    LogQuerySerializer,
    ReadQuerySerializer,
    batch_operations,
    list_query_serializer,
)
from ontology.index.projection import FILTERS
from ontology.kinds import KINDS, Kind
from ontology.services import CommitResult, Operation

READ_ERRORS = problems(400, 401, 403, 404)
WRITE_ERRORS = problems(400, 401, 403, 404, 409, 412, 413, 422, 423)
COMMIT_MESSAGE = OpenApiParameter(
    "X-Commit-Message", str, OpenApiParameter.HEADER, description="The commit message."
)
IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, description="The element version (ETag) you saw."
)


def header_version(request: Request, name: str = "HTTP_IF_MATCH") -> str | None:
    """An entity tag from ``If-Match``/``If-None-Match``, without quotes or ``W/``."""
    value = request.META.get(name, "").strip()
    if not value or value == "*":
        return None
    return value.removeprefix("W/").strip('"')


def etag(value: str) -> str:
    """A strong entity tag."""
    return f'"{value}"'


def commit_message(request: Request, default: str) -> str:
    """``X-Commit-Message`` as the UTF-8 it is sent in (WSGI hands headers over as latin-1)."""
    raw = request.META.get("HTTP_X_COMMIT_MESSAGE", "")
    try:
        text = raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        raise ParseError("X-Commit-Message is not UTF-8.") from None
    problem = message_problem(text)
    if problem:
        raise ParseError(f"X-Commit-Message: {problem}")
    return text.strip()[:5000] or default


def written(result: CommitResult, element: dict[str, Any], created: bool = False) -> Response:
    """The element a write produced (it carries its version), its ETag and the commit id."""
    response = Response(element, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
    response["ETag"] = etag(element["version"])
    if result.commit is not None:
        response["X-Commit-Id"] = result.commit.id
    return response


def versioned(text: str, version: str) -> RawJSON:
    """An element's canonical JSON text (an object, its keys sorted) with ``version`` added
    last: the bytes ``{**element, "version": version}`` encodes to, without decoding it. No
    stored element holds a ``version`` of its own (the serializers drop it)."""
    return RawJSON(f'{text[:-1]},"version":"{version}"}}')


class ElementViewSet(ApiViewSet):
    """Elements of one kind on a branch (subclassed once per kind below)."""

    kind: Kind
    lookup_field = "api_name"
    required_scopes = {
        "list": READ, "retrieve": READ, "create": WRITE, "update": WRITE,
        "partial_update": WRITE, "destroy": WRITE,
    }  # fmt: skip

    def list(self, request: Request, branch: str) -> Response:
        params = self.query(list_query_serializer(self.kind.segment))
        catalog = selectors.catalog_at(branch=branch, at=params.get("at"))
        filters = {k: params[k] for k in FILTERS[self.kind.segment] if k in params}
        found = catalog.texts(selectors.element_choice(
            catalog=catalog, kind=self.kind.segment, search=params["search"],
            status=params["status"], group=params["group"], filters=filters,
            after=cursor_key(params["cursor"], str) if params.get("cursor") else "",
            limit=params["limit"],
        ))  # fmt: skip
        items = found.items
        return Response(
            envelope(
                [versioned(item.text, item.version) for item in items],
                next=encode_cursor(items[-1].api_name) if found.more else None,
                count=found.count,
                countExact=found.exact,
                commit=catalog.commit,
            )  # fmt: skip
        )

    def retrieve(self, request: Request, branch: str, api_name: str) -> Response:
        params = self.query(ReadQuerySerializer)
        kind = self.kind.segment
        catalog = selectors.catalog_at(branch=branch, at=params.get("at"), element=(kind, api_name))
        found = selectors.element_text(catalog=catalog, kind=kind, api_name=api_name)
        if header_version(request, "HTTP_IF_NONE_MATCH") == found.version:
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
        else:
            response = Response(versioned(found.text, found.version))
        response["ETag"] = etag(found.version)
        response["X-Commit-Id"] = catalog.commit
        return response

    def create(self, request: Request, branch: str) -> Response:
        result = self._write(request, branch, "create", "", request.data, "Create")
        response = written(result, result.elements[0], created=True)
        response["Location"] = request.build_absolute_uri(f"{result.elements[0]['apiName']}/")
        return response

    def update(self, request: Request, branch: str, api_name: str) -> Response:
        result = self._write(request, branch, "update", api_name, request.data, "Update")
        return written(result, result.elements[0])

    def partial_update(self, request: Request, branch: str, api_name: str) -> Response:
        # Applied under the branch lock to the element as it is then: no lost update.
        result = self._write(request, branch, "patch", api_name, request.data, "Update")
        return written(result, result.elements[0])

    def destroy(self, request: Request, branch: str, api_name: str) -> Response:
        result = self._write(request, branch, "delete", api_name, None, "Delete")
        response = Response(status=status.HTTP_204_NO_CONTENT)
        response["X-Commit-Id"] = result.commit.id if result.commit else ""
        return response

    def _write(
        self, request: Request, branch: str, op: str, api_name: str, body: Any, verb: str
    ) -> CommitResult:
        name = api_name or (body.get("apiName", "") if isinstance(body, dict) else "")
        operation = Operation(
            op=op, kind=self.kind.segment, api_name=api_name, body=body,  # type: ignore[arg-type]
            if_match=header_version(request),
        )  # fmt: skip
        return services.elements_commit(
            branch=branch,
            operations=[operation],
            actor=self.actor,
            message=commit_message(request, f"{verb} {self.kind.label} {name}"),
        )


def _own_copy(method: Any) -> Any:
    """A new function object: ``extend_schema`` annotates the function it decorates."""

    @functools.wraps(method)
    def action(self: ElementViewSet, *args: Any, **kwargs: Any) -> Response:
        return method(self, *args, **kwargs)

    return action


EXAMPLES = {
    "object-types": [
        OpenApiExample(
            "A customer object type",
            request_only=True,
            value={
                "apiName": "Customer",
                "displayName": "Customer",
                "description": "A person or company that places orders.",
                "status": "active",
                "primaryKey": "customerId",
                "titleProperty": "name",
                "properties": [
                    {"apiName": "customerId", "dataType": {"type": "string"}, "required": True},
                    {"apiName": "name", "dataType": {"type": "string"}, "required": True},
                    {"apiName": "creditLimit",
                     "dataType": {"type": "decimal", "precision": 12, "scale": 2}},
                ],
            },
        )
    ],
    "link-types": [
        OpenApiExample(
            "Customer to orders",
            request_only=True,
            value={
                "apiName": "customerOrders",
                "cardinality": "one-to-many",
                "source": {"objectType": "Customer", "linkApiName": "orders"},
                "target": {"objectType": "Order", "linkApiName": "customer"},
                "foreignKey": "customerId",
            },
        )
    ],
    "value-types": [
        OpenApiExample(
            "An ISO currency code",
            request_only=True,
            value={
                "apiName": "CurrencyCode",
                "baseType": {"type": "string"},
                "constraints": [{"type": "regex", "pattern": "^[A-Z]{3}$"}],
            },
        )
    ],
}  # fmt: skip


def _document_viewset(kind: Kind) -> type[ElementViewSet]:
    """An ``ElementViewSet`` for one kind, with its schema in the OpenAPI document."""
    serializer = kind.serializer
    name = kind.segment.replace("-", " ")
    tag = [f"elements: {name}"]
    page = page_serializer(
        serializer.__name__.replace("Serializer", "Page"),
        serializer(many=True),
        countExact=drf_serializers.BooleanField(
            help_text="False when a search or filter matches more than 1,000 elements: "
            "then at least ``count`` match."
        ),
        commit=drf_serializers.CharField(help_text="The commit the page was read at."),
    )
    examples = EXAMPLES.get(kind.segment, [])
    decorated = {
        "list": extend_schema(
            tags=tag, summary=f"List {name}", parameters=[list_query_serializer(kind.segment)],
            responses={200: page, **READ_ERRORS},
        ),
        "retrieve": extend_schema(
            tags=tag, summary=f"Get one {kind.label}", parameters=[ReadQuerySerializer],
            responses={200: serializer, 304: None, **READ_ERRORS},
        ),
        "create": extend_schema(
            tags=tag, summary=f"Create a {kind.label} (one commit)", request=serializer,
            parameters=[COMMIT_MESSAGE], responses={201: serializer, **WRITE_ERRORS},
            examples=examples,
        ),
        "update": extend_schema(
            tags=tag, summary=f"Replace a {kind.label} (one commit)", request=serializer,
            parameters=[COMMIT_MESSAGE, IF_MATCH], responses={200: serializer, **WRITE_ERRORS},
            examples=examples,
        ),
        "partial_update": extend_schema(
            tags=tag, summary=f"Merge-patch a {kind.label} (RFC 7386, one commit)",
            request=serializer(partial=True), parameters=[COMMIT_MESSAGE, IF_MATCH],
            responses={200: serializer, **WRITE_ERRORS},
        ),
        "destroy": extend_schema(
            tags=tag, summary=f"Delete a {kind.label} (one commit)",
            parameters=[COMMIT_MESSAGE, IF_MATCH], responses={204: None, **WRITE_ERRORS},
        ),
    }  # fmt: skip
    attrs: dict[str, Any] = {
        "kind": kind, "__doc__": f"The {name} of a branch.",
        "resource": (kind.label.replace(" ", "_"), kind.segment.replace("-", "_")),
    }  # fmt: skip
    for action, decorator in decorated.items():
        attrs[action] = decorator(_own_copy(getattr(ElementViewSet, action)))
    class_name = "".join(p.title() for p in kind.segment.split("-")) + "ViewSet"
    return type(class_name, (ElementViewSet,), attrs)


ELEMENT_VIEWSETS = {segment: _document_viewset(kind) for segment, kind in KINDS.items()}


class CommitViewSet(ApiViewSet):
    """``/branches/{branch}/commits/``: the branch log, and batch commits."""

    resource = ("commit", "commits")
    required_scopes = {"list": READ, "create": WRITE}

    @extend_schema(
        tags=["commits"], summary="The branch log, newest first (cursor-paged)",
        parameters=[LogQuerySerializer], responses={200: LogPageSerializer, **READ_ERRORS},
    )  # fmt: skip
    def list(self, request: Request, branch: str) -> Response:
        log = selectors.commit_log(branch=branch, **self.query(LogQuerySerializer))
        commits = CommitSerializer(log.commits, many=True).data
        return Response(envelope(commits, next=log.next_cursor))

    @extend_schema(
        tags=["commits"], summary="Apply many changes as one atomic commit",
        operation_id="commit_changes",
        request=BatchCommitSerializer,
        responses={201: CommitResultSerializer, 200: CommitResultSerializer, **WRITE_ERRORS},
    )  # fmt: skip
    def create(self, request: Request, branch: str) -> Response:
        data = self.body(BatchCommitSerializer)
        operations = batch_operations(data["changes"])
        result = services.elements_commit(
            branch=branch, operations=operations, actor=self.actor,
            message=data["message"], expected_head=data.get("expectedHead"),
            dry_run=data["dryRun"],
        )  # fmt: skip
        code = status.HTTP_200_OK if result.dry_run else status.HTTP_201_CREATED
        return Response(CommitResultSerializer(result).data, status=code)
