"""OpenAPI: declare the bearer scheme so Swagger UI can authorise with a token."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

if TYPE_CHECKING:
    from drf_spectacular.openapi import AutoSchema


class BearerAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.user_service.authentication.BearerAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A token from the User Service, or from /api/v1/auth/token/ "
            "in local mode.",
        }


class SessionAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.user_service.authentication.PrincipalSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
