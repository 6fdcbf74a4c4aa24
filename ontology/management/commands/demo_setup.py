"""``manage.py demo_setup``: the demo users that ``make run`` prints, one per role."""

from __future__ import annotations

import json
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser

from ontology.examples import example_ontology_load
from ontology.storage import get_store

ROLES = ("admin", "editor", "reviewer", "viewer")


class Command(BaseCommand):
    help = "Create the demo users (once, one per role) and print how to sign in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8001", help="Where OMS serves.")

    def handle(self, *args: Any, url: str, **options: Any) -> None:
        get_store().initialize(author="system")
        if example_ontology_load(branch="main") is not None:
            self.stdout.write("Loaded the example logistics ontology into main.")
        passwords = self.passwords()
        for role in ROLES:
            user, created = get_user_model().objects.get_or_create(
                username=role,
                defaults={
                    "email": f"{role}@example.com",
                    "is_staff": role == "admin",
                    "is_superuser": role == "admin",
                },
            )
            if created:
                user.set_password(passwords[role])
                user.save()
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        lines = [f"  {role:<9} password {passwords[role]}" for role in ROLES]
        self.stdout.write(
            "\nOMS demo users (the admin signs in to the admin site too):\n"
            + "\n".join(lines)
            + f"\n\n  admin:    {url}/admin/\n  API docs: {url}/api/docs/\n"
            f"  health:   {url}/health/ready\n\n  get a token:\n"
            f"    curl -s -X POST {url}/api/v1/auth/token/ -H 'Content-Type: application/json'"
            f' \\\n      -d \'{{"username": "editor", "password": "{passwords["editor"]}"}}\'\n'
        )

    def passwords(self) -> dict[str, str]:
        """One password per role, made once and kept in var/ (readable by the owner only)."""
        path = settings.VAR_DIR / "demo-passwords.json"
        if path.exists():
            return json.loads(path.read_text())
        path.parent.mkdir(parents=True, exist_ok=True)
        passwords = {role: secrets.token_urlsafe(12) for role in ROLES}
        path.write_text(json.dumps(passwords))
        path.chmod(0o600)
        return passwords
