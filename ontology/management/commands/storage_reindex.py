"""``manage.py storage_reindex``: rebuild the persisted index of branch heads from the store."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from oms_project import progress
from ontology.index import maintain
from ontology.storage import get_store
from ontology.storage.exceptions import RefNotFound


class Command(BaseCommand):
    help = "Rebuild the index rows of every branch (or of --branch) from its head; idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--branch", action="append", help="Only this branch (repeatable).")

    def handle(self, *args: Any, branch: list[str] | None, **options: Any) -> None:
        store = get_store()
        names = branch or [ref.name for ref in store.branches()]
        for name in names:
            try:
                with progress.shown(self.stderr):
                    count = maintain.rebuild(store, name)
            except RefNotFound as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"branch {name}: {count} element(s) indexed.")
        dropped = maintain.drop_orphans({ref.name for ref in store.branches()})
        if dropped:
            self.stdout.write(f"dropped the rows of {len(dropped)} deleted branch(es).")
        self.stdout.write(self.style.SUCCESS(f"{len(names)} branch(es) reindexed."))
