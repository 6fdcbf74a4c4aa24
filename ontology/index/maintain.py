"""Moving a branch's index with its head; copying, dropping, rebuilding and verifying it.

The write pipeline calls :func:`sync` and :func:`drop` in the transaction that moves the
head (see ``ontology/pipeline.py``), so the rows of a branch describe its head whenever that
transaction commits. With a store outside the database (TerminusDB) the rows may lag behind
a crash; reads still see the head (``ontology.catalog`` adds the difference) and the next
write of the branch, the intent sweep (``history.services.intents_reconcile``) or
``storage_reindex`` (:func:`rebuild`) brings them up to date.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import TypeVar

from django.db import connection, transaction

from oms_project import progress
from ontology.index.models import IndexCount, IndexEntry, IndexFacet, IndexState
from ontology.index.postgres import analyze_after_commit, doubled
from ontology.index.projection import Row, is_element, row
from ontology.storage.base import Document, VersionedStore
from ontology.storage.exceptions import RefNotFound
from ontology.storage.sql.objects import (
    IN_BATCH,
    Statement,
    execute_together,
    inserts,
)

ENTRY, FACET, STATE, COUNT = (
    m._meta.db_table for m in (IndexEntry, IndexFacet, IndexState, IndexCount)
)
TABLES = (ENTRY, FACET, COUNT)  # the rows of a branch (its state aside)
ENTRY_COLUMNS = ("branch", "doc_id", "kind", "api_name", "search", "version", "content")
T = TypeVar("T")


def sync(
    store: VersionedStore,
    branch: str,
    *,
    parent: str | None = None,
    head: str | None = None,
    changes: Mapping[str, Document | None] | None = None,
    before: Mapping[str, Document | None] | None = None,
) -> None:
    """Bring the rows of ``branch`` to its head, in the caller's transaction.

    A writer that moved the head from ``parent`` to ``head`` by ``changes`` passes them with
    ``before``, the document of each changed id at ``parent`` (None where absent): when the
    rows describe ``parent`` only the changed elements' rows move (:func:`_advance`).
    Otherwise (a
    reset, a new branch, rows left behind, another writer first) the rows catch up with the branch's
    current head through the store's diff from the commit they describe, so they never move
    back past a later write.
    """
    with transaction.atomic(savepoint=False):
        known = changes is not None and before is not None
        if known and head and parent and _advance(store, branch, parent, head,
                                                   before or {}, changes or {}):  # fmt: skip
            return
        described = _locked_state(branch)
        current = store.branch_head(branch)
        if described == current:
            return
        if not described:
            base = base_for(current, exclude=branch)
            if base is not None:
                described = _copy(base[0], branch)
        if described:
            try:
                caught_up = {c.doc_id: c.after for c in store.changes(described, current)}
                _apply(store, branch, caught_up)
                _describe(branch, current)
                return
            except RefNotFound:  # rows of a commit the store does not have: start over
                _delete_rows(branch)
        for batch in store.walk(current):
            _apply(store, branch, {d["id"]: d for d in batch}, fresh=True)
        _describe(branch, current)


def drop(branch: str) -> None:
    """Forget the rows of a deleted branch."""
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for table in (*TABLES, STATE):
            cursor.execute(f"DELETE FROM {table} WHERE branch = %s", [branch])


def row_count() -> int:
    """How many element rows the index holds, over every branch."""
    return IndexEntry.objects.count()


def unindexed(store: VersionedStore) -> list[str]:
    """The branches that have no index rows yet."""
    indexed = set(IndexState.objects.exclude(head="").values_list("branch", flat=True))
    return sorted({ref.name for ref in store.branches()} - indexed)


def drop_orphans(branches: set[str]) -> list[str]:
    """Forget the rows of every branch not in ``branches``; returns their names."""
    indexed = set(IndexState.objects.values_list("branch", flat=True))
    indexed |= set(IndexEntry.objects.values_list("branch", flat=True).distinct())
    orphans = sorted(indexed - branches)
    for branch in orphans:
        drop(branch)
    return orphans


def rebuild(store: VersionedStore, branch: str) -> int:
    """Rebuild the rows of ``branch`` from its head's documents; returns how many (idempotent;
    the count is reported as progress after every batch)."""
    count = 0
    with transaction.atomic():
        _locked_state(branch)
        head = store.branch_head(branch)
        _delete_rows(branch)
        for batch in store.walk(head):
            _apply(store, branch, {d["id"]: d for d in batch}, fresh=True)
            count += len(batch)
            progress.step(f"branch {branch}: documents indexed", count)
        _describe(branch, head)
    return count


def base_for(
    commit: str, *, exclude: str = "", prefer: str = "", fallback: str = ""
) -> tuple[str, str] | None:
    """(branch, commit) of the rows closest to ``commit``: rows describing it, else those of
    ``prefer``, of ``fallback``, or any branch's (the caller adds the difference)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT branch, head FROM {STATE} WHERE branch <> %s AND head <> '' "
            "ORDER BY head = %s DESC, branch = %s DESC, branch = %s DESC, branch LIMIT 1",
            [exclude, commit, prefer, fallback],
        )
        found = cursor.fetchone()
    return (found[0], found[1]) if found else None


