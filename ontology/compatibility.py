"""Compatibility modes: which findings of a semantic diff a mode forbids.

Every rule of :mod:`ontology.diff` says which direction a change breaks:

- **backward**: what was valid before is refused or misread after (old data, old callers,
  old clients against the new ontology): removals, renames, narrowed types, new requirements;
- **forward**: what is valid after is refused or misread by the old ontology (new data and
  new callers against readers of the old one): widened types, dropped requirements, looser
  constraints, more accepted values.

``BACKWARD`` forbids backward breaks, ``FORWARD`` forward breaks, ``FULL`` both, ``NONE``
nothing; a ``_TRANSITIVE`` mode checks against every release of the branch as well as its
head. A change no rule covers (``OMS-C000``) breaks both ways: a pass is never silent.
Report-only ("shadow") rules are listed with their findings but never block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from ontology.diff import RULES, UNCOVERED, Change, Diff
from ontology.kinds import KINDS

Direction = Literal["backward", "forward"]
BOTH: frozenset[Direction] = frozenset({"backward", "forward"})
MODES = (
    "NONE", "BACKWARD", "FORWARD", "FULL",
    "BACKWARD_TRANSITIVE", "FORWARD_TRANSITIVE", "FULL_TRANSITIVE",
)  # fmt: skip
_FORBIDS: dict[str, frozenset[Direction]] = {
    "NONE": frozenset(), "BACKWARD": frozenset({"backward"}),
    "FORWARD": frozenset({"forward"}), "FULL": BOTH,
}  # fmt: skip

#: Rules whose change keeps the old valid but lets the new say what the old refuses.
FORWARD_ONLY = frozenset({
    "OMS-C030", "OMS-C090", "OMS-C100",  # a type widened: new values the old type lacks
    "OMS-C033", "OMS-C061", "OMS-C063", "OMS-C077",  # required became optional
    "OMS-C037", "OMS-C102",  # constraints dropped or loosened
    "OMS-C074", "OMS-C079",  # a parameter accepts more (wider type, more values)
    "OMS-C070",  # a new parameter: old action types refuse it
})  # fmt: skip
#: Breaking rules whose change the old ontology still reads (it only adds requirements).
BACKWARD_ONLY = frozenset({
    "OMS-C027", "OMS-C053", "OMS-C056", "OMS-C071",  # something required was added
    "OMS-C032", "OMS-C060", "OMS-C062", "OMS-C076",  # something optional became required
    "OMS-C103", "OMS-C078",  # tighter constraints, fewer accepted values
    "OMS-C006",  # demoted from active
})  # fmt: skip


def breaks(rule: str) -> frozenset[Direction]:
    """The directions a change classified by ``rule`` breaks."""
    if rule in FORWARD_ONLY:
        return frozenset({"forward"})
    if rule in BACKWARD_ONLY:
        return frozenset({"backward"})
    return BOTH if RULES[rule].impact == "breaking" else frozenset()


def forbids(mode: str) -> frozenset[Direction]:
    """The directions ``mode`` forbids."""
    return _FORBIDS[mode.removesuffix("_TRANSITIVE")]


def transitive(mode: str) -> bool:
    return mode.endswith("_TRANSITIVE")


def strictest(modes: Iterable[str]) -> str:
    """One mode forbidding everything any of ``modes`` forbids (several groups' modes)."""
    found = list(modes)
    directions = frozenset().union(*(forbids(m) for m in found)) if found else frozenset()
    name = {frozenset(): "NONE", BOTH: "FULL"}.get(directions) or next(iter(directions)).upper()
    return f"{name}_TRANSITIVE" if any(transitive(m) for m in found) and name != "NONE" else name


@dataclass(frozen=True)
class Finding:
    """A change the mode of its element forbids (``blocking``), or a shadow rule's warning."""

    change: Change
    against: str  # "head" or the release tag the change was checked against
    mode: str
    breaks: frozenset[Direction]
    blocking: bool
    waiver: int | None = None  # the approved waiver that lets it through


@dataclass
class Report:
    """The findings of a compatibility check and what the check examined."""

    findings: list[Finding] = field(default_factory=list)
    examined: int = 0
    kinds: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)
    uncovered: list[Change] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not any(f.blocking for f in self.findings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "findings": [finding_dict(f) for f in self.findings],
            "coverage": self.coverage,
        }

    @property
    def coverage(self) -> dict[str, Any]:
        """What the rules examined, and what no rule did (so a pass is never silent)."""
        return {
            "changesExamined": self.examined,
            "kindsExamined": sorted(self.kinds),
            "kindsWithoutChanges": [kind for kind in KINDS if kind not in self.kinds],
            "changeTypesExamined": sorted(self.types),
            "notExamined": [
                {"kind": c.kind, "apiName": c.api_name, "path": c.path, "type": c.type}
                for c in self.uncovered
            ],
        }


def finding_dict(finding: Finding) -> dict[str, Any]:
    change = finding.change
    return {
        "rule": change.rule, "type": change.type, "kind": change.kind,
        "apiName": change.api_name, "path": change.path, "member": change.member,
        "before": change.before, "after": change.after, "impact": change.impact,
        "breaks": sorted(finding.breaks), "mode": finding.mode, "against": finding.against,
        "blocking": finding.blocking, "waiver": finding.waiver, "hint": change.hint,
    }  # fmt: skip


def check(
    diffs: Iterable[tuple[str, Diff]],
    mode_of: Callable[[Change], str],
    shadow: frozenset[str] = frozenset(),
) -> Report:
    """Evaluate ``diffs`` (``("head", diff)`` first, then one per release tag) against the
    mode of each changed element; a release diff counts only for transitive modes."""
    report = Report()
    seen: set[tuple[str, str, str]] = set()
    for against, diff in diffs:
        for change in (*diff.changes, *diff.uncovered):
            mode = mode_of(change)
            if against != "head" and not transitive(mode):
                continue
            if against == "head":
                report.examined += 1
                report.kinds.add(change.kind)
                report.types.add(change.type)
                if change.rule == UNCOVERED:
                    report.uncovered.append(change)
            broken = breaks(change.rule) & forbids(mode)
            key = (change.element_id, change.path, change.rule)
            if not broken or key in seen:
                continue
            seen.add(key)
            blocking = change.rule not in shadow
            report.findings.append(Finding(change, against, mode, broken, blocking))
    return report
