"""Branch policy: protection, required approvals, compatibility mode."""

from __future__ import annotations

from typing import Any

from django.db import models


class BranchPolicy(models.Model):
    """How a branch may change. A branch without a row has the default (unprotected) policy."""

    COMPATIBILITY_MODES = [
        (mode, mode)
        for mode in (
            "NONE", "BACKWARD", "FORWARD", "FULL",
            "BACKWARD_TRANSITIVE", "FORWARD_TRANSITIVE", "FULL_TRANSITIVE",
        )
    ]  # fmt: skip

    branch = models.CharField(max_length=100, primary_key=True)
    protected = models.BooleanField(default=False, help_text="No direct writes; proposals only.")
    required_approvals = models.PositiveSmallIntegerField(default=0)
    compatibility_mode = models.CharField(
        max_length=20, choices=COMPATIBILITY_MODES, default="NONE",
        help_text="What writes and merges into this branch may break (docs/compatibility.md).",
    )  # fmt: skip
    base = models.CharField(
        max_length=100, blank=True, help_text="The branch this one was created from."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "branch policies"

    def __str__(self) -> str:
        return f"{self.branch} ({'protected' if self.protected else 'open'})"

    #: Doors a protected branch keeps open: a reviewed proposal, and refs that change no content.
    PROTECTED_DOORS = frozenset({"proposal", "branch-create", "tag-create"})
    #: Doors only the system (operators' commands, migrations) may use on a protected branch.
    SYSTEM_DOORS = frozenset({"edit", "import", "migrate", "revert"})

    def allows(self, actor: Any, door: str) -> bool:
        """Whether ``actor`` may change this branch through ``door`` (the pipeline's guard)."""
        if not self.protected or door in self.PROTECTED_DOORS:
            return True
        return door in self.SYSTEM_DOORS and getattr(actor, "source", "") == "system"


class CompatibilityOverride(models.Model):
    """A compatibility mode for one group's object types, or one object type, on a branch
    (more specific than the branch policy's mode; the object type's own wins)."""

    GROUP, OBJECT_TYPE = "group", "object-type"
    SCOPES = [(GROUP, "group"), (OBJECT_TYPE, "object type")]

    branch = models.CharField(max_length=100)
    scope = models.CharField(max_length=11, choices=SCOPES)
    name = models.CharField(max_length=100, help_text="The group's or object type's apiName.")
    mode = models.CharField(max_length=20, choices=BranchPolicy.COMPATIBILITY_MODES)
    updated_by = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["branch", "scope", "name"], name="one_mode_per_scope")
        ]

    def __str__(self) -> str:
        return f"{self.branch}: {self.scope} {self.name} {self.mode}"


class Proposal(models.Model):
    """A change proposal: bring ``source`` into ``target`` after review."""

    OPEN, MERGED, CLOSED = "open", "merged", "closed"
    STATES = [(OPEN, "open"), (MERGED, "merged"), (CLOSED, "closed")]

    source = models.CharField(max_length=100)
    target = models.CharField(max_length=100)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    state = models.CharField(max_length=6, choices=STATES, default=OPEN)
    author = models.CharField(max_length=200)
    author_id = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    merged_commit = models.CharField(max_length=200, blank=True)
    merged_by = models.CharField(max_length=200, blank=True)
    merged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["state", "target"]), models.Index(fields=["source"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title} ({self.source} → {self.target}, {self.state})"

    @property
    def is_open(self) -> bool:
        return self.state == self.OPEN


class Review(models.Model):
    """A reviewer's verdict on a proposal at one head of its source."""

    APPROVE, REQUEST_CHANGES, COMMENT = "approve", "request_changes", "comment"
    VERDICTS = [(APPROVE, "approve"), (REQUEST_CHANGES, "request changes"), (COMMENT, "comment")]

    proposal = models.ForeignKey(Proposal, models.CASCADE, related_name="reviews")
    reviewer = models.CharField(max_length=200)
    reviewer_id = models.CharField(max_length=200)
    verdict = models.CharField(max_length=16, choices=VERDICTS)
    body = models.TextField(blank=True)
    source_head = models.CharField(max_length=200, help_text="Source head when reviewed.")
    dismissed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.reviewer}: {self.verdict} on #{self.proposal_id}"


class ProposalEvent(models.Model):
    """Every state change of a proposal, with who and when (read-only history)."""

    proposal = models.ForeignKey(Proposal, models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    actor = models.CharField(max_length=200)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.proposal_id} {self.action} by {self.actor}"


class Release(models.Model):
    """A release: an immutable tag with a semantic version and its generated notes."""

    tag = models.CharField(max_length=100, primary_key=True)
    version = models.CharField(max_length=40, unique=True)
    commit = models.CharField(max_length=200)
    previous = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="+")
    bump = models.CharField(max_length=5)  # major | minor | patch | none | first
    notes = models.TextField(help_text="Markdown generated from the semantic diff.")
    summary = models.JSONField(default=dict)
    created_by = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.tag} ({self.version})"


class ValidationRun(models.Model):
    """One validation of a branch at one commit (``branches.validation``), written whole when
    it finishes: a run killed mid-way leaves nothing behind."""

    SCHEDULE, API, COMMAND = "schedule", "api", "command"
    TRIGGERS = [(SCHEDULE, "schedule"), (API, "api"), (COMMAND, "command")]

    branch = models.CharField(max_length=100)
    commit = models.CharField(max_length=200)
    trigger = models.CharField(max_length=8, choices=TRIGGERS)
    actor = models.CharField(max_length=200)
    passed = models.BooleanField()
    errors = models.PositiveIntegerField()
    warnings = models.PositiveIntegerField()
    changed = models.BooleanField(
        default=False, help_text="The findings differ from the branch's previous run."
    )
    digest = models.CharField(max_length=64, help_text="What was found, whatever the commit.")
    findings = models.JSONField(default=list)
    checked = models.JSONField(default=dict)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["branch", "-id"], name="branches_run_branch_id")]

    def __str__(self) -> str:
        return f"{self.branch} at {self.commit[:12]}: {'passed' if self.passed else 'failed'}"


class Waiver(models.Model):
    """Leave to merge one blocking compatibility finding of a proposal (its rule, element and
    path). It counts once a holder of ``proposals:approve`` who is not its author approved
    it, and until it expires."""

    proposal = models.ForeignKey(Proposal, models.CASCADE, related_name="waivers")
    rule = models.CharField(max_length=20)
    element = models.CharField(max_length=200, help_text="kind/apiName")
    path = models.CharField(max_length=500)
    reason = models.TextField()
    expires_at = models.DateTimeField()
    author = models.CharField(max_length=200)
    author_id = models.CharField(max_length=200)
    approved_by = models.CharField(max_length=200, blank=True)
    approved_by_id = models.CharField(max_length=200, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"#{self.proposal_id}: {self.rule} {self.element} {self.path}"

    def counts(self, now: Any) -> bool:
        return self.approved_at is not None and self.expires_at > now

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.pk, "rule": self.rule, "element": self.element, "path": self.path,
                "reason": self.reason, "expiresAt": self.expires_at.isoformat(),
                "author": self.author, "approvedBy": self.approved_by}  # fmt: skip

    def covers(self, rule: str, element: str, path: str) -> bool:
        return (self.rule, self.element, self.path) == (rule, element, path)
