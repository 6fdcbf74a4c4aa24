"""The User Service's HTTP contract (see docs/integrations.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from django.conf import settings

from integrations.exceptions import ServiceRejected
from integrations.http import JsonHttpClient
from integrations.user_service.principal import Principal, scopes_for

VALIDATE_PATH = "/api/v1/auth/validate"
JWKS_PATH = "/.well-known/jwks.json"
EXCHANGE_PATH = "/token/exchange"


@dataclass(frozen=True)
class Validation:
    """The User Service's verdict on a token."""

    valid: bool
    principal: Principal | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class ServiceToken:
    """A token for OMS's own outgoing calls."""

    access_token: str
    expires_in: float


class UserServiceClient:
    """Validates tokens, serves the JWKS and exchanges client credentials."""

    def __init__(self, base_url: str, *, timeout: float) -> None:
        self.http = JsonHttpClient("User Service", base_url, timeout=timeout)

    def validate(self, token: str) -> Validation:
        """``POST /api/v1/auth/validate``; a 4xx answer means the token is not valid."""
        try:
            body = self.http.json("POST", VALIDATE_PATH, json={"token": token})
        except ServiceRejected as exc:
            if exc.extra.get("upstream_status") in (400, 401, 403):
                return Validation(valid=False)
            raise
        if body.get("valid") is not True:
            return Validation(valid=False)
        user = body.get("user")
        if not isinstance(user, dict) or not user.get("id") or not user.get("username"):
            raise ServiceRejected("User Service validated a token without a user id and name")
        expires_at = parse_time(body.get("expiresAt"))
        roles = frozenset(str(r) for r in user.get("roles") or ())
        principal = Principal(
            id=str(user["id"]),
            username=str(user["username"]),
            email=str(user.get("email") or ""),
            roles=roles,
            scopes=scopes_for(roles, (str(s) for s in user.get("scopes") or ())),
            tenant=str(user.get("tenantId") or ""),
            expires_at=expires_at,
            source="remote",
        )
        return Validation(valid=True, principal=principal, expires_at=expires_at)

    def jwks(self) -> dict[str, Any]:
        """``GET /.well-known/jwks.json``."""
        body = self.http.json("GET", JWKS_PATH)
        if not isinstance(body.get("keys"), list):
            raise ServiceRejected("User Service JWKS has no 'keys' list")
        return body

    def exchange(self, client_id: str, client_secret: str) -> ServiceToken:
        """``POST /token/exchange`` with client credentials."""
        body = self.http.json(
            "POST",
            EXCHANGE_PATH,
            json={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": client_secret,
            },
        )
        token, expires_in = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not isinstance(expires_in, int | float):
            raise ServiceRejected("User Service token exchange lacks access_token/expires_in")
        return ServiceToken(token, float(expires_in))


def parse_time(value: object) -> datetime | None:
    """An ISO-8601 string or epoch seconds as an aware datetime."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ServiceRejected(f"User Service sent an unreadable time {value!r}") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def user_service() -> UserServiceClient:
    """The client for the configured ``USER_SERVICE_URL``."""
    return _client(settings.USER_SERVICE_URL, settings.OMS_USER_SERVICE_TIMEOUT)


@lru_cache(maxsize=4)
def _client(base_url: str, timeout: float) -> UserServiceClient:
    return UserServiceClient(base_url, timeout=timeout)
