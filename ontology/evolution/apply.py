"""Finding migrations, and applying them: one commit each through the write pipeline, with
its ledger row written in the commit's own transaction (so each runs once per branch)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings

from integrations.user_service.principal import Principal
from ontology import pipeline
from ontology.catalog import Catalog
from ontology.evolution.models import AppliedMigration
from ontology.evolution.operations import Op, Working
from ontology.services import CommitResult, ElementEdits
from ontology.storage.exceptions import InvalidChange

NAME = re.compile(r"^\d{4}_\w+$")


@dataclass(frozen=True)
class Migration:
    name: str
    operations: tuple[Op, ...]
    description: str = ""


class MigrationMissing(InvalidChange):
    code = "migration_missing"
    title = "Migration package missing"


def migrations_found(package: str | None = None) -> list[Migration]:
    """The migrations of the package ``OMS_ONTOLOGY_MIGRATIONS`` names, in name order: modules
    ``NNNN_name`` each defining ``operations`` (and optionally ``description``)."""
    package = package or settings.OMS_ONTOLOGY_MIGRATIONS
    importlib.invalidate_caches()  # files written since the last look (a fresh draft)
    try:
        module = importlib.import_module(package)
    except ModuleNotFoundError as exc:
        raise MigrationMissing(
            f"No migration package {package!r} (OMS_ONTOLOGY_MIGRATIONS): {exc}."
        ) from exc
    found = []
    for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda i: i.name):
        if NAME.match(info.name):
            loaded = importlib.import_module(f"{package}.{info.name}")
            operations = tuple(getattr(loaded, "operations", ()))
            if not all(isinstance(op, Op) for op in operations):
                raise InvalidChange(f"Migration {info.name}: operations must be ops.* objects.")
            found.append(Migration(info.name, operations, getattr(loaded, "description", "")))
    return found


def migrations_status(
    branch: str, package: str | None = None
) -> list[tuple[Migration, AppliedMigration | None]]:
    """Every migration with its ledger row on ``branch`` (None: pending)."""
    applied = {a.name: a for a in AppliedMigration.objects.filter(branch=branch)}
    return [(m, applied.get(m.name)) for m in migrations_found(package)]


def migration_apply(
    *, branch: str, migration: Migration, actor: Principal, dry_run: bool = False
) -> CommitResult:
    """Apply one migration to ``branch`` as one commit (a failing operation writes nothing)."""
    plan = MigrationPlan(branch, migration)
    message = f"Migration {migration.name}"
    if migration.description:
        message += f": {migration.description}"
    written = pipeline.write(
        branch=branch, plan=plan, actor=actor, message=message, dry_run=dry_run
    )
    assert plan.edits is not None
    return plan.edits.result(written)


class MigrationPlan(pipeline.Plan):
    """The migration's operations on the locked head, as element edits."""

    door: ClassVar[pipeline.Door] = "migrate"

    def __init__(self, branch: str, migration: Migration) -> None:
        self.branch, self.migration = branch, migration
        self.edits: ElementEdits | None = None

    def plan(self, before: Catalog) -> pipeline.Planned:
        if AppliedMigration.objects.filter(branch=self.branch, name=self.migration.name).exists():
            raise InvalidChange(
                f"Migration {self.migration.name} is applied to {self.branch} already."
            )
        working = Working(before)
        for index, op in enumerate(self.migration.operations):
            try:
                op.apply(working)
            except (InvalidChange, LookupError) as exc:
                detail = getattr(exc, "detail", str(exc))
                raise InvalidChange(
                    f"Migration {self.migration.name}, operation {index} "
                    f"({type(op).__name__}): {detail}",
                    errors=[
                        {"path": f"$.operations[{index}]", "code": "invalid", "message": detail}
                    ],
                ) from exc
        operations = working.operations()
        if not operations:
            raise InvalidChange(
                f"Migration {self.migration.name} changes nothing on {self.branch}."
            )
        self.edits = ElementEdits(operations)
        return self.edits.plan(before)

    def locate(self, problem: dict[str, object], doc_id: str) -> dict[str, object]:
        return problem

    def record(self, written: pipeline.Written, actor: Principal) -> None:
        assert written.commit is not None
        AppliedMigration.objects.create(
            branch=self.branch, name=self.migration.name, commit=written.commit.id,
            operations=[op.describe() for op in self.migration.operations],
            applied_by=actor.username,
        )  # fmt: skip
