"""``manage.py demo_setup``: the demo administrator that ``make run`` prints."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from ontology.storage import get_store

DEMO_USERNAME = "admin"


class Command(BaseCommand):
    help = "Create the demo administrator (once) and print how to sign in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="Where OMS serves.")

    def handle(self, *args: Any, url: str, **options: Any) -> None:
        get_store().initialize(author="system")
        password_file = settings.VAR_DIR / "demo-admin-password"
        if not password_file.exists():
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.write_text(secrets.token_urlsafe(12))
            password_file.chmod(0o600)
        password = password_file.read_text().strip()
        user, created = get_user_model().objects.get_or_create(
            username=DEMO_USERNAME,
            defaults={"is_staff": True, "is_superuser": True, "email": "admin@example.com"},
        )
        if created:
            user.set_password(password)
            user.save()
        self.stdout.write(
            "\nOMS demo administrator\n"
            f"  admin:    {url}/admin/   user {DEMO_USERNAME!r}  password {password!r}\n"
            f"  API docs: {url}/api/docs/\n"
            f"  health:   {url}/health/ready\n"
        )
