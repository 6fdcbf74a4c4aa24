"""What the index gets on PostgreSQL: byte order for apiNames, trigram search, fresh
statistics.

apiNames sort by code point on every database (``COLLATE "C"``, SQLite's default), so that
keyset pages and the in-memory merge with a catalog's overlay agree. ``?search=`` is a
``LIKE '%…%'``: with the ``pg_trgm`` extension a GIN trigram index serves it; without the
right to create the extension, search scans the branch's rows of one kind and says so.

The planner picks an index by its statistics of the tables, which autovacuum refreshes about
once a minute. A branch that grew by a bulk import or was just created reads as nearly empty
until then, and lookups by name or reference were planned as scans of the branch's rows
(10 ms at 10,000 elements, growing with them; issue 10). So a write that doubles a branch's
elements of one kind past ``ANALYZE_FROM`` analyzes the index tables once it commits.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)
ANALYZE_FROM = 1024  # elements of one kind on a branch


def doubled(before: int, after: int) -> bool:
    """Whether a count went past a power of two, from ``ANALYZE_FROM`` on."""
    return after >= ANALYZE_FROM and after.bit_length() > max(before, 0).bit_length()


def analyze_after_commit() -> None:
    """Refresh the planner's statistics of the index tables once the transaction commits."""
    if connection.vendor == "postgresql":
        transaction.on_commit(_analyze, robust=True)


def _analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE oms_index_entry, oms_index_facet")


def tune_for_postgres(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            'ALTER TABLE oms_index_entry ALTER COLUMN api_name TYPE varchar(200) COLLATE "C"'
        )
        try:
            with transaction.atomic(using=connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as exc:
            logger.warning("No pg_trgm (%s): ?search= scans instead of using an index.", exc)
            return
        cursor.execute(
            "CREATE INDEX oms_index_entry_search ON oms_index_entry USING gin (search gin_trgm_ops)"
        )
