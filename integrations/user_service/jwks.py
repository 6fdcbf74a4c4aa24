"""Local token checks against the User Service's JWKS: signature, exp, nbf, iss, aud.

Only asymmetric algorithms are accepted, and only with a key whose ``kid`` the JWKS lists
(and whose own ``alg``, when given, matches): ``none`` and HS* are refused outright, so a
token "signed" with the public key as an HMAC secret never verifies.
"""

from __future__ import annotations

import hashlib
from typing import Any

import jwt
from django.conf import settings

from integrations.cache import cache_claim, cache_get, cache_set
from integrations.user_service.client import user_service
from integrations.user_service.exceptions import InvalidToken

ASYMMETRIC = {
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
}


def verify_locally(token: str) -> dict[str, Any]:
    """The token's claims when it verifies against the JWKS; ``InvalidToken`` otherwise."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise InvalidToken("The token is malformed.") from None
    algorithm = header.get("alg")
    if algorithm not in ASYMMETRIC:
        raise InvalidToken(f"Tokens signed with {algorithm!r} are not accepted.")
    key = _signing_key(str(header.get("kid", "")), algorithm)
    try:
        return jwt.decode(
            token,
            key=key,
            algorithms=[algorithm],
            audience=settings.OMS_JWT_AUDIENCE,
            issuer=settings.OMS_JWT_ISSUER,
            leeway=settings.OMS_JWT_LEEWAY,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("The token has expired.") from None
    except jwt.ImmatureSignatureError:
        raise InvalidToken("The token is not valid yet.") from None
    except jwt.InvalidAudienceError:
        raise InvalidToken("The token is not meant for this service (audience).") from None
    except jwt.InvalidIssuerError:
        raise InvalidToken("The token was not issued by the User Service (issuer).") from None
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"The token does not verify: {exc}") from None


def _signing_key(kid: str, algorithm: str) -> Any:
    jwk = _find(_keyset(refresh=False), kid)
    if jwk is None and cache_claim(_key("refreshed"), settings.OMS_JWKS_REFRESH_INTERVAL):
        # A kid we have not seen may be a rotated-in key: fetch the set again, but at most
        # once per interval, so a flood of forged key ids cannot hammer the User Service.
        jwk = _find(_keyset(refresh=True), kid)
    if jwk is None:
        raise InvalidToken(f"The token's key id {kid!r} is not in the User Service's key set.")
    if jwk.get("alg") not in (None, algorithm):
        raise InvalidToken("The token's algorithm does not match its key.")
    try:
        return jwt.PyJWK(jwk, algorithm=algorithm).key
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"The token's key cannot be used with {algorithm}: {exc}") from None


def _find(keyset: dict[str, Any], kid: str) -> dict[str, Any] | None:
    return next((k for k in keyset.get("keys", []) if k.get("kid") == kid), None)


def _key(what: str) -> str:
    return f"oms:{what}:" + hashlib.sha256(settings.USER_SERVICE_URL.encode()).hexdigest()[:16]


def _keyset(*, refresh: bool) -> dict[str, Any]:
    key = _key("jwks")
    if not refresh:
        cached = cache_get(key)
        if cached is not None:
            return cached
    keyset = user_service().jwks()
    cache_set(key, keyset, settings.OMS_JWKS_CACHE_TTL)
    return keyset
