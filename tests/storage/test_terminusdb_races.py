"""Races against a server that behaves like TerminusDB, not like our first fake.

The real server compares a WOQL write's data version once, before its transaction, and
re-runs a transaction that met a concurrent commit on the new head without comparing again
(src/core/query/query_response.pl:40-41, src/core/transaction/database.pl:245-264). The
store's write therefore carries its own guard (the stamp nonce of the planned-on head); these
tests show it holds: no acknowledged write is lost and no head moves silently.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from ontology.storage.base import Put
from ontology.storage.exceptions import HeadMoved, WriteRaced
from ontology.storage.terminusdb import TerminusDBStore
from ontology.storage.terminusdb.layout import DOCUMENT_CLASS, STAMP_ID, to_terminus
from tests.fake_terminusdb import FakeTerminusDB

WRITERS, EACH = 6, 5


@pytest.fixture
def server() -> Iterator[FakeTerminusDB]:
    with FakeTerminusDB(retrying=True) as fake:
        yield fake


@pytest.fixture
def store(server: FakeTerminusDB) -> TerminusDBStore:
    """An initialised store with one OMS commit (so the head carries a stamp to guard on)."""
    created = new_store(server)
    created.initialize(author="system")
    created.commit("main", [Put(doc("seed"))], author="system", message="seed")
    return created


def new_store(server: FakeTerminusDB, db: str | None = None) -> TerminusDBStore:
    return TerminusDBStore("tdb", url=server.url, db=db or f"oms_{uuid.uuid4().hex[:8]}")


def doc(doc_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": doc_id, "kind": "object-types", **fields}


def oms_commit(doc_id: str) -> Any:
    """What another OMS writer's commit does to the graph: a document and a new stamp."""

    def commit(graph: dict[str, Any]) -> None:
        stored = to_terminus(doc(doc_id))
        graph[stored["@id"]] = stored
        graph[STAMP_ID] = {"@type": "OmsStamp", "@id": STAMP_ID, "nonce": uuid.uuid4().hex}

    return commit


def test_the_first_commit_of_a_fresh_database_inserts_its_stamp(server):
    fresh = new_store(server)
    fresh.initialize(author="system")
    first = fresh.commit("main", [Put(doc("a"))], author="alice", message="first")
    second = fresh.commit("main", [Put(doc("a", v=2)), Put(doc("b"))], author="alice", message="2")
    assert second.parents == (first.id,)
    assert fresh.get("main", "a") == doc("a", v=2)


def test_a_commit_landing_during_a_pinned_write_is_head_moved_and_nothing_is_written(store, server):
    head = store.resolve("main")
    server.race_next_write(oms_commit("theirs"))
    with pytest.raises(HeadMoved):
        store.commit("main", [Put(doc("mine"))], author="alice", message="a", expected_head=head)
    assert sorted(store.snapshot("main")) == ["seed", "theirs"]
    (racer,) = store.log("main", limit=1).commits
    assert racer.parents == (head,)  # the server re-ran the write on it, and it wrote nothing


def test_an_unpinned_write_that_loses_during_the_request_is_planned_again(store, server):
    head = store.resolve("main")
    server.race_next_write(oms_commit("theirs"))
    mine = store.commit("main", [Put(doc("mine"))], author="alice", message="a")
    (theirs,) = [c for c in store.log("main", limit=5).commits if c.id == mine.parents[0]]
    assert theirs.parents == (head,)
    assert sorted(store.snapshot("main")) == ["mine", "seed", "theirs"]


def test_a_document_inserted_meanwhile_is_not_overwritten_blindly(store, server):
    server.race_next_write(oms_commit("shared"))
    store.commit("main", [Put(doc("shared", mine=True))], author="alice", message="a")
    history = store.log("main", doc_id="shared", limit=5).commits
    assert len(history) == 2  # their insert, then my write planned on it as an update
    assert store.get("main", "shared") == doc("shared", mine=True)


def test_a_write_committed_on_another_head_is_never_taken_for_success(store, server):
    # A writer outside OMS does not rewrite the stamp, so the guard still matches and the
    # server commits on top of it: the store sees the wrong parent and says so.
    def foreign(graph: dict[str, Any]) -> None:
        graph[f"{DOCUMENT_CLASS}/foreign"] = to_terminus(doc("foreign"))

    server.race_next_write(foreign)
    with pytest.raises(WriteRaced):
        store.commit("main", [Put(doc("mine"))], author="alice", message="a")


def test_concurrent_writers_never_lose_an_acknowledged_write(store, server):
    acknowledged: list[str] = []
    failures: list[BaseException] = []

    def write(worker: int) -> None:
        writer = new_store(server, db=store.transport.db)
        try:
            for step in range(EACH):
                commit = writer.commit(
                    "main", [Put(doc(f"w{worker}-{step}"))], author="w", message="m"
                )
                acknowledged.append(commit.id)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    assert len(store.snapshot("main")) == WRITERS * EACH + 1
    log = store.log("main", limit=100).commits
    assert len(log) == WRITERS * EACH + 2  # and the seed and the root
    assert set(acknowledged) <= {c.id for c in log}
    for newer, older in zip(log, log[1:], strict=False):
        assert newer.parents == (older.id,)  # one line: every write on the head it planned


def test_a_concurrent_first_commit_is_caught_by_the_stamp_insert(server):
    fresh = new_store(server)
    fresh.initialize(author="system")
    head = fresh.resolve("main")
    server.race_next_write(oms_commit("theirs"))
    with pytest.raises(HeadMoved):
        fresh.commit("main", [Put(doc("mine"))], author="a", message="a", expected_head=head)
    assert sorted(fresh.snapshot("main")) == ["theirs"]


def test_racing_pinned_writers_have_exactly_one_winner(store, server):
    head = store.resolve("main")
    outcomes: list[str] = []
    barrier = threading.Barrier(WRITERS)

    def write(worker: int) -> None:
        writer = new_store(server, db=store.transport.db)
        barrier.wait()
        try:
            writer.commit(
                "main", [Put(doc(f"w{worker}"))], author="w", message="m", expected_head=head
            )
            outcomes.append("won")
        except HeadMoved:
            outcomes.append("head_moved")

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["head_moved"] * (WRITERS - 1) + ["won"]
    assert len(store.snapshot("main")) == 2  # the seed and the winner's
