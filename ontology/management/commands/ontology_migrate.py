"""``manage.py ontology_migrate``: apply the pending ontology migrations to a branch, one commit
each through the write pipeline, as the system (docs/migrations.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.user_service.principal import SYSTEM
from oms_project import progress
from oms_project.exceptions import OMSError
from ontology.evolution.apply import migration_apply, migrations_status


class Command(BaseCommand):
    help = "Apply pending ontology migrations to a branch (default main); --list shows them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--branch", default="main")
        parser.add_argument("--list", action="store_true", help="Applied and pending; no change.")
        parser.add_argument("--dry-run", action="store_true", help="Check each; apply nothing.")

    def handle(self, *args: Any, branch: str, dry_run: bool, **options: Any) -> None:
        try:
            status = migrations_status(branch)
        except OMSError as exc:
            raise CommandError(exc.detail) from exc
        if options["list"]:
            for migration, applied in status:
                mark = f"[X] {applied.commit[:12]}" if applied else "[ ]"
                self.stdout.write(f"{mark} {migration.name}")
            done = sum(1 for _, applied in status if applied)
            self.stderr.write(f"{branch}: {done} applied, {len(status) - done} pending.")
            return
        pending = [migration for migration, applied in status if applied is None]
        for index, migration in enumerate(pending, 1):
            progress_label = f"{index}/{len(pending)} {migration.name}"
            try:
                with progress.shown(self.stderr):
                    progress.stage(progress_label)
                    result = migration_apply(
                        branch=branch, migration=migration, actor=SYSTEM, dry_run=dry_run
                    )
            except OMSError as exc:
                lines = [f"{exc.detail} ({exc.code})"]
                lines += [f"  {e.get('path', '$')}: {e.get('message', '')}" for e in exc.errors]
                raise CommandError("\n".join(lines)) from exc
            commit = result.commit.id if result.commit else "(dry run)"
            self.stdout.write(f"{'Checked' if dry_run else 'Applied'} {migration.name}: {commit}")
        verb = "would apply" if dry_run else "applied"
        self.stderr.write(f"{branch}: {verb} {len(pending)} migration(s); "
                          f"{len(status) - len(pending)} were applied before.")  # fmt: skip
