"""What only the embedded SQL store promises: its cost model, its tables, many processes."""

from __future__ import annotations

import multiprocessing

import pytest
from django.core.management import CommandError, call_command
from django.db import connections
from django.test.utils import CaptureQueriesContext

from ontology.storage.base import Delete, Put
from ontology.storage.exceptions import DocumentNotFound, HeadMoved
from ontology.storage.sql import SQLStore, tree
from ontology.storage.sql.models import (
    StoreChange,
    StoreCommit,
    StoreObject,
    StoreParent,
    StoreRef,
)
from tests.storage.conftest import STORE_DATABASES

TABLES = [StoreObject, StoreCommit, StoreParent, StoreRef, StoreChange]


def doc(doc_id: str, **fields: object) -> dict[str, object]:
    return {"id": doc_id, "kind": "object-types", **fields}


def row_counts(using: str) -> dict[str, int]:
    return {model.__name__: model.objects.using(using).count() for model in TABLES}


@pytest.fixture(params=STORE_DATABASES)
def sql_store(request: pytest.FixtureRequest) -> SQLStore:
    using = request.param
    if using == "postgres":
        request.getfixturevalue("postgres_alias")
    store = SQLStore("test", using=using)
    store.initialize()
    return store


def seeded(store: SQLStore, count: int) -> SQLStore:
    store.initialize()
    store.commit(
        "main", [Put(doc(f"d{i}", v=0)) for i in range(count)], author="seed", message="seed"
    )
    return store


@pytest.mark.django_db(databases=STORE_DATABASES)
@pytest.mark.parametrize("size", [100, 3000])
def test_creating_a_branch_costs_the_same_at_any_size(sql_store, size):
    seeded(sql_store, size)
    with CaptureQueriesContext(connections[sql_store.using]) as queries:
        sql_store.create_branch(f"b{size}", start="main")
    assert len(queries) <= 6


@pytest.mark.django_db(databases=STORE_DATABASES)
def test_a_one_document_commit_writes_one_path_of_the_tree(sql_store):
    seeded(sql_store, 3000)
    before = StoreObject.objects.using(sql_store.using).count()
    sql_store.commit("main", [Put(doc("d7", v=1))], author="a", message="one")
    written = StoreObject.objects.using(sql_store.using).count() - before
    assert written <= 1 + 4  # the document body and at most one node per trie level


@pytest.mark.django_db(databases=STORE_DATABASES)
def test_a_small_commit_on_cold_caches_reads_its_paths_in_one_query(sql_store, monkeypatch):
    seeded(sql_store, 3000)  # four trie levels
    cold = SQLStore("test", using=sql_store.using)  # a fresh process's empty caches
    head = cold.branch_head("main")
    with CaptureQueriesContext(connections[sql_store.using]) as queries:
        cold.commit("main", [Put(doc(f"d{i}", v=1)) for i in range(5)], author="a",
                    message="five", expected_head=head)  # fmt: skip
    reads = [q["sql"] for q in queries
             if "oms_store_object" in q["sql"] and not q["sql"].startswith("INSERT")]  # fmt: skip
    assert len(reads) == 1 and reads[0].startswith("WITH RECURSIVE"), reads
    # What the one query found is what reading level by level finds, tombstones and absent
    # ids included.
    ids = ["d1", "d2", "d2999", "absent", "d5"]
    cold.commit("main", [Delete("d5")], author="a", message="gone")
    tree_hash = cold._tree("main")
    walked = tree.lookup_many(SQLStore("test", using=sql_store.using).objects, tree_hash, ids)
    monkeypatch.setattr(tree, "PATHS_AT_ONCE", 0)
    levelled = tree.lookup_many(SQLStore("test", using=sql_store.using).objects, tree_hash, ids)
    assert walked == levelled and set(walked) == {"d1", "d2", "d2999", "d5"}
    assert walked["d5"][0] is None  # the tombstone


@pytest.mark.django_db(databases=STORE_DATABASES)
def test_a_failed_commit_leaves_every_store_table_unchanged(sql_store):
    seeded(sql_store, 50)
    before = row_counts(sql_store.using)
    with pytest.raises(DocumentNotFound):
        sql_store.commit(
            "main",
            [Put(doc("new")), Put(doc("d1", v=9)), Put(doc("zzz"))]
            + [Put(doc(f"more{i}")) for i in range(100)]
            + [Delete("absent")],
            author="a",
            message="bad",
        )
    assert row_counts(sql_store.using) == before


# -- storage_fsck -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_fsck_passes_on_a_sound_store(capsys, settings):
    settings.OMS_STORAGES = {"default": {"BACKEND": "ontology.storage.sql.SQLStore"}}
    store = seeded(SQLStore(), 200)
    store.create_branch("dev", start="main")
    store.create_tag("v1", target="main")
    call_command("storage_reindex")  # written past the pipeline: no index rows yet
    call_command("storage_fsck")
    said = capsys.readouterr().out
    assert "no problems found" in said
    assert "2 branch(es) and 1 tag(s)" in said and "index row(s) against their heads" in said


@pytest.mark.django_db
def test_fsck_reports_a_document_whose_content_was_altered(settings):
    settings.OMS_STORAGES = {"default": {"BACKEND": "ontology.storage.sql.SQLStore"}}
    seeded(SQLStore(), 20)
    call_command("storage_reindex")
    victim = StoreObject.objects.filter(type="doc").first()
    StoreObject.objects.filter(hash=victim.hash).update(data=victim.data.replace('"v":0', '"v":1'))
    with pytest.raises(CommandError, match="1 problem"):
        call_command("storage_fsck")


