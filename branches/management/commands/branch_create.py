"""``manage.py branch_create NAME [--from REF]``: a branch, as the system, for scripts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from branches.services import branch_create
from integrations.user_service.principal import SYSTEM
from oms_project.exceptions import OMSError


class Command(BaseCommand):
    help = "Create a branch from a branch, tag or commit (default main), as the system."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--from", dest="start", default="main", help="Branch, tag or commit.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the name; create nothing."
        )

    def handle(self, *args: Any, name: str, start: str, dry_run: bool, **options: Any) -> None:
        try:
            ref = branch_create(name=name, start=start, actor=SYSTEM, dry_run=dry_run)
        except OMSError as exc:
            raise CommandError(f"{exc.detail} ({exc.code})") from exc
        verb = "Would create" if dry_run else "Created"
        self.stdout.write(f"{verb} branch {name} at {ref.head} (from {start}).")