def verify(store: VersionedStore) -> list[str]:
    """Problems of the persisted index: every branch's rows against its head's documents."""
    problems: list[str] = []
    heads = {ref.name: ref.head for ref in store.branches()}
    states = dict(IndexState.objects.values_list("branch", "head"))
    for branch in sorted(states.keys() - heads.keys()):
        problems.append(f"index of branch {branch}: the branch does not exist")
    for branch, head in sorted(heads.items()):
        described = states.get(branch)
        if not described:
            problems.append(f"index of branch {branch}: missing (run storage_reindex)")
            continue
        if described != head:
            problems.append(
                f"index of branch {branch}: describes {described}, the head is {head} "
                "(run storage_reindex)"
            )
        try:
            problems.extend(_verify_rows(store, branch, described))
        except RefNotFound:
            problems.append(
                f"index of branch {branch}: describes {described}, unknown to the store"
            )
    return problems


def _verify_rows(store: VersionedStore, branch: str, commit: str) -> Iterator[str]:
    entries = {
        r[0]: r[1:]
        for r in IndexEntry.objects.filter(branch=branch).values_list(*ENTRY_COLUMNS[1:])
    }
    facets: dict[str, set[str]] = {}
    for doc_id, facet in IndexFacet.objects.filter(branch=branch).values_list("doc_id", "facet"):
        facets.setdefault(doc_id, set()).add(facet)
    for batch in store.walk(commit):
        for document in batch:
            if not is_element(document):
                continue
            expected = row(document, store.content_key)
            found = entries.pop(expected.doc_id, None)
            name = f"index of branch {branch}: {expected.kind}/{expected.api_name}"
            if found is None:
                yield f"{name}: no row"
            elif found != _entry(expected)[2:] and found != _entry(expected, unkeyed=True)[2:]:
                yield f"{name}: row differs from the document"
            if facets.pop(expected.doc_id, set()) != expected.facets:
                yield f"{name}: facets differ from the document"
    for doc_id in sorted(entries.keys() | facets.keys()):
        yield f"index of branch {branch}: {doc_id}: a row for a document not at {commit}"
    stored = dict(IndexCount.objects.filter(branch=branch).values_list("kind", "count"))
    actual = Counter(
        IndexEntry.objects.filter(branch=branch).values_list("kind", flat=True).iterator()
    )
    for kind in sorted(stored.keys() | actual.keys()):
        if stored.get(kind, 0) != actual.get(kind, 0):
            yield (f"index of branch {branch}: counts {stored.get(kind, 0)} {kind}, "
                   f"its rows {actual.get(kind, 0)}")  # fmt: skip


# -- internals --------------------------------------------------------------------------------


