"""Content-addressed objects in the ``oms_store_object`` table, with an LRU in front.

Objects never change once written, so whatever is read or written is cached under its hash,
in two LRUs sharing ``cache_bytes``: document bodies as JSON text (every load parses a fresh
value the caller owns) and tree nodes parsed, weighed at ``NODE_WEIGHT`` times their text
(what a parsed node costs in memory, roughly), shared and never changed by their readers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connections

from oms_project.lru import LRU
from ontology.storage.base import canonical_json
from ontology.storage.exceptions import CorruptStore
from ontology.storage.sql.models import StoreObject

Statement = tuple[str, list[Any]]  # SQL with %s marks, and its parameters
Result = tuple[int, list[tuple[Any, ...]]]  # a statement's row count and rows
DOC, TREE = "doc", "tree"
TABLE = StoreObject._meta.db_table
IN_BATCH = 500  # ids per IN (...) query: well under SQLite's variable limit
INSERT_PARAMS = 3000  # values per INSERT statement at most (fewer where the database says)
NODE_WEIGHT = 4


def object_hash(type_: str, text: str) -> str:
    """The name of an object: SHA-256 over its type and canonical JSON text."""
    return hashlib.sha256(f"{type_}\0{text}".encode()).hexdigest()


class ObjectStore:
    """Reads and writes immutable objects of one database alias; reads go to the alias
    ``reading()`` names (a replica, oms_project/routers.py), and what it lacks to ``using``."""

    def __init__(
        self, using: str, cache_size: int, cache_bytes: int, reading: Callable[[], str]
    ) -> None:
        self.using = using
        self.reading = reading
        self.cache: LRU[str, str] = LRU(cache_size, max_weight=cache_bytes // 2, weigh=len)
        self.parsed: LRU[str, tuple[Any, int]] = LRU(
            cache_size, max_weight=cache_bytes // 2, weigh=lambda item: item[1] * NODE_WEIGHT
        )

    def node(self, hash_: str) -> Any:
        """One tree node, parsed and shared (callers must not change it)."""
        return self.nodes([hash_])[hash_]

    def nodes(self, hashes: Iterable[str]) -> dict[str, Any]:
        """Tree nodes by hash, parsed and shared; one query for those not cached."""
        cached = {h: self.parsed.get(h) for h in set(hashes)}
        found = {h: item[0] for h, item in cached.items() if item is not None}
        for hash_, text in self._texts([h for h, item in cached.items() if item is None]).items():
            found[hash_] = json.loads(text)
            self.parsed.put(hash_, (found[hash_], len(text)))
        return found

    def cached_node(self, hash_: str) -> Any | None:
        """A tree node if the cache holds it (nothing is read)."""
        item = self.parsed.get(hash_)
        return None if item is None else item[0]

    def read_paths(self, starts: list[tuple[str, str, int]]) -> None:
        """Cache the tree nodes down each path from ``(node hash, key digits, depth)`` to its
        leaf (``tree.py``'s layout: an interior node names its children under "c" by digit):
        one recursive query where reading level by level takes one per level. A node it
        misses (a replica that lags) is read as usual when asked for."""
        reading = self.reading()
        child = _CHILD_SQL.get(connections[reading].vendor)
        if child is None or not starts:
            return
        sql = (
            f"WITH RECURSIVE start(hash, digits, depth) AS "
            f"(VALUES {', '.join(['(%s, %s, %s)'] * len(starts))}), "
            f"walk(hash, digits, depth, data) AS ("
            f"SELECT o.hash, s.digits, s.depth, o.data FROM start s "
            f"JOIN {TABLE} o ON o.hash = s.hash "
            f"UNION ALL SELECT o.hash, w.digits, w.depth + 1, o.data FROM walk w "
            f"JOIN {TABLE} o ON o.hash = {child} WHERE w.depth < 64) "
            f"SELECT DISTINCT hash, data FROM walk"
        )
        with connections[reading].cursor() as cursor:
            cursor.execute(sql, [value for start in starts for value in start])
            for hash_, text in cursor.fetchall():
                self.parsed.put(hash_, (json.loads(text), len(text)))

    def encode(self, type_: str, value: Any) -> tuple[str, str]:
        """The (hash, text) of a value about to be stored."""
        text = canonical_json(value)
        return object_hash(type_, text), text

    def load(self, hash_: str) -> Any:
        """One object's parsed value."""
        return self.load_many([hash_])[hash_]

    def load_many(self, hashes: Iterable[str], *, keep: bool = True) -> dict[str, Any]:
        """Several objects by hash, in as few queries as the batch size allows.

        ``keep=False`` leaves the cache as it is (a walk over every object of a tree).
        """
        return {h: json.loads(text) for h, text in self.texts(hashes, keep=keep).items()}

    def texts(self, hashes: Iterable[str], *, keep: bool = True) -> dict[str, str]:
        """The canonical JSON text of several objects, unparsed (what a list answers with)."""
        cached = {h: self.cache.get(h) for h in set(hashes)}
        texts = {h: text for h, text in cached.items() if text is not None}
        for hash_, text in self._texts([h for h, text in cached.items() if text is None]).items():
            if keep:
                self.cache.put(hash_, text)
            texts[hash_] = text
        return texts

    def _texts(self, hashes: list[str]) -> dict[str, str]:
        """The stored text of objects, ``CorruptStore`` if one is missing."""
        reading = self.reading()
        texts = _select_texts(reading, hashes)
        if reading != self.using and len(texts) < len(hashes):  # a replica that lags
            texts.update(_select_texts(self.using, [h for h in hashes if h not in texts]))
        lost = sorted(set(hashes) - texts.keys())
        if lost:
            raise CorruptStore(f"Objects are missing: {', '.join(lost[:5])}")
        return texts

    def saving(self, objects: dict[str, tuple[str, str, Any]]) -> list[Statement]:
        """The statements that write ``{hash: (type, text, value)}``; objects already stored
        are left alone."""
        rows = [(h, t, text) for h, (t, text, _) in objects.items()]
        return inserts(self.using, TABLE, ("hash", "type", "data"), rows, ignore_conflicts=True)

    def remember(self, objects: dict[str, tuple[str, str, Any]]) -> None:
        """Cache objects once the transaction that wrote them has committed."""
        for hash_, (type_, text, value) in objects.items():
            if type_ == TREE:
                self.parsed.put(hash_, (value, len(text)))
            else:
                self.cache.put(hash_, text)


# The hash of a walked node's child for the next key digit, per database (None at a leaf).
_CHILD_SQL = {
    "postgresql": "(w.data::jsonb -> 'c' -> substr(w.digits, w.depth + 1, 1) ->> 0)",
    "sqlite": "json_extract(w.data, '$.c.\"' || substr(w.digits, w.depth + 1, 1) || '\"[0]')",
}


def _select_texts(using: str, hashes: list[str]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for start in range(0, len(hashes), IN_BATCH):
        batch = hashes[start : start + IN_BATCH]
        marks = ", ".join(["%s"] * len(batch))
        with connections[using].cursor() as cursor:
            cursor.execute(f"SELECT hash, data FROM {TABLE} WHERE hash IN ({marks})", batch)
            texts.update(cursor.fetchall())
    return texts


def inserts(
    using: str,
    table: str,
    columns: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    *,
    ignore_conflicts: bool = False,
    update_on: tuple[str, ...] = (),
    only_if: Statement | None = None,
) -> list[Statement]:
    """The multi-row INSERTs of ``rows``, as few as the database's parameter limit allows: the
    hot path of every commit, without ORM overhead (one statement where ``executemany`` costs
    a pipeline round of its own per call). ``update_on``: the unique key of an upsert (a row
    with the same key gets the new values of the other columns); ``only_if``: a condition
    (SQL and parameters) the rows are inserted under, checked when each statement runs."""
    if not rows:
        return []
    connection = connections[using]
    limit = min(INSERT_PARAMS, connection.features.max_query_params or INSERT_PARAMS)
    condition, condition_params = only_if or ("", [])
    per_statement = max(1, (limit - len(condition_params)) // len(columns))
    row_marks = f"({', '.join(['%s'] * len(columns))})"
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""  # SQLite 3.24+ and PostgreSQL
    if update_on:
        updated = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in update_on)
        tail = f" ON CONFLICT ({', '.join(update_on)}) DO UPDATE SET {updated}"
    if condition:  # the SELECT's WHERE also keeps SQLite from reading ON CONFLICT as a join's
        head = head.replace(" VALUES ", " SELECT * FROM (VALUES ")
        tail = f") v WHERE {condition}{tail}"
    statements = []
    for start in range(0, len(rows), per_statement):
        batch = rows[start : start + per_statement]
        values = [value for row in batch for value in row] + condition_params
        statements.append((head + ", ".join([row_marks] * len(batch)) + tail, values))
    return statements


def execute_together(using: str, statements: Sequence[Statement]) -> list[Result]:
    """Run ``statements`` in order and return each one's row count and rows (none for a
    statement that returns none): on PostgreSQL in one round trip (Django's psycopg cursor
    binds parameters on the client, so statements joined by ";" go as one query; a writer
    holding its branch's lock pays each round trip in every other writer's wait), elsewhere
    one by one (SQLite runs in the process). Each statement sees what the earlier ones
    wrote."""
    connection = connections[using]
    together = connection.vendor == "postgresql" and not connection.settings_dict.get(
        "OPTIONS", {}
    ).get("server_side_binding")
    results: list[Result] = []
    with connection.cursor() as cursor:

        def result() -> Result:
            return cursor.rowcount, cursor.fetchall() if cursor.description else []

        if together and len(statements) > 1:
            cursor.execute("; ".join(sql for sql, _ in statements),
                           [value for _, params in statements for value in params])  # fmt: skip
            results.append(result())
            while cursor.cursor.nextset():
                results.append(result())
            return results
        for sql, params in statements:
            cursor.execute(sql, params)
            results.append(result())
    return results
