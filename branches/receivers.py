"""Branch protection, enforced on every ontology write through ``commit_requested``."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from branches.exceptions import BranchProtected
from branches.models import BranchPolicy
from ontology.signals import commit_requested


@receiver(commit_requested)
def refuse_direct_writes_to_protected_branches(*, branch: str, actor: Any, **kwargs: Any) -> None:
    """Protected branches change only through proposals (or the system itself)."""
    if getattr(actor, "source", "") == "system":
        return
    if BranchPolicy.objects.filter(branch=branch, protected=True).exists():
        raise BranchProtected(
            f"Branch {branch!r} is protected: change it through a proposal.", branch=branch
        )
