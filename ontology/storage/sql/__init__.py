"""The embedded store: gits object model in Djangos database."""

from ontology.storage.sql.store import SQLStore

__all__ = ["SQLStore"]
