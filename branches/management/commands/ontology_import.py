"""``manage.py ontology_import FILE``: apply an OMS bundle or OWL/RDFS Turtle as the system;
with ``--propose TARGET``, an upgrade in one call (``branches.upgrades``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from branches.upgrades import Upgrade, ontology_upgrade
from integrations.user_service.principal import SYSTEM
from oms_project import progress
from oms_project.exceptions import OMSError
from ontology.bundles import MODES, ImportReport, bundle_import
from ontology.turtle import turtle_import

TURTLE_SUFFIXES = (".ttl", ".turtle")


class Command(BaseCommand):
    help = "Import an OMS bundle or a Turtle ontology into a branch as one commit (as system)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The bundle or Turtle file, or - for stdin.")
        parser.add_argument("--branch", default="main", help="Branch to write (default main).")
        parser.add_argument(
            "--format", choices=["json", "turtle"], help="Default: turtle for .ttl, else json."
        )
        parser.add_argument("--mode", choices=MODES, default="merge",
                            help="replace also deletes what the file does not hold.")  # fmt: skip
        parser.add_argument("--dry-run", action="store_true", help="Report only; write nothing.")
        parser.add_argument("--message", default="", help="The commit message.")
        parser.add_argument(
            "--propose", metavar="TARGET", default="",
            help="Upgrade in one call: import onto --branch (made from TARGET when missing) "
            "and open a proposal to bring it into TARGET.",
        )  # fmt: skip
        parser.add_argument("--title", default="", help="The proposal's title (with --propose).")

    def handle(self, *args: Any, **options: Any) -> None:
        path: str = options["file"]
        data_format = options["format"] or ("turtle" if path.endswith(TURTLE_SUFFIXES) else "json")
        if options["propose"] and options["dry_run"]:
            raise CommandError("A dry run opens no proposal: leave out --propose.")
        text = self.read(path)
        payload = text if data_format == "turtle" else self.parse_json(text, path)

        def run_import(branch: str) -> ImportReport:
            common = {
                "branch": branch, "actor": SYSTEM, "message": options["message"],
                "mode": options["mode"], "dry_run": options["dry_run"],
            }  # fmt: skip
            if data_format == "turtle":
                return turtle_import(text=payload, **common)
            return bundle_import(bundle=payload, **common)

        try:
            with progress.shown(self.stderr):
                if not options["propose"]:
                    self.stdout.write(report_text(run_import(options["branch"])))
                    return
                upgrade = ontology_upgrade(
                    branch=options["branch"], target=options["propose"], actor=SYSTEM,
                    run_import=run_import, title=options["title"],
                )  # fmt: skip
        except OMSError as exc:
            raise CommandError(problem_text(exc)) from exc
        self.stdout.write(report_text(upgrade.report) + "\n" + proposal_text(upgrade))

    def read(self, path: str) -> str:
        if path == "-":
            return sys.stdin.read()
        try:
            return Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc

    def parse_json(self, text: str, path: str) -> Any:
        try:
            return json.loads(text)
        except ValueError as exc:
            raise CommandError(f"{path} is not JSON: {exc}") from exc


def problem_text(exc: OMSError) -> str:
    """An error with every path it names, one per line."""
    lines = [f"{exc.detail} ({exc.code})"]
    lines += [f"  {e.get('path', '$')}: {e.get('message', '')}" for e in exc.errors]
    return "\n".join(lines)


def report_text(report: ImportReport) -> str:
    """The import report for people: counts, then each list."""
    verb = "Would change" if report.dry_run else "Changed"
    head = (
        f"{verb} branch {report.branch} ({report.source}, {report.mode}): "
        f"{len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.deleted)} deleted, {len(report.unchanged)} unchanged."
    )
    lines = [head, f"Commit: {report.commit or '(none)'}"]
    for title, names in (("created", report.created), ("updated", report.updated),
                         ("renamed", report.renamed), ("deleted", report.deleted),
                         ("cascaded", report.cascaded)):  # fmt: skip
        lines += [f"  {title}: {name}" for name in names]
    for title, findings in (("warning", report.warnings), ("unmapped", report.unmapped)):
        for finding in findings:
            lines.append(f"  {title} ({finding['count']}x): {finding['reason']}")
            lines += [
                f"    {s['subject']}" + (f" ({s['detail']})" if s.get("detail") else "")
                for s in finding["subjects"]
            ]
            if finding["count"] > len(finding["subjects"]):
                lines.append(f"    ... and {finding['count'] - len(finding['subjects'])} more")
    return "\n".join(lines)


def proposal_text(upgrade: Upgrade) -> str:
    if upgrade.proposal is None:
        return "No proposal: the branch brings nothing its target lacks."
    proposal = upgrade.proposal
    return (
        f"Proposal #{proposal.pk} {proposal.title!r} ({proposal.source} -> {proposal.target}): "
        f"release bump {upgrade.diff.bump}."
    )
