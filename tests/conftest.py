"""Fixtures shared by every test module."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connections

from tests.served import embedded_env  # noqa: F401 - a fixture for every module
from tests.services import service_missing

POSTGRES_START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
REDIS_START = "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ''"


@pytest.fixture
def postgres_alias() -> str:
    """The database alias of the real PostgreSQL server."""
    if "postgres" not in settings.DATABASES:
        service_missing("PostgreSQL", POSTGRES_START)
    return "postgres"


@pytest.fixture
def postgres_database(postgres_alias) -> Iterator[str]:
    """The URL of an empty database of its own on the real PostgreSQL server (for processes
    the test starts), dropped afterwards."""
    import psycopg

    server = settings.DATABASES[postgres_alias]
    name = f"oms_served_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = f"postgresql://{server['USER']}@{server['HOST']}:{server['PORT']}/{server['NAME']}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{server['USER']}@{server['HOST']}:{server['PORT']}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_cache_alias() -> str:
    """The cache alias of the real Redis server (flushed before the test)."""
    if "redis" not in settings.CACHES:
        service_missing("Redis", REDIS_START)
    from django.core.cache import caches

    try:
        caches["redis"].clear()
    except Exception as exc:  # noqa: BLE001 - any client error means the server is unusable
        service_missing(f"Redis ({exc})", REDIS_START)
    return "redis"


@pytest.fixture
def on_postgres(postgres_alias, settings):
    """The default database alias pointed at PostgreSQL for one test, then restored."""
    sqlite = settings.DATABASES["default"]
    connections.close_all()
    settings.DATABASES["default"] = dict(settings.DATABASES[postgres_alias])
    del connections["default"]
    yield
    connections.close_all()
    settings.DATABASES["default"] = sqlite
    del connections["default"]


@pytest.fixture(autouse=True)
def fresh_stores() -> None:
    """Each test builds its stores anew (their caches must not outlive a rolled-back test)."""
    from ontology.storage import stores

    stores.reset()


@pytest.fixture
def main_branch(db) -> str:
    """The default store, initialised: the head of ``main``."""
    from ontology.storage import get_store

    return get_store().initialize().head
