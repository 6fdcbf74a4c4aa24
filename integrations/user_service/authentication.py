"""DRF authentication: bearer tokens from the User Service (remote) or simplejwt (local).

DRF's contract: no ``Authorization: Bearer`` header means "not attempted" (None); a bad
token is 401 with ``WWW-Authenticate: Bearer``; a User Service that cannot answer while
nothing is cached is 503, never anonymous access.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication

from integrations import http
from integrations.cache import cache_get, cache_set
from integrations.user_service.client import user_service
from integrations.user_service.exceptions import InvalidToken
from integrations.user_service.jwks import verify_locally
from integrations.user_service.principal import Principal, principal_from_user
from oms_project.logging import principal_var
from oms_project.lru import LRU
from oms_project.metrics import PRINCIPAL_CACHE

CACHE_PREFIX = "oms:auth:"


def remote_mode() -> bool:
    """Identity comes from the User Service when ``USER_SERVICE_URL`` is set."""
    return bool(settings.USER_SERVICE_URL)


def bearer_token(request: Request) -> str | None:
    """The bearer token of the request, or None when it carries none."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = token.strip()
    if not token:
        raise InvalidToken("The Authorization header has an empty bearer token.")
    return token


class BearerAuthentication(BaseAuthentication):
    """Authenticates ``Authorization: Bearer <jwt>`` as a :class:`Principal`."""

    def authenticate(self, request: Request) -> tuple[Principal, str] | None:
        token = bearer_token(request)
        if token is None:
            return None
        principal = remote_principal(token) if remote_mode() else local_principal(token)
        principal_var.set(principal.username)
        return principal, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="oms"'


_HIT, _MISS = PRINCIPAL_CACHE.labels("hit"), PRINCIPAL_CACHE.labels("miss")  # per request


class PrincipalCache:
    """Principals by token hash: the shared cache (Redis in production) with a small
    in-process tier in front. Each entry carries the moment it must be forgotten, so the
    process tier never outlives the shared one and revocation stays bounded by the TTL."""

    def __init__(self, size: int = 10_000) -> None:
        self.local: LRU[str, tuple[float, Principal]] = LRU(size)

    def get(self, key: str) -> Principal | None:
        now = time.time()
        hit = self.local.get(key)
        if hit is not None and hit[0] > now:
            _HIT.inc()
            return hit[1]
        cached = cache_get(key)
        if not isinstance(cached, dict) or cached.get("until", 0) <= now:
            _MISS.inc()
            return None
        _HIT.inc()
        principal = Principal.from_cache(cached["principal"])
        self.local.put(key, (cached["until"], principal))
        return principal

    def put(self, key: str, principal: Principal, ttl: float) -> None:
        if ttl <= 0:
            return
        until = time.time() + ttl
        cache_set(key, {"principal": principal.to_cache(), "until": until}, ttl)
        self.local.put(key, (until, principal))


principals = PrincipalCache()


def _ttl(expires_at: datetime | None) -> float:
    """How long a principal may be cached: never beyond the token nor OMS_AUTH_CACHE_TTL."""
    ttl = float(settings.OMS_AUTH_CACHE_TTL)
    if expires_at is not None:
        ttl = min(ttl, (expires_at - datetime.now(UTC)).total_seconds())
    return ttl


def remote_principal(token: str) -> Principal:
    """Validate with the User Service (after optional local checks), caching the answer."""
    key = CACHE_PREFIX + hashlib.sha256(token.encode()).hexdigest()
    cached = principals.get(key)
    if cached is not None:
        return cached
    # OMS_USER_SERVICE_TIMEOUT bounds the whole validation: key set and validation together.
    with http.deadline(settings.OMS_USER_SERVICE_TIMEOUT):
        claims = verify_locally(token) if settings.OMS_JWT_LOCAL_VERIFY else {}
        validation = user_service().validate(token)  # ServiceUnavailable -> 503
    if not validation.valid or validation.principal is None:
        raise InvalidToken("The User Service does not accept this token.")
    expires_at = validation.expires_at
    if expires_at is None and "exp" in claims:
        expires_at = datetime.fromtimestamp(claims["exp"], UTC)
    if expires_at is not None and expires_at <= datetime.now(UTC):
        raise InvalidToken("The token has expired.")
    principals.put(key, validation.principal, _ttl(expires_at))
    return validation.principal


class _LocalJWT(JWTAuthentication):
    www_authenticate_realm = "oms"


_local = _LocalJWT()


def local_principal(token: str) -> Principal:
    """A simplejwt access token of an active Django user, as a principal.

    The signature and expiry are checked the first time a worker meets the token; the
    principal (the user and its groups) is then cached under the token's SHA-256 until the
    token expires or ``OMS_AUTH_CACHE_TTL`` passes, whichever is first (the same bound as in
    remote mode: a disabled user's token stops working within that time). Only the very
    token that passed the check hashes to that key.
    """
    if token.count(".") != 2:
        raise InvalidToken("The token is malformed.")
    key = CACHE_PREFIX + "local:" + hashlib.sha256(token.encode()).hexdigest()
    cached = principals.get(key)
    if cached is not None:
        return cached
    validated = _local.get_validated_token(token.encode())  # 401 when bad or expired
    user = _local.get_user(validated)  # 401 when the user is unknown or inactive
    assert isinstance(user, AbstractUser)  # a row of the user model, never a TokenUser
    expires_at = datetime.fromtimestamp(validated["exp"], UTC)
    principal = replace(principal_from_user(user, source="local"), expires_at=expires_at)
    principals.put(key, principal, _ttl(expires_at))
    return principal


class PrincipalSessionAuthentication(SessionAuthentication):
    """Django's session (admin users browsing the API docs), as a principal."""

    def authenticate(self, request: Request) -> tuple[Principal, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        principal = principal_from_user(result[0], source="session")
        principal_var.set(principal.username)
        return principal, None
