"""The ``store`` fixture: one fresh, initialised store per test, for every backend.

Backends: ``sql`` on SQLite (the default database), ``sql`` on PostgreSQL (the
``postgres`` alias), ``terminusdb`` on the in-test fake server (or a real server when
``TERMINUSDB_URL`` is set), and ``terminusdb-retrying`` on a fake whose WOQL writes check
the data version and run the transaction non-atomically, re-running it on a newer head as
the real server does.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings

from ontology.storage.base import VersionedStore
from ontology.storage.sql import SQLStore

BACKENDS = ["sql-sqlite", "sql-postgres", "terminusdb", "terminusdb-retrying"]
STORE_DATABASES = [alias for alias in ("default", "postgres") if alias in settings.DATABASES]


@pytest.fixture(scope="session")
def terminusdb_url() -> Iterator[str]:
    """A TerminusDB server: the real one at TERMINUSDB_URL, or the fake."""
    yield from _server(retrying=False)


@pytest.fixture(scope="session")
def retrying_terminusdb_url() -> Iterator[str]:
    """The real server at TERMINUSDB_URL, or the fake that re-runs transactions like it."""
    yield from _server(retrying=True)


def _server(*, retrying: bool) -> Iterator[str]:
    if os.environ.get("TERMINUSDB_URL"):
        yield os.environ["TERMINUSDB_URL"]
        return
    from tests.fake_terminusdb import FakeTerminusDB

    server = FakeTerminusDB(retrying=retrying).start()
    try:
        yield server.url
    finally:
        server.stop()


def make_store(request: pytest.FixtureRequest, backend: str) -> VersionedStore:
    """A new empty store of ``backend`` (not yet initialised)."""
    if backend == "sql-sqlite":
        return SQLStore("test", using="default")
    if backend == "sql-postgres":
        return SQLStore("test", using=request.getfixturevalue("postgres_alias"))
    from ontology.storage.terminusdb import TerminusDBStore

    fixture = "retrying_terminusdb_url" if backend.endswith("-retrying") else "terminusdb_url"
    url = request.getfixturevalue(fixture)
    return TerminusDBStore("test", url=url, db=f"oms_{uuid.uuid4().hex[:12]}")


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest) -> VersionedStore:
    """An initialised store with ``main`` at its root commit."""
    created = make_store(request, request.param)
    created.initialize(author="system")
    return created
