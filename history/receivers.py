"""Every ontology commit writes its audit events in the commit's own transaction."""

from __future__ import annotations

import uuid
from typing import Any

from django.dispatch import receiver

from history.models import CommitIntent
from history.services import Pairs, commit_announce
from ontology.signals import commit_created, commit_intended
from ontology.storage.base import CommitInfo


@receiver(commit_intended)
def record_intent(
    *,
    intent: uuid.UUID,
    branch: str,
    expected_head: str,
    actor: Any,
    message: str,
    changes: Pairs,
    **kwargs: Any,
) -> None:
    """Persist the intent (committed before the store write; see ``CommitIntent``)."""
    CommitIntent.objects.create(
        id=intent,
        branch=branch,
        expected_head=expected_head,
        message=message,
        actor=actor.as_actor() if hasattr(actor, "as_actor") else {"username": str(actor)},
        changes=[[before, after] for before, after in changes],
    )


@receiver(commit_created)
def announce_commit(
    *,
    branch: str,
    commit: CommitInfo,
    actor: Any,
    changes: Pairs,
    intent: uuid.UUID | None = None,
    **kwargs: Any,
) -> None:
    """The pipeline's announcement step: one outbox event per changed element."""
    commit_announce(branch=branch, commit=commit, actor=actor, changes=changes, intent=intent)
