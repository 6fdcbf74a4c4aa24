"""Liveness and readiness probes.

``/health/live`` says the process serves requests. ``/health/ready`` checks every dependency
an answer may need (database, cache, Celery broker, versioned store, and the User Service
in remote identity mode) and answers 503 with
the failing ones when any is down.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ontology.storage import get_store


def check_database() -> None:
    """The default database answers ``SELECT 1``."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")


def check_cache() -> None:
    """The cache stores and returns a value."""
    key, value = f"health:{uuid.uuid4().hex}", "ok"
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not return what was stored")
    cache.delete(key)


def check_broker() -> None:
    """The Celery broker accepts a connection."""
    from oms_project.celery import app

    with app.connection_for_write() as connection:
        connection.ensure_connection(
            max_retries=1, timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT
        )


def check_store() -> None:
    """The versioned store answers."""
    get_store().check()


def check_user_service() -> None:
    """The User Service serves its key set (only in remote identity mode)."""
    from integrations.user_service.client import user_service

    user_service().jwks()


READINESS_CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "store": check_store,
    "user_service": check_user_service,
}


def enabled_checks() -> dict[str, Callable[[], None]]:
    """The checks that apply to this configuration."""
    checks = dict(READINESS_CHECKS)
    if not settings.USER_SERVICE_URL:
        checks.pop("user_service")
    return checks


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    """The process is up."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """Every dependency answers; otherwise 503 naming what is down."""
    results: dict[str, dict[str, object]] = {}
    for name, check in enabled_checks().items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - a probe reports any failure, it never raises
            results[name] = {"status": "down", "error": f"{type(exc).__name__}: {exc}"}
        else:
            results[name] = {"status": "ok"}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    healthy = all(r["status"] == "ok" for r in results.values())
    body: dict[str, object] = {"status": "ok" if healthy else "down", "checks": results}
    warnings = delivery_warnings() if results.get("database", {}).get("status") == "ok" else {}
    if warnings:
        body["warnings"] = warnings  # for operators: they do not make the process unready
    return JsonResponse(body, status=200 if healthy else 503)


def delivery_warnings() -> dict[str, str]:
    """What an operator must fix for audit events to flow (events wait meanwhile)."""
    from history.models import AuditEvent

    waiting = AuditEvent.objects.filter(
        state=AuditEvent.PENDING, last_error__startswith="No service token"
    ).count()
    if not waiting:
        return {}
    return {"audit_delivery": f"The User Service refuses OMS's service credentials "
            f"(OMS_SERVICE_CLIENT_ID/SECRET): {waiting} audit event(s) wait."}  # fmt: skip
