"""Remote JWT authentication against a real HTTP server playing the User Service."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from tests.e2e.peers.user_service import AUDIENCE, ISSUER, signing_keys
from tests.identity.conftest import bearer

pytestmark = pytest.mark.django_db
ME = "/api/v1/auth/me/"


def assert_unauthorized(response) -> None:
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response["Content-Type"] == "application/problem+json"


def test_a_valid_token_authenticates_the_principal(api, user_service):
    token = user_service.issue("alice", roles=("editor",), tenant="acme")
    response = bearer(api, token).get(ME)
    assert response.status_code == 200
    assert response.json() | {"expiresAt": None} == {
        "id": "user-alice",
        "username": "alice",
        "email": "alice@example.com",
        "roles": ["editor"],
        "scopes": ["actions:submit", "ontology:read", "ontology:write"],
        "tenant": "acme",
        "source": "remote",
        "expiresAt": None,
    }


def test_no_bearer_header_is_not_attempted_and_gets_401(api, user_service):
    assert_unauthorized(api.get(ME))
    assert user_service.calls["/api/v1/auth/validate"] == 0


@pytest.mark.parametrize(
    "claims",
    [
        {"expires_in": -120},
        {"not_before": 600},
        {"issuer": "someone-else"},
        {"audience": "another-service"},
    ],
    ids=["expired", "not-yet-valid", "wrong-issuer", "wrong-audience"],
)
def test_tokens_that_fail_local_checks_are_401(api, user_service, claims):
    assert_unauthorized(bearer(api, user_service.issue(**claims)).get(ME))


def test_a_tampered_payload_is_401(api, user_service):
    header, payload, signature = user_service.issue(roles=("viewer",)).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["username"] = "mallory"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    assert_unauthorized(bearer(api, f"{header}.{forged}.{signature}").get(ME))


def test_alg_none_is_401(api, user_service):
    claims = jwt.decode(user_service.issue(), options={"verify_signature": False})
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": "k1"})
    assert_unauthorized(bearer(api, unsigned).get(ME))


def test_hs256_signed_with_the_public_key_is_401(api, user_service):
    claims = jwt.decode(user_service.issue(), options={"verify_signature": False})
    # PyJWT refuses PEM keys as HMAC secrets, so sign by hand as an attacker would.
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    signing_input = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k1"}).encode()) + "."
    signing_input += b64(json.dumps(claims).encode())
    mac = hmac.new(user_service.public_pem(), signing_input.encode(), hashlib.sha256).digest()
    assert_unauthorized(bearer(api, f"{signing_input}.{b64(mac)}").get(ME))


def test_an_unknown_kid_is_401_and_a_rotated_in_key_is_accepted(api, user_service, settings):
    settings.OMS_JWKS_REFRESH_INTERVAL = 1
    rotated = user_service.issue("bob", kid="k2")
    assert bearer(api, user_service.issue("warm")).get(ME).status_code == 200  # JWKS cached
    assert_unauthorized(bearer(api, rotated).get(ME))
    user_service.rotate()
    time.sleep(1.1)  # the key set is fetched again at most once per interval
    assert bearer(api, rotated).get(ME).json()["username"] == "bob"


def test_a_flood_of_unknown_key_ids_fetches_the_key_set_once_per_interval(api, user_service):
    assert bearer(api, user_service.issue("warm")).get(ME).status_code == 200
    fetched = user_service.calls["/.well-known/jwks.json"]
    key = signing_keys()["k1"]
    for index in range(50):
        claims = {"sub": f"user-x{index}", "iss": ISSUER, "aud": AUDIENCE, "username": "x",
                  "iat": int(time.time()), "exp": int(time.time()) + 300}  # fmt: skip
        forged = jwt.encode(claims, key, algorithm="RS256", headers={"kid": f"forged-{index}"})
        assert_unauthorized(bearer(api, forged).get(ME))
    assert user_service.calls["/.well-known/jwks.json"] - fetched <= 1


def test_a_cache_hit_does_not_call_the_user_service_again(api, user_service):
    client = bearer(api, user_service.issue())
    for _ in range(3):
        assert client.get(ME).status_code == 200
    assert user_service.calls["/api/v1/auth/validate"] == 1
    assert user_service.calls["/.well-known/jwks.json"] == 1


def test_a_revoked_token_is_refused_once_the_cache_ttl_passes(api, user_service, settings):
    settings.OMS_AUTH_CACHE_TTL = 1
    token = user_service.issue()
    client = bearer(api, token)
    assert client.get(ME).status_code == 200
    user_service.revoke(token)
    assert client.get(ME).status_code == 200  # still cached: bounded by OMS_AUTH_CACHE_TTL
    time.sleep(1.2)
    assert_unauthorized(client.get(ME))


def test_user_service_down_and_nothing_cached_is_503_not_anonymous(api, user_service):
    token = user_service.issue()
    user_service.stop()
    response = bearer(api, token).get(ME)
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"


def test_user_service_down_with_a_cached_principal_still_serves(api, user_service):
    client = bearer(api, user_service.issue())
    assert client.get(ME).status_code == 200
    user_service.stop()
    assert client.get(ME).status_code == 200


def test_user_service_answering_5xx_is_503(api, user_service):
    token = user_service.issue()
    bearer(api, user_service.issue("warm")).get(ME)  # JWKS cached; validate will fail
    user_service.fail_status = 500
    response = bearer(api, token).get(ME)
    assert response.status_code == 503
    assert user_service.calls["/api/v1/auth/validate"] == 1 + 2  # the warm-up, then one retry


def test_a_slow_user_service_times_out_into_503(api, user_service, settings):
    settings.OMS_USER_SERVICE_TIMEOUT = 1.0
    token = user_service.issue()
    api.get("/health/live")  # the test process warms up: the time below is OMS's own
    user_service.delay = 0.7  # per call: the key set and the validation together take 1.4 s
    started = time.monotonic()
    response = bearer(api, token).get(ME)
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert "did not answer within 1.0s" in response.json()["detail"]
    assert elapsed < 1.1  # the issue's promise: the configured timeout plus 10%
    # The timeout is the deadline of the whole validation (key set, validation, retries): the
    # validation got what the key set left, and nothing is left for a retry (wait past when
    # one would have arrived).
    time.sleep(1.5)
    assert user_service.calls["/api/v1/auth/validate"] == 1
    assert sum(user_service.calls.values()) == 2


def test_local_token_endpoints_are_off_in_remote_mode(api, user_service):
    response = api.post("/api/v1/auth/token/", {"username": "a", "password": "b"}, format="json")
    assert response.status_code == 404


@pytest.mark.redis
def test_principals_are_cached_in_redis_no_longer_than_the_ttl(
    api, user_service, settings, redis_cache_alias
):
    import hashlib

    import redis
    from django.core.cache import caches

    settings.CACHES = {"default": settings.CACHES[redis_cache_alias]}
    settings.OMS_AUTH_CACHE_TTL = 45
    caches._settings = None  # the handler re-reads CACHES
    try:
        token = user_service.issue(expires_in=30)
        client = bearer(api, token)
        assert client.get(ME).status_code == 200
        assert client.get(ME).status_code == 200
        assert user_service.calls["/api/v1/auth/validate"] == 1
        server = redis.Redis.from_url(settings.OMS_TEST_REDIS_URL)
        key = f"oms-test:1:oms:auth:{hashlib.sha256(token.encode()).hexdigest()}"
        ttl = server.ttl(key)
        assert 0 < ttl <= 30  # the token's own expiry is shorter than OMS_AUTH_CACHE_TTL
    finally:
        caches._settings = None


def test_the_principal_cache_is_counted_on_metrics(api, user_service):
    from prometheus_client import REGISTRY

    def count(result: str) -> float:
        return REGISTRY.get_sample_value("oms_principal_cache_total", {"result": result}) or 0.0

    hits, misses = count("hit"), count("miss")
    token = user_service.issue("carol", roles=("viewer",))
    for _ in range(3):
        assert bearer(api, token).get(ME).status_code == 200
    assert (count("miss") - misses, count("hit") - hits) == (1, 2)
    assert user_service.calls["/api/v1/auth/validate"] == 1
