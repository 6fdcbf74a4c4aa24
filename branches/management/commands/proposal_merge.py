"""``manage.py proposal_merge ID``: merge a proposal once its checks pass, for scripts.

It merges as the system, but through the same gate as anyone: the proposal's approvals,
conflicts, integrity and compatibility checks must pass (the system approves nothing)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from branches.models import Proposal
from branches.proposals import proposal_merge
from integrations.user_service.principal import SYSTEM
from oms_project.exceptions import OMSError


class Command(BaseCommand):
    help = "Merge an open proposal whose checks pass (exit 1 with the failing checks if not)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id", type=int)
        parser.add_argument("--strategy", choices=["merge", "squash"], default="merge")
        parser.add_argument("--message", default="", help="The merge commit's message.")
        parser.add_argument("--dry-run", action="store_true", help="Check; merge nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        proposal = Proposal.objects.filter(pk=options["id"]).first()
        if proposal is None:
            raise CommandError(f"No proposal #{options['id']}.")
        try:
            outcome = proposal_merge(
                proposal=proposal, actor=SYSTEM, strategy=options["strategy"],
                message=options["message"], dry_run=options["dry_run"],
            )  # fmt: skip
        except OMSError as exc:
            failing = [c for c in exc.extra.get("checks", []) if not c.get("passed")]
            lines = [f"{exc.detail} ({exc.code})"]
            lines += [f"  {c['name']}: {c['detail']}" for c in failing]
            raise CommandError("\n".join(lines)) from exc
        if options["dry_run"]:
            self.stdout.write(f"Proposal #{proposal.pk} would merge {proposal.source} into "
                              f"{proposal.target}: every check passes.")  # fmt: skip
            return
        commit = outcome.written.commit.id if outcome.written and outcome.written.commit else ""
        self.stdout.write(f"Merged proposal #{proposal.pk} ({proposal.source} into "
                          f"{proposal.target}) as {commit}.")  # fmt: skip
