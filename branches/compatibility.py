"""The compatibility gate: a branch's mode (and its groups' and object types' overrides)
applied to what a write, a merge or a proposal brings.

The mode of a changed element is the most specific one set: the object type's override, else
the strictest override of the groups the object type is in, else the branch policy's mode.
The pipeline calls :func:`write_gate` after integrity on every write (``OMS_WRITE_GATE``);
proposals show the same report as a check before anyone merges.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.utils import timezone

from branches.exceptions import CompatibilityFailed
from branches.models import CompatibilityOverride, Release, Waiver
from branches.rules import Rules, rules_of
from integrations.user_service.principal import Principal
from ontology import pipeline
from ontology.catalog import Catalog, catalog_for
from ontology.compatibility import Report, check, strictest, transitive
from ontology.diff import Change, Diff, semantic_diff
from ontology.exceptions import NoMergeBase
from ontology.pipeline import Changes
from ontology.services import ElementEdits, Operation
from ontology.storage import get_store


class Modes:
    """The compatibility modes of one branch: its policy's and its overrides."""

    def __init__(self, rules: Rules) -> None:
        self.default = rules.compatibility_mode
        self.overrides = rules.overrides

    @property
    def enforced(self) -> bool:
        """Whether any mode forbids anything (most branches: NONE, nothing to check)."""
        return bool({self.default, *self.overrides.values()} - {"NONE"})

    def of(self, catalogs: Iterable[Catalog]) -> Callable[[Change], str]:
        """The mode of each changed element (its groups read from ``catalogs``)."""
        sources, overrides = list(catalogs), self.overrides

        def mode_of(change: Change) -> str:
            if change.kind != "object-types" or not overrides:
                return self.default
            own = overrides.get((CompatibilityOverride.OBJECT_TYPE, change.api_name))
            if own:
                return own
            groups = {g for catalog in sources for g in _groups(catalog, change.element_id)}
            chosen = [overrides[(CompatibilityOverride.GROUP, g)] for g in sorted(groups)
                      if (CompatibilityOverride.GROUP, g) in overrides]  # fmt: skip
            return strictest(chosen) if chosen else self.default

        return mode_of


def _groups(catalog: Catalog, element_id: str) -> list[str]:
    document = catalog.fetch([element_id]).get(element_id)
    return list(document.get("groups", [])) if document else []


def compatibility_report(
    *, branch: str, before: Catalog, after: Catalog, ids: list[str], modes: Modes | None = None
) -> Report:
    """What changing ``ids`` from ``before`` to ``after`` means under ``branch``'s modes: the
    diff against the head, then (for transitive modes) against each release of the branch."""
    mode_of = (modes or Modes(rules_of(branch))).of([after, before])
    head = semantic_diff(before, after, ids)
    diffs: list[tuple[str, Diff]] = [("head", head)]
    if any(transitive(mode_of(c)) for c in (*head.changes, *head.uncovered)):
        diffs += [(tag, semantic_diff(catalog, after, ids)) for tag, catalog in _releases(before)]
    return check(diffs, mode_of, frozenset(settings.OMS_COMPATIBILITY_SHADOW_RULES))


def refs_report(*, base: str, head: str, mode: str = "direct", branch: str = "") -> Report:
    """What ``head`` brings over ``base`` (``merge-base``: since their merge base) under the
    modes of ``branch`` (default: ``base``, the branch the change would reach)."""
    store = get_store()
    start, end = store.resolve(base), store.resolve(head)
    if mode == "merge-base":
        found = store.merge_base(start, end)
        if found is None:
            raise NoMergeBase(f"{base!r} and {head!r} share no commit.")
        start = found
    ids = sorted(store.changed_ids(start, end))
    before, after = catalog_for(store, start, branch=base), catalog_for(store, end, branch=head)
    return compatibility_report(branch=branch or base, before=before, after=after, ids=ids)


def batch_report(*, branch: str, operations: list[Operation], actor: Principal) -> dict[str, Any]:
    """The gate's report for a batch not yet committed: planned on the branch head as a dry
    run (every other step of the pipeline checked too), nothing written."""
    try:
        written = pipeline.write(
            branch=branch, plan=ElementEdits(operations), actor=actor,
            message="compatibility check", dry_run=True,
        )  # fmt: skip
    except CompatibilityFailed as exc:
        return {"passed": False, "findings": exc.extra["findings"],
                "coverage": exc.extra["coverage"]}  # fmt: skip
    report = compatibility_report(
        branch=branch, before=written.before, after=written.after, ids=list(written.changes)
    )
    return report.as_dict()


def _releases(head: Catalog) -> list[tuple[str, Catalog]]:
    """Each release whose commit is in the history of ``head``, newest first."""
    store = get_store()
    found = []
    for release in Release.objects.order_by("-created_at"):
        if store.merge_base(release.commit, head.commit) == release.commit:
            found.append((release.tag, catalog_for(store, release.commit)))
    return found


def write_gate(
    *,
    branch: str,
    before: Catalog,
    after: Catalog,
    changes: Changes,
    plan: pipeline.Plan,
    rules: Rules | None = None,
) -> None:
    """The pipeline's compatibility step (``OMS_WRITE_GATE``): refuse a write that brings a
    change the branch's modes forbid (409 with every blocking finding and the coverage), save
    those an approved waiver the plan carries (a proposal's merge) lets through. ``rules``:
    the branch's, as the guard read them (else read here)."""
    if not changes:
        return
    modes = Modes(rules or rules_of(branch))
    if not modes.enforced:
        return
    report = compatibility_report(
        branch=branch, before=before, after=after, ids=list(changes), modes=modes
    )
    waive(report, getattr(plan, "waivers", ()))
    if not report.passed:
        raise CompatibilityFailed.of(report, branch=branch)


def waive(report: Report, waivers: Iterable[Waiver]) -> None:
    """Findings an approved, unexpired waiver covers stop blocking (and name the waiver)."""
    now = timezone.now()
    valid = [w for w in waivers if w.counts(now)]
    for index, finding in enumerate(report.findings):
        change = finding.change
        element = f"{change.kind}/{change.api_name}"
        waiver = next((w for w in valid if w.covers(change.rule, element, change.path)), None)
        if finding.blocking and waiver is not None:
            report.findings[index] = replace(finding, blocking=False, waiver=waiver.pk)
