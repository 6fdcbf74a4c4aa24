"""``manage.py storage_init``: create the store's root commit and ``main`` when missing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ontology.storage import get_store


class Command(BaseCommand):
    help = "Initialise the versioned store (idempotent): root commit and the main branch."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", default="default", help="OMS_STORAGES alias.")

    def handle(self, *args: Any, store: str, **options: Any) -> None:
        main = get_store(store).initialize(author="system")
        self.stdout.write(f"store {store!r}: branch {main.name} at {main.head}")
