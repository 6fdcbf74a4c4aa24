"""Identity endpoints: who am I, and (local mode only) simplejwt token obtain/refresh."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from integrations.user_service.authentication import remote_mode
from integrations.user_service.permissions import HasScope
from oms_project.schema import problems


class SortedListField(serializers.ListField):
    def to_representation(self, data):  # type: ignore[no-untyped-def]
        return sorted(super().to_representation(data))


class PrincipalSerializer(serializers.Serializer):
    id = serializers.CharField()
    username = serializers.CharField()
    email = serializers.CharField()
    roles = SortedListField(child=serializers.CharField())
    scopes = SortedListField(child=serializers.CharField())
    tenant = serializers.CharField()
    source = serializers.CharField()
    expiresAt = serializers.DateTimeField(source="expires_at", allow_null=True)  # noqa: N815


class MeView(APIView):
    """The principal the request is authenticated as."""

    permission_classes = [HasScope]
    required_scopes = {"GET": None}

    @extend_schema(
        responses={200: PrincipalSerializer, **problems(401, 503)}, summary="The calling principal"
    )
    def get(self, request: Request) -> Response:
        return Response(PrincipalSerializer(request.user).data)


class LocalOnly:
    """Token endpoints exist only in local mode (no USER_SERVICE_URL)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    def initial(self, request: Request, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if remote_mode():
            raise NotFound("Tokens are issued by the User Service; local tokens are disabled.")
        super().initial(request, *args, **kwargs)  # type: ignore[misc]


TOKEN_PAIR = inline_serializer(
    "TokenPair", {"access": serializers.CharField(), "refresh": serializers.CharField()}
)


@extend_schema(
    summary="Obtain a token pair (local mode)",
    responses={200: TOKEN_PAIR, **problems(400, 401, 404)},
)
class TokenObtainView(LocalOnly, TokenObtainPairView):
    """Exchange a Django username and password for an access and a refresh token."""


@extend_schema(
    summary="Refresh an access token (local mode)",
    responses={
        200: inline_serializer("AccessToken", {"access": serializers.CharField()}),
        **problems(400, 401, 404),
    },
)
class TokenRefreshLocalView(LocalOnly, TokenRefreshView):
    """Exchange a refresh token for a new access token."""
