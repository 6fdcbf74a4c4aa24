from django.apps import AppConfig


class ActionsConfig(AppConfig):
    """The action service: validate, preview and submit actions; dispatch their side effects."""

    name = "actions"
    default_auto_field = "django.db.models.BigAutoField"
