from django.apps import AppConfig


class BranchesConfig(AppConfig):
    """Branch policy, change proposals, reviews, merge, rebase, revert, tags."""

    name = "branches"
