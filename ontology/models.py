"""The ORM tables behind the embedded SQL store (see ``ontology.storage.sql``)."""

from ontology.storage.sql.models import (
    StoreChange,
    StoreCommit,
    StoreObject,
    StoreParent,
    StoreRef,
)

__all__ = ["StoreChange", "StoreCommit", "StoreObject", "StoreParent", "StoreRef"]
