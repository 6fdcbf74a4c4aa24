"""Action submissions: what was asked, against which version, and how its side effects went."""

from __future__ import annotations

import uuid

from django.db import models


class Submission(models.Model):
    """One submission of an action type, its planned edits and the state of its side effects.

    ``effects`` holds one entry per side effect of the action type, in order:
    ``{"type", "target", "state": pending|succeeded|failed, "attempts", "lastError"}``.
    """

    PENDING, DISPATCHED, SUCCEEDED, FAILED = "pending", "dispatched", "succeeded", "failed"
    STATES = [(s, s) for s in (PENDING, DISPATCHED, SUCCEEDED, FAILED)]
    OPEN = (PENDING, DISPATCHED)

    # The list order (a per-database sequence); the id is what clients and events name.
    sequence = models.BigAutoField(primary_key=True)
    id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    branch = models.CharField(max_length=200)
    action_type = models.CharField(max_length=100)
    action_type_id = models.CharField(max_length=100)
    action_version = models.CharField(max_length=64)
    commit = models.CharField(max_length=200)
    parameters = models.JSONField(default=dict)
    edits = models.JSONField(default=list)
    effects = models.JSONField(default=list)
    submitted_by = models.CharField(max_length=200)
    idempotency_key = models.CharField(max_length=200)
    state = models.CharField(max_length=10, choices=STATES, default=PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"], name="actions_one_per_key"
            )
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="actions_due"),
            models.Index(fields=["submitted_by", "created_at"], name="actions_by_submitter"),
        ]

    def __str__(self) -> str:
        return f"{self.action_type} by {self.submitted_by} ({self.state})"
