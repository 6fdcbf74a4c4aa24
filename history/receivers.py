"""Every ontology commit writes its audit events in the commit's own transaction."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from django.dispatch import receiver
from django.utils import timezone

from history.events import element_event_type, stable_id
from history.models import CommitIntent
from history.services import audit_event_record
from ontology.diff import Change, diff_documents
from ontology.signals import commit_created, commit_intended
from ontology.storage.base import CommitInfo

Pairs = list[tuple[dict[str, Any] | None, dict[str, Any] | None]]


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
def announce_element_changes(
    *,
    branch: str,
    commit: CommitInfo,
    actor: Any,
    changes: Pairs,
    intent: uuid.UUID | None = None,
    **kwargs: Any,
) -> None:
    """One event per changed element: ``oms.<kind>.created|updated|renamed|deleted``."""
    if intent is not None:
        CommitIntent.objects.filter(id=intent).update(
            state=CommitIntent.DONE, commit=commit.id, closed_at=timezone.now()
        )
    semantic = semantic_changes(changes)
    for before, after in changes:
        document = after or before
        assert document is not None
        audit_event_record(
            type=element_event_type(document["kind"], before, after),
            subject=f"{document['kind']}/{document['apiName']}",
            actor=actor,
            branch=branch,
            commit=commit.id,
            event_id=stable_id(commit.id, document["id"]),
            data={
                "branch": branch,
                "commit": commit.id,
                "message": commit.message,
                "elementId": document["id"],
                "kind": document["kind"],
                "apiName": document["apiName"],
                "previousApiName": before["apiName"] if before and after else None,
                "changes": semantic.get(document["id"], []),
            },
        )


def semantic_changes(changes: Pairs) -> dict[str, list[dict[str, Any]]]:
    """The typed changes of a commit, by element id (renames seen across elements)."""
    found, uncovered = diff_documents(changes)
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for change in (*found, *uncovered):
        grouped[change.element_id].append(change_record(change))
    return grouped


def change_record(change: Change) -> dict[str, Any]:
    """A typed change as it travels in an event's data."""
    return {
        "type": change.type,
        "path": change.path,
        "member": change.member,
        "before": change.before,
        "after": change.after,
        "rule": change.rule,
        "impact": change.impact,
        "affects": list(change.affects),
    }
