"""``manage.py storage_init``: create the store's root commit and ``main`` when missing, and
index rows for every branch that has none (an upgrade from before the index)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ontology.index import maintain
from ontology.storage import get_store


class Command(BaseCommand):
    help = "Initialise the versioned store (idempotent): root commit and the main branch."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", default="default", help="OMS_STORAGES alias.")

    def handle(self, *args: Any, store: str, **options: Any) -> None:
        versioned = get_store(store)
        main = versioned.initialize(author="system")
        self.stdout.write(f"store {store!r}: branch {main.name} at {main.head}")
        if store == "default":
            for name in maintain.unindexed(versioned):
                maintain.rebuild(versioned, name)
                self.stdout.write(f"branch {name}: indexed.")
