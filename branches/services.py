"""Writes to branches: the actor is always an explicit argument."""

from __future__ import annotations

from branches.exceptions import BranchProtected
from integrations.user_service.principal import Principal
from ontology.storage import get_store
from ontology.storage.base import Ref


def branch_create(*, name: str, start: str, actor: Principal) -> Ref:
    """Create ``name`` at the commit ``start`` (a branch, tag or commit id) resolves to."""
    return get_store().create_branch(name, start=start, author=actor.username)


def branch_delete(*, name: str, actor: Principal) -> None:
    """Delete a branch; the default branch can never be deleted."""
    store = get_store()
    if name == store.default_branch:
        raise BranchProtected(f"Branch {name!r} is the default branch and cannot be deleted.")
    store.delete_branch(name)
