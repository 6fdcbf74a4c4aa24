from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Clients of external systems: the User Service and the Audit Service."""

    name = "integrations"
