"""``manage.py ontology_export``: a whole branch as an OMS bundle (JSON) or OWL/RDFS Turtle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from oms_project import progress
from oms_project.exceptions import OMSError
from ontology.bundles import bundle_export
from ontology.turtle import turtle_export


class Command(BaseCommand):
    help = "Export every element of a branch as an OMS bundle (lossless) or as Turtle."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--branch", default="main", help="Branch to export (default main).")
        parser.add_argument("--format", choices=["json", "turtle"], default="json")
        parser.add_argument("--at", help="A commit id, a tag or an ISO-8601 time.")
        parser.add_argument("--output", default="-", help="File to write, or - for stdout.")

    def handle(self, *args: Any, branch: str, format: str, at: str | None, output: str,
               **options: Any) -> None:  # fmt: skip
        try:
            with progress.shown(self.stderr):
                if format == "turtle":
                    text = turtle_export(branch=branch, at=at)
                else:
                    bundle = bundle_export(branch=branch, at=at)
                    text = json.dumps(bundle, indent=2, ensure_ascii=False)
        except OMSError as exc:
            raise CommandError(exc.detail) from exc
        text = text if text.endswith("\n") else text + "\n"
        if output == "-":
            self.stdout.write(text, ending="")
        else:
            Path(output).write_text(text, encoding="utf-8")
        where = "stdout" if output == "-" else output
        self.stderr.write(
            f"Wrote branch {branch} ({format}, {len(text.encode())} bytes) to {where}."
        )
