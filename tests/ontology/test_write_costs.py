"""What a write costs as the ontology grows: one store read for the elements it creates,
name lookups that stay index conditions, events inserted as rows, fresh planner statistics.

These count statements and read plans; the timings are ``bench/scale.py``'s.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from history.models import AuditEvent
from integrations.user_service.principal import SYSTEM
from ontology.index import queries
from ontology.index.postgres import ANALYZE_FROM, doubled
from ontology.services import Operation, elements_commit
from ontology.storage import get_store
from ontology.storage.base import Put
from ontology.storage.exceptions import HeadMoved
from tests.ontology.conftest import object_type
from tests.storage.conftest import STORE_DATABASES


def create_many(branch: str, names: list[str]) -> None:
    operations = [Operation("create", "object-types", body=object_type(n)) for n in names]
    elements_commit(branch=branch, operations=operations, actor=SYSTEM, message="many")


@pytest.mark.django_db
def test_a_batch_of_creates_reads_the_store_once_for_the_new_ids(dev, monkeypatch):
    call_command("storage_init", verbosity=0)
    store = get_store()
    asked: list[list[str]] = []
    read = store.get_many

    def counted(ref: str, ids: list[str]) -> dict:
        asked.append(list(ids))
        return read(ref, ids)

    monkeypatch.setattr(store, "get_many", counted)
    create_many(dev, [f"T{i:03}" for i in range(40)])
    assert len(asked) == 1 and len(asked[0]) == 40  # absent ids are remembered as absent


@pytest.mark.django_db
def test_names_of_several_kinds_are_looked_up_together(dev, curator):
    call_command("storage_init", verbosity=0)
    create_many(dev, ["Alpha", "Beta"])
    group = {"apiName": "Team"}
    assert curator.post(f"/api/v1/branches/{dev}/groups/", group, format="json").status_code == 201
    keys = [("object-types", "Alpha"), ("groups", "Team"), ("object-types", "Nope"),
            ("groups", "Alpha")]  # fmt: skip
    found, head = queries.named_many(dev, keys)
    assert set(found) == {("object-types", "Alpha"), ("groups", "Team")}
    assert head == get_store().branch_head(dev)


def test_a_count_doubling_past_the_threshold_asks_for_statistics():
    assert not doubled(0, ANALYZE_FROM - 1)
    assert doubled(ANALYZE_FROM - 1, ANALYZE_FROM)
    assert doubled(0, 5000) and doubled(3000, 4096)
    assert not doubled(4096, 5000) and not doubled(5000, 4000)


def analyzed() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute(
            "SELECT coalesce(sum(analyze_count), 0) FROM pg_stat_user_tables "
            "WHERE relname IN ('oms_index_entry', 'oms_index_facet')"
        )
        return int(cursor.fetchone()[0])


@pytest.mark.postgres
@pytest.mark.django_db(databases=STORE_DATABASES, transaction=True)
def test_postgres_analyzes_the_index_once_a_branch_doubles_and_plans_lookups_by_name(
    dev_on_postgres,
):
    dev = dev_on_postgres
    before = analyzed()
    create_many(dev, [f"Small{i:04}" for i in range(ANALYZE_FROM // 2)])
    assert analyzed() == before  # below the threshold: autovacuum's business
    create_many(dev, [f"Large{i:04}" for i in range(ANALYZE_FROM // 2)])
    assert analyzed() == before + 2  # both tables, after the commit that doubled the kind
    assert_names_are_index_conditions(dev, [f"Large{i:04}" for i in range(0, 500, 100)])


def assert_names_are_index_conditions(branch: str, names: list[str]) -> None:
    """The names are looked up in the index, not filtered out of the branch's rows (which is
    what the planner did with statistics taken before the branch grew)."""
    with CaptureQueriesContext(connection) as captured:
        found, _ = queries.named_many(branch, [("object-types", n) for n in names])
    assert len(found) == len(names)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + captured.captured_queries[-1]["sql"])
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "Index Cond" in plan and "api_name" in plan.split("Index Cond", 1)[1], plan
    assert "Filter" not in plan.split("oms_index_entry", 1)[1], plan


@pytest.mark.postgres
@pytest.mark.django_db(databases=STORE_DATABASES, transaction=True)
def test_events_of_a_batch_are_inserted_as_rows_not_arrays(dev_on_postgres):
    with CaptureQueriesContext(connection) as captured:
        create_many(dev_on_postgres, ["Alpha", "Beta", "Gamma"])
    inserts = [q["sql"] for q in captured.captured_queries if "history_auditevent" in q["sql"]
               and q["sql"].startswith("INSERT")]  # fmt: skip
    assert len(inserts) == 1 and "UNNEST" not in inserts[0]
    assert AuditEvent.objects.filter(subject__startswith="object-types/").count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(databases=STORE_DATABASES, transaction=True)
def test_a_write_locks_its_branch_once_and_commits_without_a_savepoint(dev_on_postgres):
    """The pipeline holds the branch's row from the lock to the end: the store's commit in
    that transaction neither locks it again nor opens a savepoint; the branch's rules are read
    once; a create deletes no index rows."""
    with CaptureQueriesContext(connection) as captured:
        create_many(dev_on_postgres, ["Alpha"])
    statements = [q["sql"] for q in captured.captured_queries]
    assert sum("FOR UPDATE" in sql and "oms_store_ref" in sql for sql in statements) == 1
    assert not [sql for sql in statements if "SAVEPOINT" in sql]
    # The branch's rules are read once, by the guard, and handed on to the gate.
    assert sum("branches_branchpolicy" in sql for sql in statements) == 1
    assert sum("branches_compatibilityoverride" in sql for sql in statements) == 1
    # A create has no index rows to replace; the whole write stays within its budget of
    # round trips: the rules; BEGIN, the lock, names and referrers, the store's rows and
    # ref (one), the index (one), its counts, the audit event, stale approvals, COMMIT.
    assert not [sql for sql in statements if "DELETE" in sql]
    assert len(statements) <= 11, statements
    # Outside the lock the store still guards itself: a stale head is refused and the
    # caller's transaction stays usable.
    store = get_store()
    head = store.branch_head(dev_on_postgres)
    create_many(dev_on_postgres, ["Beta"])
    with transaction.atomic():
        with pytest.raises(HeadMoved):
            store.commit(dev_on_postgres, [Put({"id": "x-1", "kind": "groups", "apiName": "X"})],
                         author="x", message="stale", expected_head=head)  # fmt: skip
        assert store.branch_head(dev_on_postgres) != head  # the transaction still answers


@pytest.mark.postgres
@pytest.mark.django_db(databases=STORE_DATABASES, transaction=True)
def test_an_update_moves_its_index_rows_in_one_round_trip(dev_on_postgres):
    create_many(dev_on_postgres, ["Alpha"])
    described = Operation("patch", "object-types", "Alpha", {"description": "now described"})
    with CaptureQueriesContext(connection) as captured:
        elements_commit(branch=dev_on_postgres, operations=[described], actor=SYSTEM,
                        message="describe")  # fmt: skip
    statements = [q["sql"] for q in captured.captured_queries]
    index = [sql for sql in statements if "oms_index_" in sql and not sql.startswith("SELECT")]
    # One round trip: the state's conditional UPDATE and the row's upsert on condition.
    assert len(index) == 1, index
    assert index[0].startswith("UPDATE oms_index_state"), index
    assert "ON CONFLICT (branch, doc_id) DO UPDATE" in index[0]
    # The store's rows and the ref's compare-and-swap: one round trip too.
    store = [sql for sql in statements if "oms_store_object" in sql]
    assert len(store) == 1 and "UPDATE oms_store_ref" in store[0], store
    assert len(statements) <= 10, statements


@pytest.mark.django_db
def test_the_rows_follow_every_kind_of_change_of_an_element(dev, curator):
    """Facets gained and lost, renames, kinds counted, deletions and re-creations: after each
    write the rows are those of the head (``storage_fsck``'s comparison)."""
    call_command("storage_init", verbosity=0)
    every_kind_of_change(curator)


@pytest.mark.postgres
@pytest.mark.django_db(databases=STORE_DATABASES, transaction=True)
def test_the_rows_follow_every_kind_of_change_on_postgres(dev_on_postgres, curator):
    """The same on PostgreSQL, where each write's statements go together, on condition."""
    every_kind_of_change(curator)


def every_kind_of_change(curator) -> None:  # type: ignore[no-untyped-def]
    from ontology.index import maintain

    def sound() -> None:
        assert maintain.verify(get_store()) == []

    def send(method: str, path: str, body: dict | None = None) -> None:
        answer = getattr(curator, method)(f"/api/v1/branches/dev/{path}", body, format="json")
        assert answer.status_code in (200, 201, 204), answer.content

    send("post", "groups/", {"apiName": "Sales", "displayName": "Sales"})
    send("post", "object-types/", object_type("Alpha"))
    send("post", "object-types/", object_type("Beta", groups=["Sales"]))
    sound()
    steps = [
        ("patch", "object-types/Alpha/", {"groups": ["Sales"], "status": "experimental"}),
        ("patch", "object-types/Beta/", {"groups": [], "description": "left the group"}),
        ("patch", "object-types/Alpha/", {"apiName": "Gamma", "status": "active"}),
        ("delete", "object-types/Beta/", None),
        ("post", "object-types/", object_type("Beta", status="deprecated")),
    ]
    for method, path, body in steps:
        send(method, path, body)
        sound()
    found = queries.named_many("dev", [("object-types", "Gamma"), ("object-types", "Alpha")])[0]
    assert set(found) == {("object-types", "Gamma")}
    assert queries.count("dev", queries.Match("object-types"))[0] == 2
    grouped = queries.Match("object-types", facets=("group=Sales",))
    assert [name for name, _ in queries.page("dev", grouped, after="", limit=None)] == ["Gamma"]


@pytest.mark.django_db
def test_sqlite_finds_referrers_through_the_facet_index_not_the_whole_branch(dev):
    """Without statistics SQLite preferred the unique (branch, doc_id, facet) index, which
    covers the columns but narrows to the branch alone: the referrers of ten names scanned
    every facet of the branch (5 ms at 10,000 types, the merge figure that grew with it)."""
    call_command("storage_init", verbosity=0)
    create_many(dev, ["Alpha", "Beta"])
    with CaptureQueriesContext(connection) as captured:
        queries.referrers(dev, [("object-types", "Alpha"), ("object-types", "Beta")])
    (statement,) = [q["sql"] for q in captured.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {statement}")
        plan = " / ".join(str(row[-1]) for row in cursor.fetchall())
    assert "oms_index_facet_lookup (branch=? AND facet=?)" in plan, plan
