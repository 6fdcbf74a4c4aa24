"""Validation runs: validate a branch and keep the result (the scheduled job, the API and the
command all come here); each new result is announced as ``oms.validation.completed``."""

from __future__ import annotations

import logging
import time
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from branches.models import Proposal, ValidationRun
from branches.validation import Validation, validate_branch
from history.services import audit_event_record
from integrations.user_service.principal import Principal
from oms_project.metrics import VALIDATION_FINDINGS, VALIDATION_RUNS
from ontology.storage import get_store
from ontology.storage.exceptions import RefNotFound

logger = logging.getLogger("oms.validation")


def branch_validate(*, branch: str, trigger: str, actor: Principal) -> ValidationRun:
    """Validate ``branch`` now and record the run (or return the last run when nothing moved:
    the same commit with the same findings is not run twice)."""
    started = timezone.now()
    return validation_record(
        validation=validate_branch(branch=branch), trigger=trigger, actor=actor, started=started
    )


def validation_record(
    *, validation: Validation, trigger: str, actor: Principal, started: datetime
) -> ValidationRun:
    """Store a finished validation in one transaction with its audit event."""
    previous = ValidationRun.objects.filter(branch=validation.branch).order_by("-id").first()
    if previous and (previous.commit, previous.digest) == (validation.commit, validation.digest):
        return previous
    with transaction.atomic():
        run = ValidationRun.objects.create(
            branch=validation.branch, commit=validation.commit, trigger=trigger,
            actor=actor.username, passed=validation.passed, errors=validation.errors,
            warnings=validation.warnings, digest=validation.digest,
            changed=previous is not None and previous.digest != validation.digest,
            findings=[f.as_dict() for f in validation.findings], checked=validation.checked,
            started_at=started, finished_at=timezone.now(),
        )  # fmt: skip
        audit_event_record(
            type="oms.validation.completed", subject=f"validation-runs/{run.pk}", actor=actor,
            branch=run.branch, commit=run.commit,
            data={"run": run.pk, "branch": run.branch, "passed": run.passed, "errors": run.errors,
                  "warnings": run.warnings, "changed": run.changed, "trigger": trigger},
        )  # fmt: skip
    VALIDATION_RUNS.labels("passed" if run.passed else "failed").inc()
    for severity, count in (("error", run.errors), ("warning", run.warnings)):
        VALIDATION_FINDINGS.labels(severity).inc(count)
    return run


def scheduled_branches() -> list[str]:
    """What the schedule validates: the default branch, then every branch with an open
    proposal (the sources: what is about to be merged)."""
    store = get_store()
    sources = Proposal.objects.filter(state=Proposal.OPEN).values_list("source", flat=True)
    return list(dict.fromkeys([store.default_branch, *sorted(sources)]))


def validate_scheduled(*, actor: Principal, budget: float | None = None) -> list[ValidationRun]:
    """Validate every scheduled branch while the time budget lasts (the rest waits for the
    next run, logged); a branch deleted meanwhile is skipped."""
    budget = settings.OMS_VALIDATION_BUDGET if budget is None else budget
    deadline = time.monotonic() + budget
    runs = []
    branches = scheduled_branches()
    for index, branch in enumerate(branches):
        if time.monotonic() > deadline:
            logger.warning("validation budget of %.0f s spent: %d branch(es) left for the next "
                           "run", budget, len(branches) - index)  # fmt: skip
            break
        try:
            runs.append(branch_validate(branch=branch, trigger=ValidationRun.SCHEDULE, actor=actor))
        except RefNotFound:
            continue
    return runs
