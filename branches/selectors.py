"""Reads of branches."""

from __future__ import annotations

from ontology.storage import get_store
from ontology.storage.base import Ref


def branch_list() -> list[Ref]:
    """Every branch, sorted by name."""
    return get_store().branches()


def branch_get(*, name: str) -> Ref:
    """One branch (``RefNotFound`` → 404)."""
    return get_store().get_branch(name)