@pytest.mark.django_db
def test_fsck_reports_a_missing_tree_node_and_a_rewritten_commit(settings, capsys):
    settings.OMS_STORAGES = {"default": {"BACKEND": "ontology.storage.sql.SQLStore"}}
    store = seeded(SQLStore(), 20)
    call_command("storage_reindex")
    head = StoreCommit.objects.get(id=store.resolve("main"))
    StoreObject.objects.filter(hash=head.tree).delete()
    StoreCommit.objects.filter(id=head.id).update(message="rewritten history")
    with pytest.raises(CommandError):
        call_command("storage_fsck")
    errors = capsys.readouterr().err
    assert f"tree object {head.tree} is missing" in errors
    assert f"commit {head.id}: id does not match its content" in errors


# -- many processes on PostgreSQL -------------------------------------------------------------

WRITERS, COMMITS_EACH = 4, 25


def _writer(number: int, using: str, failures: multiprocessing.Queue) -> None:
    try:
        store = SQLStore("writer", using=using)
        for n in range(COMMITS_EACH):
            store.commit(
                "main",
                [Put(doc(f"w{number}-{n}", n=n)), Put(doc("shared", last=f"{number}-{n}"))],
                author=f"writer-{number}",
                message=f"{number}/{n}",
            )
    except Exception as exc:  # noqa: BLE001 - the parent fails the test with it
        failures.put(f"writer {number}: {exc!r}")
    finally:
        connections.close_all()


def _cas_writer(using: str, head: str, results: multiprocessing.Queue) -> None:
    try:
        SQLStore("writer", using=using).commit(
            "main", [Put(doc("race"))], author="racer", message="race", expected_head=head
        )
        results.put("won")
    except HeadMoved:
        results.put("moved")
    finally:
        connections.close_all()


def _run(target, args_list) -> None:  # type: ignore[no-untyped-def]
    connections.close_all()  # children must open their own connections
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=target, args=args) for args in args_list]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
        assert process.exitcode == 0


@pytest.mark.postgres
@pytest.mark.django_db(databases=STORE_DATABASES, transaction=True)
def test_concurrent_writers_in_separate_processes_lose_no_commit(postgres_alias):
    store = SQLStore("test", using=postgres_alias)
    root = store.initialize().head
    failures: multiprocessing.Queue = multiprocessing.get_context("fork").Queue()
    _run(_writer, [(i, postgres_alias, failures) for i in range(WRITERS)])
    assert failures.empty(), failures.get()
    log, cursor = [], None
    while True:
        page = store.log("main", cursor=cursor, limit=40)
        log.extend(page.commits)
        if not (cursor := page.next_cursor):
            break
    assert len(log) == WRITERS * COMMITS_EACH + 1
    assert log[-1].id == root
    snapshot = store.snapshot("main")
    assert len(snapshot) == WRITERS * COMMITS_EACH + 1
    for commit in log[:-1]:  # every commit's own document is there, each exactly once
        number, n = commit.message.split("/")
        assert snapshot[f"w{number}-{n}"]["n"] == int(n)
    assert snapshot["shared"]["last"] == log[0].message.replace("/", "-")
    assert store.verify() == []


@pytest.mark.postgres
@pytest.mark.django_db(databases=STORE_DATABASES, transaction=True)
def test_racing_writers_on_one_expected_head_have_exactly_one_winner(postgres_alias):
    store = SQLStore("test", using=postgres_alias)
    head = store.initialize().head
    results: multiprocessing.Queue = multiprocessing.get_context("fork").Queue()
    _run(_cas_writer, [(postgres_alias, head, results)] * 6)
    outcomes = sorted(results.get(timeout=5) for _ in range(6))
    assert outcomes == ["moved"] * 5 + ["won"]
    assert len(store.log("main").commits) == 2


@pytest.mark.django_db
def test_the_caches_stay_within_their_byte_budget_whatever_the_data():
    store = SQLStore(cache_bytes=64 * 1024)
    store.initialize()
    for start in range(0, 600, 200):
        store.commit("main", [Put(doc(f"d{i}", text="x" * 500)) for i in range(start, start + 200)],
                     author="seed", message="seed")  # fmt: skip
    assert len(store.snapshot("main")) == 600
    for i in range(600):
        store.get("main", f"d{i}")
    assert store.get_many("main", [f"d{i}" for i in range(600)]).keys() == {
        f"d{i}" for i in range(600)}  # fmt: skip
    assert 0 < store.objects.cache.weight <= 32 * 1024
    assert 0 < store.objects.parsed.weight <= 32 * 1024


def test_an_lru_bounded_by_weight_drops_the_least_recently_used():
    from oms_project.lru import LRU

    cache: LRU[str, str] = LRU(100, max_weight=10, weigh=len)
    cache.put("a", "xxxx")
    cache.put("b", "xxxx")
    assert cache.get("a") == "xxxx"  # a is now the most recent
    cache.put("c", "xxxx")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("xxxx", None, "xxxx")
    cache.put("huge", "x" * 11)  # larger than the whole budget: not kept, nothing dropped
    assert cache.get("huge") is None and cache.weight == 8
