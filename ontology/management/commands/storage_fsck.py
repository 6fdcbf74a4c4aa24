"""``manage.py storage_fsck``: verify refs, commits and object hashes of the store."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ontology.storage import get_store


class Command(BaseCommand):
    help = "Verify that every ref points at a complete commit and every object matches its hash."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", default="default", help="OMS_STORAGES alias to check.")

    def handle(self, *args: Any, store: str, **options: Any) -> None:
        problems = get_store(store).verify()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"store {store!r}: {len(problems)} problem(s) found.")
        self.stdout.write(self.style.SUCCESS(f"store {store!r}: no problems found."))
