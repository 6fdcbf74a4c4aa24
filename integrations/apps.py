from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Clients of external systems: the User Service and the Audit Service."""

    name = "integrations"

    def ready(self) -> None:
        from integrations.user_service import schema  # noqa: F401 - registers OpenAPI schemes
        from integrations.user_service.sessions import connect

        connect()  # a password change ends the user's refresh tokens
