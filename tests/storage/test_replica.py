"""Reads of immutable rows go to a read replica (issue 17, oms_project/routers.py): a second,
read-only connection to the same PostgreSQL database stands in for the replica. Branch heads
and writes stay on the primary, and what a lagging replica lacks is read from the primary."""

from __future__ import annotations

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from integrations.user_service.principal import Principal
from ontology.services import Operation, elements_commit
from ontology.storage import get_store, stores
from tests.storage.conftest import STORE_DATABASES

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(databases=[*STORE_DATABASES, "replica"], transaction=True),
]
ACTOR = Principal(id="u-1", username="curator")


@pytest.fixture
def replicated(on_postgres, settings):  # type: ignore[no-untyped-def]
    """The store on PostgreSQL, the router reading immutable rows from ``replica``."""
    settings.OMS_STORAGES = {
        "default": {"BACKEND": "ontology.storage.sql.SQLStore", "OPTIONS": {"using": "default"}}
    }
    store = get_store()
    store.initialize()
    store.create_branch("dev", start="main")
    settings.OMS_READ_REPLICA = "replica"
    yield
    connections["replica"].close()


def create(name: str) -> str:
    written = elements_commit(
        branch="dev", operations=[Operation("create", "groups", body={"apiName": name})],
        actor=ACTOR, message=f"add {name}",
    )  # fmt: skip
    assert written.commit is not None
    return written.commit.id


def test_commits_and_objects_are_read_from_the_replica_heads_from_the_primary(replicated):
    first, second = create("First"), create("Second")
    stores.reset()  # a fresh worker: nothing cached
    store = get_store()
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        assert store.branch_head("dev") == second
        names = {d.get("apiName") for d in store.list(first, kind="groups")}
        log = [c.id for c in store.log("dev", limit=3).commits]
    assert names == {"First"}
    assert log[:2] == [second, first]
    read = " ".join(q["sql"] for q in replica.captured_queries)
    assert "oms_store_object" in read and "oms_store_commit" in read
    assert "oms_store_ref" not in read  # branch heads: the primary only
    assert any("oms_store_ref" in q["sql"] for q in primary.captured_queries)
    assert not any("oms_store_object" in q["sql"] for q in primary.captured_queries)


def test_what_a_lagging_replica_lacks_is_read_from_the_primary(replicated):
    first = create("First")
    replica = connections["replica"]
    replica.set_autocommit(False)  # a snapshot taken now: the replica stops here
    with replica.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT count(*) FROM oms_store_commit")
    try:
        second = create("Second")  # on the primary only, as far as the replica can tell
        stores.reset()
        store = get_store()
        with CaptureQueriesContext(connections["default"]) as primary:
            names = {d.get("apiName") for d in store.list("dev", kind="groups")}
            assert list(store.get_commit(second).parents) == [first]
        assert names == {"First", "Second"}
        fallbacks = " ".join(q["sql"] for q in primary.captured_queries)
        assert "oms_store_object" in fallbacks and "oms_store_commit" in fallbacks
    finally:
        replica.rollback()
        replica.set_autocommit(True)


def test_the_replica_is_never_written(replicated):
    with CaptureQueriesContext(connections["replica"]) as replica:
        create("Written")
    assert not any(
        q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        for q in replica.captured_queries
    )
