"""A real HTTP server that plays the User Service contract (docs/integrations.md).

It signs real RS256 tokens, serves its JWKS, validates tokens (signature, expiry,
revocation), exchanges client credentials, counts calls per path, and can be made slow,
failing (any status) or down. As a process (``python -m tests.e2e.peers.user_service --port
N``) it also signs users in, as the real service does by its own means (not part of OMS's
contract): ``POST /_peer/login`` with ``{"username", "roles"}`` answers ``{"access_token"}``.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.loopback import JsonHandler, LoopbackServer, port_argument

ISSUER, AUDIENCE = "user-service", "oms"
_KEYS: dict[str, rsa.RSAPrivateKey] = {}


def signing_keys() -> dict[str, rsa.RSAPrivateKey]:
    """Two RSA keys, made once per test session (generating them is slow)."""
    if not _KEYS:
        for kid in ("k1", "k2"):
            _KEYS[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _KEYS


class FakeUserService(LoopbackServer):
    """The User Service, in a thread on 127.0.0.1."""

    def __init__(self) -> None:
        super().__init__()
        self.keys = signing_keys()
        self.published = {"k1"}  # "k2" appears on rotate()
        self.users: dict[str, dict[str, Any]] = {}  # jti -> user record
        self.revoked: set[str] = set()
        self.clients = {"oms": "oms-secret"}
        self.service_token_lifetime = 3600
        self.calls: Counter[str] = Counter()
        self.delay = 0.0
        self.fail_status: int | None = None
        self._lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------

    # -- tokens ----------------------------------------------------------------------------

    def issue(
        self,
        username: str = "alice",
        *,
        roles: tuple[str, ...] = ("editor",),
        scopes: tuple[str, ...] = (),
        expires_in: float = 300,
        not_before: float | None = None,
        issuer: str = ISSUER,
        audience: str = AUDIENCE,
        kid: str = "k1",
        tenant: str = "acme",
    ) -> str:
        """A signed RS256 token for a (new) user."""
        now = time.time()
        jti = uuid.uuid4().hex
        claims: dict[str, Any] = {
            "sub": f"user-{username}",
            "iss": issuer,
            "aud": audience,
            "iat": int(now),
            "exp": int(now + expires_in),
            "jti": jti,
            "username": username,
        }
        if not_before is not None:
            claims["nbf"] = int(now + not_before)
        self.users[jti] = {
            "id": f"user-{username}",
            "username": username,
            "email": f"{username}@example.com",
            "roles": list(roles),
            "scopes": list(scopes),
            "tenantId": tenant,
        }
        return jwt.encode(claims, self.keys[kid], algorithm="RS256", headers={"kid": kid})

    def public_pem(self, kid: str = "k1") -> bytes:
        return (
            self.keys[kid]
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    def revoke(self, token: str) -> None:
        self.revoked.add(jwt.decode(token, options={"verify_signature": False})["jti"])

    def rotate(self) -> None:
        """Publish the second key (tokens signed with it verify from now on)."""
        self.published.add("k2")

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid in sorted(self.published):
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.keys[kid].public_key()))
            keys.append({**jwk, "kid": kid, "alg": "RS256", "use": "sig"})
        return {"keys": keys}

    def validate(self, token: str) -> dict[str, Any]:
        """The contract's answer for a token."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            if kid not in self.published:
                return {"valid": False}
            claims = jwt.decode(
                token,
                self.keys[kid].public_key(),
                algorithms=["RS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
            )
        except jwt.PyJWTError:
            return {"valid": False}
        if claims["jti"] in self.revoked or claims["jti"] not in self.users:
            return {"valid": False}
        expires = datetime.fromtimestamp(claims["exp"], UTC).isoformat().replace("+00:00", "Z")
        return {"valid": True, "user": self.users[claims["jti"]], "expiresAt": expires}

    def exchange(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if body.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        if self.clients.get(body.get("client_id")) != body.get("client_secret"):
            return 401, {"error": "invalid_client"}
        token = self.issue(
            f"service-{body['client_id']}", roles=("admin",), expires_in=self.service_token_lifetime
        )
        return 200, {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.service_token_lifetime,
        }

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler(self)


def _handler(service: FakeUserService) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def _intercept(self) -> bool:
            with service._lock:
                service.calls[self.path] += 1
            if service.delay:
                time.sleep(service.delay)
            if service.fail_status:
                self.answer(service.fail_status, {"error": "failing on purpose"})
                return True
            return False

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            if self._intercept():
                return
            if self.path == "/.well-known/jwks.json":
                self.answer(200, service.jwks())
            else:
                self.answer(404, {"error": "not found"})

        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            if self._intercept():
                return
            if self.path == "/api/v1/auth/validate":
                self.answer(200, service.validate(str(body.get("token", ""))))
            elif self.path == "/token/exchange":
                self.answer(*service.exchange(body))
            elif self.path == "/_peer/login":
                roles = tuple(str(r) for r in body.get("roles", ()))
                token = service.issue(str(body.get("username")), roles=roles, expires_in=3600)
                self.answer(200, {"access_token": token})
            else:
                self.answer(404, {"error": "not found"})

    return Handler


if __name__ == "__main__":
    FakeUserService().run(port_argument("The User Service test peer."))
