"""Reads of what never changes go to a PostgreSQL replica when one is configured.

With ``DATABASE_REPLICA_URL`` set (the ``replica`` alias, named by ``OMS_READ_REPLICA``), the
rows of the versioned store that are immutable once written (objects, commits) are read from
the replica; branch heads, the index of branch heads, proposals, events and every write stay on the
primary. A replica that lags has not got the newest rows yet: the store asks the primary for
whatever the replica did not return (docs/scaling.md).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

IMMUTABLE_TABLES = frozenset(
    {"oms_store_object", "oms_store_commit", "oms_store_parent", "oms_store_change"}
)


class ReplicaRouter:
    """Django's database router for a primary and one read replica."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if model._meta.db_table in IMMUTABLE_TABLES and settings.OMS_READ_REPLICA:
            return str(settings.OMS_READ_REPLICA)
        return None

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # one database, two connections

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != settings.OMS_READ_REPLICA  # it follows the primary's schema by replication
