"""The reads of the persisted index: each one indexed query over one branch's rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

from ontology.index.maintain import ENTRY, FACET, STATE, chunks
from ontology.index.projection import reference_facet
from ontology.storage.sql.objects import IN_BATCH


def described(branch: str) -> str | None:
    """The commit the rows of ``branch`` describe (None without rows)."""
    found = _all(f"SELECT head FROM {STATE} WHERE branch = %s", [branch])
    return str(found[0][0]) if found and found[0][0] else None


def named(branch: str, kind: str, api_name: str) -> str | None:
    """The id of the element of ``kind`` named ``api_name``."""
    found = _all(
        f"SELECT doc_id FROM {ENTRY} WHERE branch = %s AND kind = %s AND api_name = %s",
        [branch, kind, api_name],
    )
    return str(found[0][0]) if found else None


def referrers(branch: str, kind: str, api_name: str) -> list[str]:
    """Ids of the elements that refer to (kind, apiName)."""
    found = _all(
        f"SELECT doc_id FROM {FACET} WHERE branch = %s AND facet = %s",
        [branch, reference_facet(kind, api_name)],
    )
    return [str(r[0]) for r in found]


def page(
    branch: str, kind: str, *, search: str, facets: Sequence[str], after: str, limit: int | None
) -> list[tuple[str, str]]:
    """(id, apiName) of the matching elements named after ``after``, by apiName."""
    where, params = _where(branch, kind, search, facets)
    sql = f"SELECT doc_id, api_name FROM {ENTRY} e WHERE {where} AND api_name > %s ORDER BY api_name"
    params.append(after)
    if limit is not None:
        sql += " LIMIT %s"
        params.append(limit)
    return [(str(r[0]), str(r[1])) for r in _all(sql, params)]


def count(
    branch: str,
    kind: str,
    *,
    search: str,
    facets: Sequence[str],
    among: Iterable[str] | None = None,
) -> int:
    """How many elements match; with ``among``, how many of those ids match."""
    where, params = _where(branch, kind, search, facets)
    if among is None:
        return int(_all(f"SELECT count(*) FROM {ENTRY} e WHERE {where}", params)[0][0])
    ids = list(among)
    total = 0
    for batch in chunks(ids, IN_BATCH):
        marks = ", ".join(["%s"] * len(batch))
        sql = f"SELECT count(*) FROM {ENTRY} e WHERE {where} AND doc_id IN ({marks})"
        total += int(_all(sql, [*params, *batch])[0][0])
    return total


def _where(branch: str, kind: str, search: str, facets: Sequence[str]) -> tuple[str, list[Any]]:
    where = ["branch = %s", "kind = %s"]
    params: list[Any] = [branch, kind]
    if search:
        where.append("search LIKE %s ESCAPE '\\'")
        escaped = search.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
    for facet in facets:
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
