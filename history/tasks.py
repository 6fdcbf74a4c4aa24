"""Celery tasks of the history app: audit delivery (also run by beat as the sweep)."""

from __future__ import annotations

from celery import shared_task

from history.services import audit_events_deliver, intents_reconcile


@shared_task(name="history.audit_deliver", ignore_result=True)
def audit_deliver() -> int:
    """Deliver what is due; schedule itself again when a retry is pending."""
    report = audit_events_deliver()
    if report.retry_in is not None:
        audit_deliver.apply_async(countdown=max(report.retry_in, 0.1))
    return report.delivered


@shared_task(name="history.intents_reconcile", ignore_result=True)
def reconcile_intents() -> dict[str, int]:
    """Beat: settle writes to an external store that a crash left half-announced."""
    return intents_reconcile()
