"""The ledger of ontology migrations: which migration made which commit on which branch."""

from __future__ import annotations

from django.db import models


class AppliedMigration(models.Model):
    """One migration applied to one branch (written in the commit's own transaction)."""

    branch = models.CharField(max_length=100)
    name = models.CharField(max_length=200, help_text="The migration file, e.g. 0002_rename_email.")
    commit = models.CharField(max_length=200)
    operations = models.JSONField(default=list, help_text="What it did (defaults, casts).")
    applied_by = models.CharField(max_length=200)
    applied_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="one_migration_per_branch")
        ]

    def __str__(self) -> str:
        return f"{self.name} on {self.branch}"
