"""Celery tasks of the action service: dispatch one submission; beat's sweep of the due."""

from __future__ import annotations

from celery import shared_task

from actions.services import due_submissions, submission_dispatch


@shared_task(name="actions.dispatch", ignore_result=True)
def dispatch(submission_id: str) -> None:
    """Try the submission's due side effects (its next try is scheduled by the service)."""
    submission_dispatch(submission_id)


@shared_task(name="actions.sweep", ignore_result=True)
def sweep() -> int:
    """Beat: dispatch every open submission whose try is due (a lost task is not lost)."""
    due = due_submissions()
    for submission_id in due:
        submission_dispatch(submission_id)
    return len(due)
