"""OpenAPI: declare the bearer scheme so Swagger UI can authorise with a token."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.user_service.authentication.BearerAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
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

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
