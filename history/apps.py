from django.apps import AppConfig


class HistoryConfig(AppConfig):
    """Commit log, element history, time travel and the audit outbox."""

    name = "history"

    def ready(self) -> None:
        from history import metrics, receivers  # noqa: F401 - connects the signal receivers

        metrics.register()
