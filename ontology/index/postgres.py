"""What the index gets on PostgreSQL: byte order for apiNames, trigram search.

apiNames sort by code point on every database (``COLLATE "C"``, SQLite's default), so that
keyset pages and the in-memory merge with a catalog's overlay agree. ``?search=`` is a
``LIKE '%…%'``: with the ``pg_trgm`` extension a GIN trigram index serves it; without the
right to create the extension, search scans the branch's rows of one kind and says so.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError, transaction

logger = logging.getLogger(__name__)


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
