"""Celery tasks of the branches app: scheduled validation."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from branches.validation_runs import validate_scheduled
from integrations.user_service.principal import SYSTEM

BUDGET = settings.OMS_VALIDATION_BUDGET


# A run killed by the time limits leaves nothing: a run is written whole when it finishes.
@shared_task(name="branches.validate_branches", ignore_result=True,
             soft_time_limit=BUDGET * 2, time_limit=BUDGET * 3)  # fmt: skip
def validate_branches() -> int:
    """Beat: validate main and every branch with an open proposal; the number of runs."""
    return len(validate_scheduled(actor=SYSTEM))
