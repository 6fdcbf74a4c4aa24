"""The TerminusDB backend of the versioned store (see ``docs/terminusdb.md``)."""

from ontology.storage.terminusdb.store import TerminusDBStore

__all__ = ["TerminusDBStore"]
