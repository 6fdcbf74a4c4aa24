"""Branch policy: protection, required approvals, compatibility mode."""

from __future__ import annotations

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
        max_length=20, choices=COMPATIBILITY_MODES, default="BACKWARD"
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "branch policies"

    def __str__(self) -> str:
        return f"{self.branch} ({'protected' if self.protected else 'open'})"
