"""``manage.py audit_redeliver``: put dead-lettered audit events back into delivery."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from history.services import audit_events_deliver, audit_events_redeliver


class Command(BaseCommand):
    help = "Re-drive dead-lettered audit events (all, or the given sequence numbers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sequences", nargs="*", type=int, help="Event sequence numbers.")
        parser.add_argument(
            "--now", action="store_true", help="Deliver in this process instead of via Celery."
        )

    def handle(self, *args: Any, sequences: list[int], now: bool, **options: Any) -> None:
        count = audit_events_redeliver(ids=sequences or None)
        self.stdout.write(f"{count} dead-lettered event(s) back to pending.")
        if now:
            report = audit_events_deliver()
            self.stdout.write(
                f"delivered {report.delivered}, dead {report.dead}, failed {report.failed}."
            )
