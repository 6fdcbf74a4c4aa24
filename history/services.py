"""Writes of the history app: audit events into the outbox, and their delivery."""

from __future__ import annotations

import contextlib
import logging
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from history.events import cloudevent, element_event_type, stable_id
from history.metrics import DELIVERED, FAILED
from history.models import AuditEvent, CommitIntent, DeliveryLock
from integrations.audit_service.client import send_batch
from integrations.exceptions import CredentialsRefused, ServiceRejected, ServiceUnavailable
from oms_project.logging import client_address_var, request_id_var
from ontology.diff import Change, diff_documents
from ontology.storage.base import CommitInfo

logger = logging.getLogger("oms.audit")
Pairs = list[tuple[dict[str, Any] | None, dict[str, Any] | None]]


def audit_event_record(**fields: Any) -> AuditEvent:
    """Write one event (the fields of :func:`audit_event`) into the outbox, in the caller's
    transaction; delivery follows commit."""
    return audit_events_record([audit_event(**fields)])[0]


def audit_event(
    *,
    type: str,
    subject: str,
    actor: Any,
    data: dict[str, Any],
    branch: str = "",
    commit: str = "",
    event_id: uuid.UUID | None = None,
) -> AuditEvent:
    """An outbox row, not yet saved (see :func:`audit_events_record`)."""
    return AuditEvent(
        id=event_id or uuid.uuid4(),
        type=type,
        subject=subject,
        time=timezone.now(),
        branch=branch,
        commit=commit,
        actor=getattr(actor, "username", str(actor or "")),
        data={
            **data,
            "actor": _actor(actor),
            "requestId": request_id_var.get(),
            "clientAddress": client_address_var.get(),
        },
    )


def audit_events_record(events: list[AuditEvent]) -> list[AuditEvent]:
    """Write events into the outbox in one statement, in their order and the caller's
    transaction; their delivery is enqueued once that transaction commits."""
    from history.tasks import audit_deliver

    saved = AuditEvent.objects.bulk_create(events)
    if saved and settings.AUDIT_SERVICE_URL:
        transaction.on_commit(audit_deliver.delay, robust=True)
    return saved


