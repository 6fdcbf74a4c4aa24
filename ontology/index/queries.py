"""The reads of the persisted index: each one indexed query over one branch's rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import connection

from ontology.index.maintain import COUNT, ENTRY, FACET, STATE, chunks
from ontology.index.projection import reference_facet
from ontology.storage.sql.models import StoreRef
from ontology.storage.sql.objects import IN_BATCH, Statement, execute_together

REF = StoreRef._meta.db_table


class Entry(NamedTuple):
    """What a row says of an element's body: its id, version and the store's content key."""

    doc_id: str
    version: str
    content: str  # "" where the store keeps none


Named = tuple[str, Entry]  # (apiName, entry)


def described(branch: str) -> str | None:
    """The commit the rows of ``branch`` describe (None without rows)."""
    found = _all(f"SELECT head FROM {STATE} WHERE branch = %s", [branch])
    return str(found[0][0]) if found and found[0][0] else None


def named_many(
    branch: str, keys: Sequence[tuple[str, str]]
) -> tuple[dict[tuple[str, str], Entry], str | None]:
    """The entries of the elements named by (kind, apiName) keys, for those that exist, and
    the commit the rows describe, read in the same statement (None: the branch has no rows).
    """
    found, _, head = named_and_referring(branch, keys, [])
    return found, head


def named_and_referring(
    branch: str, keys: Sequence[tuple[str, str]], referred: Sequence[tuple[str, str]]
) -> tuple[dict[tuple[str, str], Entry], list[tuple[tuple[str, str], str]], str | None]:
    """:func:`named_many` of ``keys`` and :func:`referrers` of ``referred`` in one round trip
    (what a write asks first), and the commit the rows describe ("moved" if the statements
    saw the rows of two commits)."""
    statements: list[Statement] = []
    by_kind: dict[str, list[str]] = {}
    for kind, name in keys:
        by_kind.setdefault(kind, []).append(name)
    # One kind per statement: ``api_name IN (...)`` is one index scan, where pairs were
    # planned as one bitmap scan per pair (3 ms of planning for 100 names).
    for kind, names in by_kind.items():
        for batch in chunks(names, IN_BATCH):
            marks = ", ".join(["%s"] * len(batch))
            statements.append((
                f"SELECT s.head, e.kind, e.api_name, e.doc_id, e.version, e.content FROM {STATE} s "
                f"LEFT JOIN {ENTRY} e ON e.branch = s.branch AND e.kind = %s "
                f"AND e.api_name IN ({marks}) WHERE s.branch = %s",
                [kind, *batch, branch]))  # fmt: skip
    named = len(statements)
    by_facet = {reference_facet(*key): key for key in referred}
    for batch in chunks(list(by_facet), IN_BATCH):
        marks = ", ".join(["%s"] * len(batch))
        statements.append((
            f"SELECT s.head, f.facet, f.doc_id FROM {STATE} s LEFT JOIN {FACET} f "
            f"ON f.branch = s.branch AND f.facet IN ({marks}) WHERE s.branch = %s",
            [*batch, branch]))  # fmt: skip
    found: dict[tuple[str, str], Entry] = {}
    referring: list[tuple[tuple[str, str], str]] = []
    head: str | None = None
    for number, (_, rows) in enumerate(execute_together("default", statements)):
        head = _head(rows, head)
        if number < named:
            found.update({(str(r[1]), str(r[2])): Entry(*map(str, r[3:])) for r in rows if r[3]})
        else:
            referring += [(by_facet[str(f)], str(i)) for _, f, i in rows if i]
    return found, referring, head


def at_head(branch: str, kind: str, name: str) -> tuple[str | None, str | None, Entry | None]:
    """The head of ``branch`` as the SQL store's ref has it, the commit its rows describe and
    the entry of the element of ``kind`` named ``name``, in one statement (for the store
    whose refs live beside these rows). (None, None, None): no such branch."""
    found = _all(
        f"SELECT r.commit_id, s.head, e.doc_id, e.version, e.content FROM {REF} r "
        f"LEFT JOIN {STATE} s ON s.branch = r.name "
        f"LEFT JOIN {ENTRY} e ON e.branch = r.name AND e.kind = %s AND e.api_name = %s "
        "WHERE r.name = %s AND r.kind = %s",
        [kind, name, branch, StoreRef.BRANCH],
    )
    if not found:
        return None, None, None
    head, described, doc_id, *entry = found[0]
    return str(head), described and str(described), doc_id and Entry(doc_id, *map(str, entry))


def referrers(
    branch: str, keys: Sequence[tuple[str, str]]
) -> tuple[list[tuple[tuple[str, str], str]], str | None]:
    """(key, id) of every element that refers to one of the (kind, apiName) keys, and the
    commit the rows describe, read in the same statement."""
    _, referring, head = named_and_referring(branch, [], keys)
    return referring, head


def _head(rows: list[tuple[Any, ...]], before: str | None) -> str | None:
    """The state's head from rows that carry it first; "moved" if it differs between
    statements (the caller reads again)."""
    head = str(rows[0][0]) if rows and rows[0][0] else None
    return head if before is None or head == before else "moved"


COUNT_CAP = 1_000  # a filtered list counts its matches up to here


@dataclass(frozen=True)
class Match:
    """Which elements of a list: one kind, a search text, facets they all have."""

    kind: str
    search: str = ""  # casefolded
    facets: tuple[str, ...] = ()


def page(branch: str, match: Match, *, after: str, limit: int | None) -> list[Named]:
    """(apiName, entry) of the matching elements named after ``after``, by apiName."""
    where, params = _where(branch, match)
    sql = (
        f"SELECT api_name, doc_id, version, content FROM {ENTRY} e "
        f"WHERE {where} AND api_name > %s ORDER BY api_name"
    )
    params.append(after)
    if limit is not None:
        sql += " LIMIT %s"
        params.append(limit)
    return [(str(r[0]), Entry(str(r[1]), str(r[2]), str(r[3]))) for r in _all(sql, params)]


def count(branch: str, match: Match, *, among: Iterable[str] | None = None) -> tuple[int, bool]:
    """(how many elements match, whether that is exact); with ``among``, how many of those
    ids match (exact). A kind's whole count is kept with its rows; a filtered one is counted
    up to ``COUNT_CAP`` and reported as inexact beyond it, so a page never scans the kind."""
    if among is not None:
        return _count_among(branch, match, list(among)), True
    if not match.search and not match.facets:
        found = _all(f"SELECT count FROM {COUNT} WHERE branch = %s AND kind = %s",
                     [branch, match.kind])  # fmt: skip
        return (int(found[0][0]) if found else 0), True
    where, params = _where(branch, match)
    sql = f"SELECT count(*) FROM (SELECT 1 FROM {ENTRY} e WHERE {where} LIMIT %s) capped"
    counted = int(_all(sql, [*params, COUNT_CAP + 1])[0][0])
    return min(counted, COUNT_CAP), counted <= COUNT_CAP


def _count_among(branch: str, match: Match, ids: list[str]) -> int:
    where, params = _where(branch, match)
    total = 0
    for batch in chunks(ids, IN_BATCH):
        marks = ", ".join(["%s"] * len(batch))
        sql = f"SELECT count(*) FROM {ENTRY} e WHERE {where} AND doc_id IN ({marks})"
        total += int(_all(sql, [*params, *batch])[0][0])
    return total


def _where(branch: str, match: Match) -> tuple[str, list[Any]]:
    where = ["branch = %s", "kind = %s"]
    params: list[Any] = [branch, match.kind]
    if match.search:
        where.append("search LIKE %s ESCAPE '\\'")
        escaped = match.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
    for facet in match.facets:
        where.append(
            f"EXISTS (SELECT 1 FROM {FACET} f WHERE f.branch = e.branch "
            "AND f.doc_id = e.doc_id AND f.facet = %s)"
        )
        params.append(facet)
    return " AND ".join(where), params


def _all(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
