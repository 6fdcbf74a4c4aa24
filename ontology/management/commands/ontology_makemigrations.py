"""``manage.py ontology_makemigrations --base REF --head REF``: draft a migration file from the
semantic diff of two refs, into the migration package (docs/migrations.md)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from oms_project.exceptions import OMSError
from ontology.evolution.draft import migration_draft, migration_source


class Command(BaseCommand):
    help = "Draft a migration that turns --base into --head (review it before applying)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base", required=True, help="Branch, tag or commit.")
        parser.add_argument("--head", required=True, help="Branch, tag or commit.")
        parser.add_argument("--name", default="", help="Default: base_to_head.")
        parser.add_argument("--description", default="")
        parser.add_argument("--dry-run", action="store_true", help="Print the file; write none.")

    def handle(self, *args: Any, **options: Any) -> None:
        base, head = options["base"], options["head"]
        try:
            operations = migration_draft(base=base, head=head)
        except OMSError as exc:
            raise CommandError(exc.detail) from exc
        if not operations:
            raise CommandError(f"{base} and {head} hold the same elements: nothing to draft.")
        description = options["description"] or f"From {base} to {head}"
        source = migration_source(operations, base=base, head=head, description=description)
        if options["dry_run"]:
            self.stdout.write(source, ending="")
            self.stderr.write(f"Would write {len(operations)} operation(s).")
            return
        folder = _package_folder(settings.OMS_ONTOLOGY_MIGRATIONS)
        numbers = [int(p.name[:4]) for p in folder.glob("[0-9][0-9][0-9][0-9]_*.py")]
        slug = re.sub(r"\W+", "_", options["name"] or f"{base}_to_{head}").strip("_").lower()
        target = folder / f"{max(numbers, default=0) + 1:04d}_{slug}.py"
        target.write_text(source, encoding="utf-8")
        self.stdout.write(f"Wrote {target} ({len(operations)} operation(s)).")


def _package_folder(package: str) -> Path:
    """The folder of the migration package, made (with its ``__init__.py``) when missing."""
    spec = importlib.util.find_spec(package)
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    folder = Path(settings.BASE_DIR, *package.split("."))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "__init__.py").touch()
    return folder
