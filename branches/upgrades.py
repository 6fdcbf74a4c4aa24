"""An ontology upgrade in one call: a new version imported onto a branch (made from the target
when it does not exist), and a proposal to bring it into the target, opened (or brought up to
date) with the diff's release bump, the import's counts and the mapping's findings, ready for
review (docs/import-export.md, "Upgrades")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from branches import proposals
from branches.models import Proposal
from branches.services import branch_create, branch_delete
from integrations.user_service.principal import Principal
from ontology.bundles import Finding, ImportReport
from ontology.diff import Diff, diff_refs
from ontology.storage import get_store
from ontology.storage.exceptions import InvalidChange

MAX_LISTED = 30


@dataclass
class Upgrade:
    """What an upgrade did: the import on the branch, and the proposal (None when the
    branch brings nothing the target lacks)."""

    report: ImportReport
    diff: Diff
    proposal: Proposal | None

    def as_dict(self) -> dict[str, Any]:
        proposal = None
        if self.proposal is not None:
            proposal = {
                "id": self.proposal.pk,
                "title": self.proposal.title,
                "source": self.proposal.source,
                "target": self.proposal.target,
                "bump": self.diff.bump,
                "summary": self.diff.summary,
            }
        return {**self.report.as_dict(), "proposal": proposal}


def ontology_upgrade(
    *,
    branch: str,
    target: str,
    actor: Principal,
    run_import: Callable[[str], ImportReport],
    title: str = "",
) -> Upgrade:
    """Import onto ``branch`` (``run_import(branch)``) and propose it for ``target``."""
    store = get_store()
    if branch == target:
        raise InvalidChange("An upgrade imports onto another branch than the one it proposes to.")
    store.get_branch(target)  # RefNotFound (404) before anything is created
    created = branch not in {b.name for b in store.branches()}
    if created:
        branch_create(name=branch, start=target, actor=actor)
    try:
        report = run_import(branch)
    except Exception:
        if created:  # a refused upgrade leaves nothing behind, not even its branch
            branch_delete(name=branch, actor=actor)
        raise
    diff = diff_refs(base=target, head=branch, mode="merge-base")
    if not diff.changes:
        return Upgrade(report, diff, None)
    description = _description(report, diff, target)
    proposal = Proposal.objects.filter(source=branch, target=target, state=Proposal.OPEN).first()
    if proposal is None:
        heading = store.log(branch, limit=1).commits[0].message.split("\n")[0]
        proposal = proposals.proposal_open(
            source=branch, target=target, title=(title or heading)[:300],
            description=description, actor=actor,
        )  # fmt: skip
    else:
        changes = {"description": description, **({"title": title[:300]} if title else {})}
        proposal = proposals.proposal_update(proposal=proposal, changes=changes, actor=actor)
    return Upgrade(report, diff, proposal)


def _description(report: ImportReport, diff: Diff, target: str) -> str:
    """The proposal's text: what the upgrade brings, the release bump, what to review."""
    impact = diff.summary["byImpact"]
    lines = [
        f"Brings branch `{report.branch}` (import commit `{report.commit or report.base}`) "
        f"into `{target}`.",
        "",
        f"**Release bump: {diff.bump}** ({impact['breaking']} breaking, {impact['additive']} "
        f"additive, {impact['safe']} safe change(s); {len(diff.uncovered)} uncovered).",
        f"Elements: {len(report.created)} created, {len(report.updated)} updated "
        f"({len(report.renamed)} renamed), {len(report.deleted)} deleted, "
        f"{len(report.unchanged)} unchanged.",
    ]
    breaking = [c for c in diff.changes if c.impact == "breaking"]
    if breaking:
        lines += ["", "### Breaking changes (a protected target needs a waiver for each)"]
        lines += [f"- {c.type} {c.kind}/{c.api_name} {c.path}" for c in breaking[:MAX_LISTED]]
        if len(breaking) > MAX_LISTED:
            lines.append(f"- ... {len(breaking) - MAX_LISTED} more.")
    for title, findings in (("Assumed by the mapping", report.warnings),
                            ("Left out by the mapping", report.unmapped)):  # fmt: skip
        if findings:
            lines += ["", f"### {title}", *_listed(findings)]
    return "\n".join(lines)


def _listed(findings: list[Finding]) -> list[str]:
    shown = [
        f"- {f['count']}x {f['reason']} (e.g. {f['subjects'][0]['subject']})"
        for f in findings[:MAX_LISTED]
    ]
    if len(findings) > MAX_LISTED:
        shown.append(f"- ... {len(findings) - MAX_LISTED} more kinds of finding.")
    return shown
