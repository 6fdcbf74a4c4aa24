from django.apps import AppConfig


class HistoryConfig(AppConfig):
    """Commit log, element history, time travel and the audit outbox."""

    name = "history"
