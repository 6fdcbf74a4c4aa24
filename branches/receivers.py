"""Approvals describe one head of the source: a write that moves it dismisses them."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from ontology.signals import head_moved


@receiver(head_moved)
def dismiss_stale_approvals(*, branch: str, head: str, **kwargs: Any) -> None:
    """Dismiss approvals of open proposals from ``branch`` given at another head."""
    from branches.proposals import approvals_dismiss

    approvals_dismiss(source=branch, head=head)