def _locked_state(branch: str) -> str:
    """The commit the rows of ``branch`` describe, its state row locked till the end.

    One statement: the upsert creates a missing row and locks the row either way.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {STATE} (branch, head) VALUES (%s, '') "
            f"ON CONFLICT (branch) DO UPDATE SET head = {STATE}.head RETURNING head",
            [branch],
        )
        return str(cursor.fetchone()[0])


def _delete_rows(branch: str) -> None:
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"DELETE FROM {table} WHERE branch = %s", [branch])


def _describe(branch: str, commit: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {STATE} SET head = %s WHERE branch = %s", [commit, branch])


def _apply(
    store: VersionedStore,
    branch: str,
    changes: Mapping[str, Document | None],
    *,
    fresh: bool = False,
) -> None:
    """Replace the rows of the changed ids by those of their new documents (``fresh``: the
    branch has none of them yet) and move the per-kind counts by the difference."""
    counts: Counter[str] = Counter()
    replaced = [] if fresh else list(changes)
    if replaced:
        with connection.cursor() as cursor:
            for ids in chunks(replaced, IN_BATCH):
                marks = ", ".join(["%s"] * len(ids))
                cursor.execute(
                    f"DELETE FROM {ENTRY} WHERE branch = %s AND doc_id IN ({marks}) RETURNING kind",
                    [branch, *ids],
                )
                counts.subtract(str(kind) for (kind,) in cursor.fetchall())
                cursor.execute(
                    f"DELETE FROM {FACET} WHERE branch = %s AND doc_id IN ({marks})",
                    [branch, *ids],
                )
    rows = [row(d, store.content_key) for d in changes.values() if d is not None and is_element(d)]
    counts.update(r.kind for r in rows)
    execute_together("default", [
        *inserts("default", ENTRY, ENTRY_COLUMNS, [_entry(r, branch) for r in rows]),
        *inserts("default", FACET, ("branch", "doc_id", "facet"),
                 [(branch, r.doc_id, facet) for r in rows for facet in sorted(r.facets)]),
    ])  # fmt: skip
    _count(branch, counts)


def _advance(
    store: VersionedStore,
    branch: str,
    parent: str,
    head: str,
    before: Mapping[str, Document | None],
    changes: Mapping[str, Document | None],
) -> bool:
    """Move the state of ``branch`` from ``parent`` to ``head`` and its rows from the documents
    in ``before`` to those in ``changes`` (same ids), if its rows describe ``parent``; else
    nothing and False. A changed element's row is upserted, the facets its new document lacks
    are deleted and its facets inserted where missing (whatever rows an older projection
    left), an element deleted loses its rows. One round trip on PostgreSQL: the state's
    conditional ``UPDATE``, then the rows' statements, each on condition that it moved
    (``execute_together``); the per-kind counts after, when they change."""
    old = {i: d for i, d in before.items() if d is not None and is_element(d)}
    new = {i: row(d, store.content_key) for i, d in changes.items() if d and is_element(d)}
    gone = [i for i in old if i not in new]
    moved = (f"EXISTS (SELECT 1 FROM {STATE} WHERE branch = %s AND head = %s)", [branch, head])
    statements: list[Statement] = [
        (f"UPDATE {STATE} SET head = %s WHERE branch = %s AND head = %s", [head, branch, parent])
    ]
    for ids in chunks(gone, IN_BATCH):
        marks = ", ".join(["%s"] * len(ids))
        statements += [(f"DELETE FROM {table} WHERE branch = %s AND doc_id IN ({marks}) "
                        f"AND {moved[0]}", [branch, *ids, *moved[1]])
                       for table in (ENTRY, FACET)]  # fmt: skip
    statements += _stale_facets(branch, [r for i, r in new.items() if i in old], moved)
    entries = [_entry(r, branch) for r in new.values()]
    statements += inserts("default", ENTRY, ENTRY_COLUMNS, entries,
                          update_on=("branch", "doc_id"), only_if=moved)  # fmt: skip
    statements += inserts(
        "default", FACET, ("branch", "doc_id", "facet"),
        [(branch, r.doc_id, f) for r in new.values() for f in sorted(r.facets)],
        ignore_conflicts=True, only_if=moved,
    )  # fmt: skip
    if execute_together("default", statements)[0][0] != 1:
        return False
    counts = Counter(r.kind for r in new.values())
    counts.subtract(d["kind"] for d in old.values())
    _count(branch, counts)
    return True


def _stale_facets(branch: str, rows: list[Row], moved: Statement) -> list[Statement]:
    """DELETEs of the facets the elements of ``rows`` have in the index but no longer in their
    documents, at most ``IN_BATCH`` parameters each, on condition ``moved``."""
    batches: list[tuple[list[str], list[str]]] = [([], [])]
    for r in rows:
        clauses, params = batches[-1]
        if len(params) >= IN_BATCH:
            clauses, params = [], []
            batches.append((clauses, params))
        keep = ", ".join(["%s"] * len(r.facets))
        clauses.append(f"(doc_id = %s AND facet NOT IN ({keep}))" if keep else "doc_id = %s")
        params += [r.doc_id, *sorted(r.facets)]
    return [(f"DELETE FROM {FACET} WHERE branch = %s AND ({' OR '.join(clauses)}) "
             f"AND {moved[0]}", [branch, *params, *moved[1]])
            for clauses, params in batches if clauses]  # fmt: skip


def _count(branch: str, counts: Counter[str]) -> None:
    """Move the per-kind counts of ``branch`` by ``counts``; ANALYZE once a kind doubles."""
    with connection.cursor() as cursor:
        for kind, delta in sorted(counts.items()):
            if delta:
                cursor.execute(
                    f"INSERT INTO {COUNT} (branch, kind, count) VALUES (%s, %s, %s) "
                    f"ON CONFLICT (branch, kind) DO UPDATE SET count = {COUNT}.count + %s "
                    "RETURNING count",
                    [branch, kind, delta, delta],
                )
                (now,) = cursor.fetchone()
                if doubled(now - delta, now):
                    analyze_after_commit()


def _entry(r: Row, branch: str = "", *, unkeyed: bool = False) -> tuple[str, ...]:
    """The row's columns; ``unkeyed``: as written before rows kept the content key (valid,
    read through the store's tree instead)."""
    return (branch, r.doc_id, r.kind, r.api_name, r.search, r.version, "" if unkeyed else r.content)


