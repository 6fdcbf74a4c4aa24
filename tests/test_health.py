"""Liveness and readiness as an operator's probe sees them."""

from __future__ import annotations

import pytest
from django.core.cache import caches

from oms_project import health

pytestmark = pytest.mark.django_db


def test_live_answers_ok(client):
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_checks_every_dependency(client, tmp_path, settings):
    settings.CELERY_BROKER_URL = "memory://"
    response = client.get("/health/ready")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "store"}


def test_ready_is_503_and_names_the_dependency_that_is_down(client, monkeypatch):
    monkeypatch.setattr(health, "check_broker", _refuse)
    monkeypatch.setitem(health.READINESS_CHECKS, "broker", _refuse)
    response = client.get("/health/ready")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["broker"]["status"] == "down"
    assert "connection refused" in checks["broker"]["error"]
    assert checks["database"]["status"] == "ok"


def _refuse() -> None:
    raise ConnectionRefusedError("connection refused")


@pytest.mark.redis
def test_ready_uses_the_real_redis_cache_and_broker(client, settings, redis_cache_alias):
    redis = settings.CACHES[redis_cache_alias]
    settings.CACHES = {"default": redis}
    settings.CELERY_BROKER_URL = redis["LOCATION"]
    caches._settings = None  # the handler re-reads CACHES
    try:
        response = client.get("/health/ready")
    finally:
        caches._settings = None
    assert response.status_code == 200, response.json()


@pytest.mark.redis
def test_ready_is_503_when_redis_is_unreachable(client, settings):
    dead = "redis://127.0.0.1:1/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": dead,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }
    settings.CELERY_BROKER_URL = dead
    response = client.get("/health/ready")
    checks = response.json()["checks"]
    assert response.status_code == 503
    assert checks["cache"]["status"] == "down"
    assert checks["broker"]["status"] == "down"


def test_metrics_are_exposed_for_prometheus(client):
    client.get("/health/live")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert b"django_http_requests_total_by_method_total" in response.content


def test_ready_checks_the_user_service_in_remote_mode(client, settings):
    from tests.e2e.peers.user_service import FakeUserService

    settings.CELERY_BROKER_URL = "memory://"
    service = FakeUserService().start()
    settings.USER_SERVICE_URL = service.url
    try:
        assert client.get("/health/ready").json()["checks"]["user_service"]["status"] == "ok"
    finally:
        service.stop()
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["user_service"]["status"] == "down"
