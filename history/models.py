"""The audit outbox: one row per event, written in the transaction of the change."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models


class RowJSONField(models.JSONField):
    """A JSON column that a bulk insert writes as one ``VALUES`` row per object.

    Django 5.2 inserts PostgreSQL batches as ``UNNEST`` of one array per column, and psycopg
    quotes every JSON document into the array literal in Python: 63 ms for 100 events of
    5 KB, against 19 ms as plain rows (measured for issue 10). A field with a placeholder
    opts its model out of ``UNNEST``.
    """

    def get_placeholder(self, value: Any, compiler: Any, connection: Any) -> str:
        return "%s"


class AuditEvent(models.Model):
    """A CloudEvents 1.0 event waiting for, or done with, delivery to the Audit Service."""

    PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
    STATES = [(PENDING, "pending"), (DELIVERED, "delivered"), (DEAD, "dead")]

    # The delivery order (a per-database sequence); the id is the stable CloudEvents id.
    sequence = models.BigAutoField(primary_key=True)
    id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=100)
    subject = models.CharField(max_length=300, blank=True)
    time = models.DateTimeField()
    branch = models.CharField(max_length=100, blank=True)
    commit = models.CharField(max_length=200, blank=True)
    actor = models.CharField(max_length=200, blank=True)
    data = RowJSONField(default=dict)
    state = models.CharField(max_length=9, choices=STATES, default=PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sequence"]
        indexes = [
            models.Index(fields=["state", "sequence"], name="history_audit_state_seq"),
            models.Index(fields=["branch", "sequence"], name="history_audit_branch_seq"),
            models.Index(fields=["type"], name="history_audit_type"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.subject} ({self.state})"


class CommitProposal(models.Model):
    """Which merged proposal brought a commit into its target (for blame)."""

    commit = models.CharField(max_length=200)
    proposal_id = models.PositiveIntegerField()
    target = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["commit", "target"], name="history_commit_proposal")
        ]

    def __str__(self) -> str:
        return f"{self.commit[:12]} via #{self.proposal_id} into {self.target}"


class DeliveryLock(models.Model):
    """A lease that lets exactly one worker deliver at a time (keeps events in order).

    Held by ``holder`` until ``until``, taken and renewed in short transactions: no database
    lock is held while the deliverer waits on the Audit Service. A deliverer that dies loses
    the lease when it expires."""

    name = models.CharField(max_length=20, primary_key=True)
    holder = models.CharField(max_length=40, blank=True)
    until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class CommitIntent(models.Model):
    """A write about to reach a store outside the database (TerminusDB), recorded first.

    Closed (``done``) in the transaction that writes its audit events; an intent left
    ``open`` is reconciled by the sweep: announced if the store has the commit, dropped
    (``abandoned``) if it does not.
    """

    OPEN, DONE, ABANDONED = "open", "done", "abandoned"
    STATES = [(OPEN, "open"), (DONE, "done"), (ABANDONED, "abandoned")]

    id = models.UUIDField(primary_key=True)
    branch = models.CharField(max_length=100)
    expected_head = models.CharField(max_length=200)
    actor = models.JSONField(default=dict)
    message = models.TextField()
    changes = models.JSONField(default=list, help_text="[[before, after], ...] documents.")
    state = models.CharField(max_length=9, choices=STATES, default=OPEN)
    commit = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "created_at"], name="history_intent_open")]

    def __str__(self) -> str:
        return f"intent {self.id} on {self.branch} ({self.state})"
