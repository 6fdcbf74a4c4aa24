"""Submitting actions and dispatching their side effects.

A submission is checked against the action type at the commit it names, recorded with its
planned edits and one entry per side effect, and announced; a Celery task (and beat's sweep,
should the task be lost) dispatches the side effects: webhooks signed and sent, notifications
through their backend, each retried with backoff up to ``OMS_ACTION_MAX_ATTEMPTS``. Each
state change (``pending`` → ``dispatched`` → ``succeeded`` | ``failed``) is one audit event
with a stable id, recorded in the transaction that makes the change: it happens once.
One dispatcher works on a submission at a time (a lease taken by a conditional UPDATE).
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import timedelta
from typing import Any

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from actions.evaluation import Checked, planned_edits, submission_checked
from actions.exceptions import ActionInvalid, IdempotencyConflict, SubmissionNotAllowed
from actions.models import Submission
from actions.notifications import notifier
from history.events import stable_id
from history.services import audit_event_record
from integrations import webhooks
from integrations.user_service.principal import SYSTEM, Principal
from ontology import selectors
from ontology.catalog import Catalog

LEASE_SECONDS = 30.0


def action_checked(
    *, branch: str, api_name: str, parameters: Any, actor: Principal, at: str | None = None
) -> tuple[Checked, Catalog]:
    """The submission checked against the action type at ``at`` (default: the head), and the
    catalog it was checked in."""
    catalog = selectors.catalog_at(branch=branch, at=at)
    action = selectors.element_get(catalog=catalog, kind="action-types", api_name=api_name)
    checked = submission_checked(catalog=catalog, action=action, parameters=parameters, user=actor)
    return checked, catalog


def action_preview(*, checked: Checked, catalog: Catalog, actor: Principal) -> list[dict[str, Any]]:
    """The edits a valid submission would make; :class:`ActionInvalid` with every problem."""
    if not checked.valid:
        raise ActionInvalid(checked.problems)
    return planned_edits(catalog=catalog, checked=checked, user=actor)


def submission_create(
    *, branch: str, api_name: str, parameters: Any, key: str, actor: Principal
) -> tuple[Submission, bool]:
    """Record a valid submission once per idempotency key: (submission, created). The same
    key again gives the recorded one; with other parameters or another action, 409."""
    existing = Submission.objects.filter(submitted_by=actor.username, idempotency_key=key).first()
    if existing:
        return _same(existing, branch, api_name, parameters), False
    checked, catalog = action_checked(
        branch=branch, api_name=api_name, parameters=parameters, actor=actor
    )
    action = checked.action
    if any(p["code"] == "role" for p in checked.problems):
        raise SubmissionNotAllowed(
            next(p["message"] for p in checked.problems if p["code"] == "role")
        )
    if not checked.valid:
        raise ActionInvalid(checked.problems)
    effects = [
        {
            "type": e["type"],
            "target": e.get("url") or e.get("recipients", []),
            "state": "pending",
            "attempts": 0,
            "lastError": "",
        }
        for e in action.get("sideEffects", [])
    ]
    try:
        with transaction.atomic():
            submission = Submission.objects.create(
                branch=branch,
                action_type=api_name,
                action_type_id=action["id"],
                action_version=catalog.version_of(action),
                commit=catalog.commit,
                parameters=checked.parameters,
                effects=effects,
                submitted_by=actor.username,
                edits=planned_edits(catalog=catalog, checked=checked, user=actor),
                idempotency_key=key,
            )
            _announce(submission, Submission.PENDING, actor)
            transaction.on_commit(lambda: _schedule(submission.id), robust=True)
    except IntegrityError:  # the same key at the same moment: the other request won
        won = Submission.objects.get(submitted_by=actor.username, idempotency_key=key)
        return _same(won, branch, api_name, parameters), False
    return submission, True


def submission_dispatch(submission_id: uuid.UUID | str) -> float | None:
    """Try the due side effects of one submission; the seconds until its next try, or None
    when it is finished (or another dispatcher holds it)."""
    if not _lease(submission_id):
        return None
    submission = Submission.objects.get(id=submission_id)
    _lease_for(submission)  # long enough for every side effect to time out once
    if submission.state == Submission.PENDING:
        with transaction.atomic():
            _move(submission, Submission.DISPATCHED)
    for effect in submission.effects:
        if effect["state"] == "pending":
            _attempt(submission, effect)
    return _settle(submission)


def due_submissions(limit: int = 100) -> list[str]:
    """Open submissions whose next try is due (beat's sweep)."""
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    rows = Submission.objects.filter(due, free, state__in=Submission.OPEN).order_by("sequence")
    return [str(i) for i in rows.values_list("id", flat=True)[:limit]]


# -- internals ---------------------------------------------------------------------------------


def _same(submission: Submission, branch: str, api_name: str, parameters: Any) -> Submission:
    given = (
        {k: v for k, v in parameters.items() if v is not None}
        if isinstance(parameters, dict)
        else parameters
    )
    if (submission.branch, submission.action_type, submission.parameters) != (
        branch,
        api_name,
        given,
    ):
        raise IdempotencyConflict(
            "This Idempotency-Key was used for another submission; use a new key."
        )
    return submission


def _schedule(submission_id: uuid.UUID, countdown: float = 0.0) -> None:
    from actions.tasks import dispatch

    dispatch.apply_async((str(submission_id),), countdown=countdown)


def _lease(submission_id: uuid.UUID | str) -> bool:
    """Take a due, open submission for one dispatch pass (one conditional UPDATE)."""
    now = timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    taken = Submission.objects.filter(free, due, id=submission_id, state__in=Submission.OPEN)
    return taken.update(lease_until=now + timedelta(seconds=LEASE_SECONDS)) == 1


def _lease_for(submission: Submission) -> None:
    """Stretch the lease over a pass that tries every side effect up to its timeout."""
    longest = max(settings.OMS_ACTION_WEBHOOK_TIMEOUT, settings.EMAIL_TIMEOUT or 0)
    tries = len(submission.effects) * longest
    submission.lease_until = timezone.now() + timedelta(seconds=tries + LEASE_SECONDS)
    Submission.objects.filter(pk=submission.pk).update(lease_until=submission.lease_until)


def _attempt(submission: Submission, effect: dict[str, Any]) -> None:
    """One try of one side effect; its outcome goes into ``effect``."""
    effect["attempts"] += 1
    try:
        if effect["type"] == "webhook":
            _send_webhook(submission, effect["target"])
        else:
            notifier().send(list(effect["target"]), *_notification(submission))
    except webhooks.WebhookRefused as exc:
        effect.update(state="failed", lastError=str(exc))  # never allowed: no retry
    except _Permanent as exc:
        effect.update(state="failed", lastError=str(exc))
    except Exception as exc:  # noqa: BLE001 - any other failure of a try is retried
        last = effect["attempts"] >= settings.OMS_ACTION_MAX_ATTEMPTS
        effect.update(
            state="failed" if last else "pending", lastError=f"{type(exc).__name__}: {exc}"
        )
    else:
        effect.update(state="succeeded", lastError="")


class _Permanent(Exception):
    """The receiver refused for good (a 4xx other than 408 and 429, or a redirect)."""


def _send_webhook(submission: Submission, url: str) -> None:
    secret = (
        settings.OMS_ACTION_SECRETS.get(submission.action_type)
        or settings.OMS_ACTION_WEBHOOK_SECRET
    )
    if not secret:
        raise _Permanent(f"No webhook secret for {submission.action_type}: set OMS_ACTION_SECRETS.")
    body = json.dumps(_payload(submission), sort_keys=True).encode()
    answer = webhooks.post(url, body, secret, timeout=settings.OMS_ACTION_WEBHOOK_TIMEOUT)
    if 200 <= answer.status_code < 300:
        return
    if answer.status_code in (408, 429) or answer.status_code >= 500:
        raise requests.HTTPError(f"the receiver answered {answer.status_code}")
    raise _Permanent(f"the receiver answered {answer.status_code}")


def _payload(submission: Submission) -> dict[str, Any]:
    return {
        "submission": {
            "id": str(submission.id),
            "actionType": submission.action_type,
            "actionTypeId": submission.action_type_id,
            "branch": submission.branch,
            "commit": submission.commit,
            "actionVersion": submission.action_version,
            "parameters": submission.parameters,
            "submittedBy": submission.submitted_by,
            "submittedAt": submission.created_at.isoformat(),
        },
        "edits": submission.edits,
    }


def _notification(submission: Submission) -> tuple[str, str]:
    subject = f"[OMS] {submission.action_type} submitted by {submission.submitted_by}"
    return subject, json.dumps(_payload(submission), indent=2, sort_keys=True)


def _settle(submission: Submission) -> float | None:
    """Record the tries; finish the submission when no effect is pending, else say when."""
    pending = [e for e in submission.effects if e["state"] == "pending"]
    with transaction.atomic():
        submission.lease_until = None
        submission.attempts += 1
        errors = [e["lastError"] for e in submission.effects if e["lastError"]]
        submission.last_error = errors[-1] if errors else ""
        if pending:
            delay = min(
                settings.OMS_ACTION_BACKOFF_BASE * 2 ** (max(e["attempts"] for e in pending) - 1),
                settings.OMS_ACTION_BACKOFF_MAX,
            ) * random.uniform(0.8, 1.2)
            submission.next_attempt_at = timezone.now() + timedelta(seconds=delay)
            submission.save(
                update_fields=[
                    "effects",
                    "lease_until",
                    "attempts",
                    "last_error",
                    "next_attempt_at",
                    "updated_at",
                ]
            )
            transaction.on_commit(lambda: _schedule(submission.id, delay), robust=True)
            return delay
        failed = any(e["state"] == "failed" for e in submission.effects)
        submission.finished_at = timezone.now()
        _move(submission, Submission.FAILED if failed else Submission.SUCCEEDED)
    return None


def _move(submission: Submission, state: str) -> None:
    """Change the state (in the caller's transaction) and announce it once."""
    submission.state = state
    submission.save()
    _announce(submission, state, SYSTEM)


def _announce(submission: Submission, state: str, actor: Principal | Any) -> None:
    audit_event_record(
        type=f"oms.action.{state if state != Submission.PENDING else 'submitted'}",
        subject=f"action-submissions/{submission.id}",
        actor=actor,
        branch=submission.branch,
        commit=submission.commit,
        event_id=stable_id("action", submission.id, state),
        data={
            "submission": str(submission.id),
            "actionType": submission.action_type,
            "state": state,
            "submittedBy": submission.submitted_by,
            "effects": [
                {k: e[k] for k in ("type", "state", "attempts")} for e in submission.effects
            ],
        },
    )
