"""Identity endpoints: who am I, and (local mode only) simplejwt token obtain/refresh."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
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
from oms_project.throttles import LoginAddressThrottle, LoginUsernameThrottle


class SortedListField(serializers.ListField):
    def to_representation(self, data: list[Any]) -> list[Any]:
        return sorted(super().to_representation(data))


class PrincipalSerializer(serializers.Serializer):
    id = serializers.CharField()
    username = serializers.CharField()
    email = serializers.CharField()
    roles = SortedListField(child=serializers.CharField())
    scopes = SortedListField(child=serializers.CharField())
    tenant = serializers.CharField()
    # DRF's metaclass pops declared fields, so this does not shadow Field.source at runtime;
    # the stubs cannot tell (typeddjango/djangorestframework-stubs#158).
    source = serializers.CharField()  # type: ignore[assignment]
    expiresAt = serializers.DateTimeField(source="expires_at", allow_null=True)  # noqa: N815


class MeView(APIView):
    """The principal the request is authenticated as."""

    permission_classes = [HasScope]
    required_scopes = {"GET": None}

    @extend_schema(
        responses={200: PrincipalSerializer, **problems(401, 503)},
        summary="The calling principal",
        operation_id="get_me",
    )
    def get(self, request: Request) -> Response:
        return Response(PrincipalSerializer(request.user).data)


if TYPE_CHECKING:
    _ViewMixinBase = APIView  # what the mixin is mixed into
else:
    _ViewMixinBase = object


class LocalOnly(_ViewMixinBase):
    """Token endpoints exist only in local mode (no USER_SERVICE_URL)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if remote_mode():
            raise NotFound("Tokens are issued by the User Service; local tokens are disabled.")
        super().initial(request, *args, **kwargs)


TOKEN_PAIR = inline_serializer(
    "TokenPair", {"access": serializers.CharField(), "refresh": serializers.CharField()}
)


@extend_schema_view(
    post=extend_schema(
        summary="Obtain a token pair (local mode)", operation_id="login",
        responses={200: TOKEN_PAIR, **problems(400, 401, 404, 429)},
    )
)  # fmt: skip
# simplejwt's TokenViewBase leaves permission_classes and authentication_classes
# unannotated as ``()``, which mypy reads as ``tuple[()]``: no override can match it.
class TokenObtainView(LocalOnly, TokenObtainPairView):  # type: ignore[misc]
    """Exchange a Django username and password for an access and a refresh token (rate
    limited per client address and per username: brute force gets 429)."""

    throttle_classes = [LoginAddressThrottle, LoginUsernameThrottle]


@extend_schema_view(
    post=extend_schema(
        summary="Refresh an access token (local mode)", operation_id="refresh_token",
        responses={
            200: inline_serializer("RotatedTokenPair", {
                "access": serializers.CharField(),
                "refresh": serializers.CharField(help_text="The next refresh token: the one "
                                                 "sent is blacklisted."),
            }),
            **problems(400, 401, 404, 429),
        },
    )
)  # fmt: skip
# simplejwt's TokenViewBase leaves permission_classes and authentication_classes
# unannotated as ``()``, which mypy reads as ``tuple[()]``: no override can match it.
class TokenRefreshLocalView(LocalOnly, TokenRefreshView):  # type: ignore[misc]
    """Exchange a refresh token for a new access token (rate limited per client address)."""

    throttle_classes = [LoginAddressThrottle]
