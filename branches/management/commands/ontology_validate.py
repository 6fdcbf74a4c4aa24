"""``manage.py ontology_validate``: validate branches (integrity, compatibility, deprecations)
and exit 1 when any has errors, for the CI pipeline of an ontology repository."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from branches.models import ValidationRun
from branches.validation import Validation, validate_branch
from branches.validation_runs import validation_record
from integrations.user_service.principal import SYSTEM
from oms_project import progress
from ontology.storage import get_store


class Command(BaseCommand):
    help = "Validate a branch (default main) or every branch; exit 1 when one has errors."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--branch", action="append", help="This branch (repeatable).")
        which.add_argument("--all", action="store_true", help="Every branch.")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--dry-run", action="store_true",
                            help="Report only; record no validation run.")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        store = get_store()
        names = (
            [ref.name for ref in store.branches()] if options["all"]
            else options["branch"] or [store.default_branch]
        )  # fmt: skip
        results: list[Validation] = []
        for name in names:
            started = timezone.now()
            with progress.shown(self.stderr):
                validation = validate_branch(branch=name)
            if not options["dry_run"]:
                validation_record(validation=validation, trigger=ValidationRun.COMMAND,
                                  actor=SYSTEM, started=started)  # fmt: skip
            results.append(validation)
        if options["format"] == "json":
            self.stdout.write(json.dumps([v.as_dict() for v in results], indent=2))
        else:
            for validation in results:
                self.stdout.write(_text(validation))
        errors = sum(v.errors for v in results)
        warnings = sum(v.warnings for v in results)
        failed = [v.branch for v in results if not v.passed]
        self.stderr.write(
            f"Validated {len(results)} branch(es): {errors} error(s), {warnings} warning(s)"
            + (f"; failed: {', '.join(failed)}." if failed else "; all passed.")
        )
        if failed:
            sys.exit(1)


def _text(validation: Validation) -> str:
    verdict = "passed" if validation.passed else "FAILED"
    lines = [f"{validation.branch} at {validation.commit[:12]}: {verdict} "
             f"({validation.errors} error(s), {validation.warnings} warning(s))"]  # fmt: skip
    lines += [f"  {f.severity}: {f.element} {f.path}: {f.code}: {f.message}"
              for f in validation.findings]  # fmt: skip
    return "\n".join(lines)
