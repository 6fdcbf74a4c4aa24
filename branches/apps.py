from django.apps import AppConfig


class BranchesConfig(AppConfig):
    """Branch policy, change proposals, reviews, merge, rebase, revert, tags."""

    name = "branches"

    def ready(self) -> None:
        from branches import receivers  # noqa: F401 - connects the signal receivers
