"""The ORM tables of the ontology app: the embedded SQL store and the persisted index."""

from ontology.evolution.models import AppliedMigration
from ontology.index.models import IndexCount, IndexEntry, IndexFacet, IndexState
from ontology.storage.sql.models import (
    StoreChange,
    StoreCommit,
    StoreObject,
    StoreParent,
    StoreRef,
)

__all__ = [
    "AppliedMigration",
    "IndexCount",
    "IndexEntry",
    "IndexFacet",
    "IndexState",
    "StoreChange",
    "StoreCommit",
    "StoreObject",
    "StoreParent",
    "StoreRef",
]