def _copy(source: str, branch: str) -> str:
    """Copy the rows of ``source`` to ``branch``; the commit they describe ("" if none).

    The source's state row is read under a share lock first: a writer of the source moves
    its rows only while holding that row, so the rows copied are the ones of that commit
    (without it, a commit of the source between reading its head and copying left the copy
    a commit ahead of what the catch-up diff started from).
    """
    columns = ", ".join(ENTRY_COLUMNS[1:])
    share = " FOR SHARE" if connection.vendor == "postgresql" else ""  # SQLite: one writer
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT head FROM {STATE} WHERE branch = %s{share}", [source])
        found = cursor.fetchone()
        if found is None or not found[0]:  # the source went meanwhile: build from the walk
            return ""
        described = found[0]
        cursor.execute(
            f"INSERT INTO {ENTRY} (branch, {columns}) "
            f"SELECT %s, {columns} FROM {ENTRY} WHERE branch = %s",
            [branch, source],
        )
        cursor.execute(
            f"INSERT INTO {FACET} (branch, doc_id, facet) "
            f"SELECT %s, doc_id, facet FROM {FACET} WHERE branch = %s",
            [branch, source],
        )
        cursor.execute(
            f"INSERT INTO {COUNT} (branch, kind, count) "
            f"SELECT %s, kind, count FROM {COUNT} WHERE branch = %s RETURNING count",
            [branch, source],
        )
        if any(doubled(0, count) for (count,) in cursor.fetchall()):
            analyze_after_commit()
    return str(described)


def chunks(items: list[T], size: int) -> Iterable[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
