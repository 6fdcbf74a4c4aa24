"""``/api/v1/branches/``: list, create, get and delete branches."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from branches import selectors, services
from branches.api.serializers import BranchCreateSerializer, BranchSerializer
from integrations.user_service.principal import BRANCH_ADMIN, READ, WRITE
from oms_project.schema import problems

# Branch names may contain "/" (feature/x); routes below /branches/{name}/ list their
# kinds explicitly, so the name pattern can be lazy without clashing with them.
BRANCH_NAME_PATTERN = r"[A-Za-z][A-Za-z0-9._/-]*?"


class BranchViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Branches of the ontology."""

    serializer_class = BranchSerializer
    lookup_field = "name"
    lookup_value_regex = BRANCH_NAME_PATTERN
    pagination_class = None
    required_scopes = {"list": READ, "retrieve": READ, "create": WRITE, "destroy": BRANCH_ADMIN}

    @extend_schema(responses={200: BranchSerializer(many=True), **problems(401, 403)})
    def list(self, request: Request) -> Response:
        return Response(BranchSerializer(selectors.branch_list(), many=True).data)

    @extend_schema(responses={200: BranchSerializer, **problems(400, 401, 403, 404)})
    def retrieve(self, request: Request, name: str) -> Response:
        return Response(BranchSerializer(selectors.branch_get(name=name)).data)

    @extend_schema(
        request=BranchCreateSerializer,
        responses={201: BranchSerializer, **problems(400, 401, 403, 404, 409)},
    )
    def create(self, request: Request) -> Response:
        payload = BranchCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        branch = services.branch_create(
            name=payload.validated_data["name"],
            start=payload.validated_data["from"],
            actor=request.user,
        )
        return Response(BranchSerializer(branch).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, **problems(400, 401, 403, 404, 423)})
    def destroy(self, request: Request, name: str) -> Response:
        services.branch_delete(name=name, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
