"""``manage.py storage_fsck``: verify the store (refs, commits, object hashes) and the
persisted index of its branch heads."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from oms_project import progress
from ontology.selectors import store_extent, store_problems


class Command(BaseCommand):
    help = (
        "Verify that every ref points at a complete commit, every object matches its hash and "
        "every branch's index rows match its head."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", default="default", help="OMS_STORAGES alias to check.")

    def handle(self, *args: Any, store: str, **options: Any) -> None:
        with progress.shown(self.stderr):
            problems = store_problems(store)
        for problem in problems:
            self.stderr.write(problem)
        checked = store_extent(store)
        if problems:
            raise CommandError(f"store {store!r}: {len(problems)} problem(s) found in {checked}.")
        self.stdout.write(self.style.SUCCESS(f"store {store!r}: no problems found in {checked}."))