def commit_announce(
    *,
    branch: str,
    commit: CommitInfo,
    actor: Any,
    changes: Pairs,
    intent: uuid.UUID | None = None,
) -> None:
    """One event per changed element (``oms.<kind>.created|updated|renamed|deleted``).

    Runs in the commit's transaction (the pipeline's announcement step), or in the sweep's
    when a crash left a TerminusDB commit unannounced; the event ids are stable either way.
    """
    if intent is not None:
        CommitIntent.objects.filter(id=intent).update(
            state=CommitIntent.DONE, commit=commit.id, closed_at=timezone.now()
        )
    semantic = semantic_changes(changes)
    events = []
    for before, after in changes:
        document = after or before
        assert document is not None
        event = audit_event(
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
        events.append(event)
    audit_events_record(events)


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


def _actor(actor: Any) -> dict[str, Any]:
    if hasattr(actor, "as_actor"):
        return actor.as_actor()
    return {"id": str(actor or ""), "username": str(actor or ""), "tenant": ""}


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    delivered: int = 0
    dead: int = 0
    failed: int = 0
    retry_in: float | None = None  # seconds until the next attempt is due, if any


def audit_events_deliver(*, batch_size: int | None = None) -> DeliveryReport:
    """Deliver pending events in order until none is due; one deliverer at a time.

    A batch the Audit Service rejects (4xx) is retried one event at a time, so one bad
    event is dead-lettered alone. Transient failures back off exponentially with jitter;
    after ``OMS_AUDIT_MAX_ATTEMPTS`` the events go to the dead-letter state.
    """
    report = DeliveryReport()
    if not settings.AUDIT_SERVICE_URL:
        return report
    size = batch_size or settings.OMS_AUDIT_BATCH_SIZE
    me = uuid.uuid4().hex
    if not _lease(me):
        return report  # another worker is delivering; it runs until nothing is due
    try:
        while True:
            batch = list(
                AuditEvent.objects.filter(state=AuditEvent.PENDING).order_by("sequence")[:size]
            )
            if not batch:
                return report
            due = batch[0].next_attempt_at
            if due and due > timezone.now():
                report.retry_in = (due - timezone.now()).total_seconds()
                return report  # order: nothing overtakes the oldest pending event
            # Sent outside any transaction; each outcome is recorded in a short one.
            if not _send(batch, report) or not _lease(me):
                return report  # a failure to back off from, or the lease lost: stop
    finally:
        DeliveryLock.objects.filter(name="audit", holder=me).update(holder="", until=None)


def _lease(holder: str) -> bool:
    """Take or renew the deliverer's lease (one conditional UPDATE: no lock is kept); the
    lease outlasts a send at the configured timeout, then lapses if its holder died."""
    DeliveryLock.objects.get_or_create(name="audit")
    now = timezone.now()
    until = now + timedelta(seconds=settings.OMS_AUDIT_TIMEOUT * 3 + 5)
    free = Q(until__isnull=True) | Q(until__lt=now) | Q(holder=holder)
    return DeliveryLock.objects.filter(free, name="audit").update(holder=holder, until=until) == 1


def _send(batch: list[AuditEvent], report: DeliveryReport) -> bool:
    """Send one batch; True when it is done with (delivered or dead), False to stop."""
    try:
        send_batch([cloudevent(e) for e in batch])
    except ServiceRejected as exc:
        if len(batch) > 1:
            return all(_send([event], report) for event in batch)
        _dead(batch, str(exc), report)
        return True
    except ServiceUnavailable as exc:  # down, slow, 5xx, or OMS's credentials refused
        kind = "credentials" if isinstance(exc, CredentialsRefused) else "transient"
        _retry_later(batch, str(exc), report, kind)
        return False
    now = timezone.now()
    AuditEvent.objects.filter(pk__in=[e.pk for e in batch]).update(
        state=AuditEvent.DELIVERED, delivered_at=now, last_error=""
    )
    for event in batch:
        event.state = AuditEvent.DELIVERED
    report.delivered += len(batch)
    DELIVERED.inc(len(batch))
    return True


def _dead(batch: list[AuditEvent], error: str, report: DeliveryReport) -> None:
    AuditEvent.objects.filter(pk__in=[e.pk for e in batch]).update(
        state=AuditEvent.DEAD, last_error=error[:2000], next_attempt_at=None
    )
    report.dead += len(batch)
    FAILED.labels(kind="permanent").inc(len(batch))
    logger.error(
        "audit events dead-lettered: %s", error, extra={"events": [str(e.id) for e in batch]}
    )


def _retry_later(
    batch: list[AuditEvent], error: str, report: DeliveryReport, kind: str = "transient"
) -> None:
    """A failure that is not the Audit Service refusing an event: the events stay pending
    and the next attempt backs off; past ``OMS_AUDIT_MAX_ATTEMPTS`` every failure is logged
    as an error for the operators (only the Audit Service's own 4xx dead-letters events)."""
    attempts = batch[0].attempts + 1
    FAILED.labels(kind=kind).inc(len(batch))
    report.failed += len(batch)
    if attempts >= settings.OMS_AUDIT_MAX_ATTEMPTS:
        logger.error("audit delivery still failing after %d attempts (%s): %s; the events "
                     "stay pending", attempts, kind, error)  # fmt: skip
    delay = min(
        settings.OMS_AUDIT_BACKOFF_MAX, settings.OMS_AUDIT_BACKOFF_BASE * 2 ** (attempts - 1)
    )
    delay = random.uniform(delay / 2, delay)  # jitter: many OMS workers do not retry in step
    AuditEvent.objects.filter(pk__in=[e.pk for e in batch]).update(
        attempts=attempts,
        last_error=error[:2000],
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )
    report.retry_in = delay
    logger.warning(
        "audit delivery failed (attempt %d), retrying in %.1fs: %s", attempts, delay, error
    )


def audit_events_redeliver(*, ids: list[int] | None = None) -> int:
    """Put dead letters (all, or those sequences) back to pending; delivery follows."""
    from history.tasks import audit_deliver

    dead = AuditEvent.objects.filter(state=AuditEvent.DEAD)
    if ids:
        dead = dead.filter(pk__in=ids)
    with transaction.atomic():
        count = dead.update(state=AuditEvent.PENDING, attempts=0, next_attempt_at=None)
        if count and settings.AUDIT_SERVICE_URL:
            transaction.on_commit(audit_deliver.delay, robust=True)
    return count


PROPOSAL_COMMITS_LIMIT = 1000


def commit_proposals_record(*, proposal_id: int, target: str, source_head: str, base: str) -> int:
    """Remember which commits a merged proposal brought into ``target`` (for blame)."""
    from history.models import CommitProposal
    from ontology.storage import get_store

    store = get_store()
    commits: list[str] = []
    cursor = None
    while len(commits) < PROPOSAL_COMMITS_LIMIT:
        page = store.log(source_head, cursor=cursor, limit=200)
        ids = [c.id for c in page.commits]
        if base in ids:
            commits += ids[: ids.index(base)]
            break
        commits += ids
        if not (cursor := page.next_cursor):
            break
    CommitProposal.objects.bulk_create(
        [CommitProposal(commit=c, proposal_id=proposal_id, target=target) for c in commits],
        ignore_conflicts=True,
    )
    return len(commits)


def intents_reconcile(*, grace: float | None = None) -> dict[str, int]:
    """Settle intents left open by a crash: announce what the store committed, drop the rest.

    An intent older than ``grace`` seconds is looked up in its branch's log (newest first,
    back to the head it was planned on) by the ``OMS-Intent`` line of the commit message.
    """
    from integrations.user_service.principal import Principal
    from ontology.index import maintain as index
    from ontology.storage import get_store
    from ontology.storage.exceptions import RefNotFound

    grace = settings.OMS_INTENT_GRACE if grace is None else grace
    cutoff = timezone.now() - timedelta(seconds=grace)
    settled = {"announced": 0, "abandoned": 0}
    store = get_store()
    for intent in CommitIntent.objects.filter(state=CommitIntent.OPEN, created_at__lte=cutoff):
        commit = _find_intent_commit(store, intent)
        with transaction.atomic():
            locked = CommitIntent.objects.select_for_update().get(pk=intent.pk)
            if locked.state != CommitIntent.OPEN:
                continue
            if commit is None:
                locked.state = CommitIntent.ABANDONED
                settled["abandoned"] += 1
            else:
                actor = Principal(id=str(locked.actor.get("id", "")),
                                  username=str(locked.actor.get("username", "")),
                                  tenant=str(locked.actor.get("tenant", "")))  # fmt: skip
                commit_announce(
                    branch=locked.branch, commit=commit, actor=actor,
                    changes=[tuple(pair) for pair in locked.changes],
                )  # fmt: skip
                with contextlib.suppress(RefNotFound):  # a branch deleted since has no rows
                    index.sync(store, locked.branch)  # those the crash left behind catch up
                locked.state, locked.commit = CommitIntent.DONE, commit.id
                settled["announced"] += 1
            locked.closed_at = timezone.now()
            locked.save()
    return settled


def _find_intent_commit(store: Any, intent: Any) -> Any:
    """The commit whose message carries the intent's id, between the branch head and the
    head the write was planned on (None when the write never reached the store)."""
    marker = f"OMS-Intent: {intent.id}"
    cursor = None
    for _ in range(50):
        page = store.log(intent.branch, cursor=cursor, limit=100)
        for commit in page.commits:
            if marker in commit.message:
                return commit
            if commit.id == intent.expected_head:
                return None
        if not (cursor := page.next_cursor):
            return None
    return None
