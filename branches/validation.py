"""Validation of a whole branch: what the scheduled runs, ``POST /branches/{b}/validate/`` and
``manage.py ontology_validate`` report.

Four checks over the branch head: **integrity** of every element, **compatibility** of what
the branch would bring to the target of each of its open proposals (or, for a branch without
one, of what it changed since its latest release) under that target's modes, **deprecations**
past their deadline, and **references to deprecated** elements. Errors fail a validation;
warnings are listed. Nothing is written here: :mod:`branches.validation_runs` stores runs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from django.utils import timezone

from branches.compatibility import refs_report
from branches.models import Proposal, Release
from oms_project import progress
from ontology import integrity
from ontology.catalog import Catalog, catalog_for
from ontology.kinds import KINDS
from ontology.references import json_path, references
from ontology.storage import get_store
from ontology.storage.base import Document

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One thing validation found, at a JSON path inside one element."""

    check: str  # integrity | compatibility | deprecation | deprecated-reference
    severity: Severity
    element: str  # kind/apiName
    path: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"check": self.check, "severity": self.severity, "element": self.element,
                "path": self.path, "code": self.code, "message": self.message}  # fmt: skip


@dataclass
class Validation:
    """The outcome of validating one branch at one commit."""

    branch: str
    commit: str
    findings: list[Finding] = field(default_factory=list)
    checked: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    @property
    def passed(self) -> bool:
        return self.errors == 0

    @property
    def digest(self) -> str:
        """The same for two validations that found the same things (whatever the commit)."""
        found = sorted(json.dumps(f.as_dict(), sort_keys=True) for f in self.findings)
        return hashlib.sha256("\n".join(found).encode()).hexdigest()

    def as_dict(self) -> dict[str, Any]:
        return {
            "branch": self.branch, "commit": self.commit, "passed": self.passed,
            "errors": self.errors, "warnings": self.warnings, "checked": self.checked,
            "findings": [f.as_dict() for f in self.findings],
        }  # fmt: skip


def validate_branch(*, branch: str, today: date | None = None) -> Validation:
    """Validate the head of ``branch`` (a pure read)."""
    store = get_store()
    head = store.resolve(branch)
    catalog = catalog_for(store, head, branch=branch)
    progress.stage(f"reading the elements of {branch}")
    documents = [d for kind in KINDS for d in catalog.of_kind(kind)]
    validation = Validation(branch, head)
    validation.findings += _integrity(catalog, documents)
    validation.findings += _deprecations(documents, today or timezone.now().date())
    validation.findings += _deprecated_references(documents)
    compatibility, checked = _compatibility(branch)
    validation.findings += compatibility
    validation.checked = {"elements": len(documents), "compatibility": checked}
    return validation


def _integrity(catalog: Catalog, documents: list[Document]) -> list[Finding]:
    progress.stage(f"checking the integrity of {len(documents)} element(s)")
    problems = integrity.check(catalog, [d["id"] for d in documents])
    return [Finding("integrity", "error", p.element, p.path, p.code, p.message) for p in problems]


def _deprecations(documents: list[Document], today: date) -> list[Finding]:
    """Deprecated elements and properties whose deadline has passed: they should be gone."""
    found = []
    for document in documents:
        element = f"{document['kind']}/{document['apiName']}"
        places = [("$", document)] + [
            (f"$.properties[{i}]", p) for i, p in enumerate(document.get("properties", []))
        ]
        for path, holder in places:
            deadline = (holder.get("deprecation") or {}).get("deadline")
            if holder.get("status") == "deprecated" and deadline and deadline < today.isoformat():
                found.append(Finding(
                    "deprecation", "error", element, path, "deprecation_overdue",
                    f"Deprecated with the deadline {deadline}, which has passed: remove it or "
                    "move the deadline.",
                ))  # fmt: skip
    return found


def _deprecated_references(documents: list[Document]) -> list[Finding]:
    """Elements (not deprecated themselves) that use a deprecated element."""
    deprecated = {(d["kind"], d["apiName"]) for d in documents if d.get("status") == "deprecated"}
    found = []
    for document in documents:
        if document.get("status") == "deprecated" or not deprecated:
            continue
        for ref in references(document):
            if ref.path[:1] == ("deprecation",):
                continue  # a replacedBy names its successor, not a use
            kind = next((k for k in ref.kinds if (k, ref.name) in deprecated), None)
            if kind is not None:
                found.append(Finding(
                    "deprecated-reference", "warning",
                    f"{document['kind']}/{document['apiName']}", json_path(ref.path),
                    "uses_deprecated", f"Uses {kind}/{ref.name}, which is deprecated.",
                ))  # fmt: skip
    return found


def _compatibility(branch: str) -> tuple[list[Finding], list[dict[str, Any]]]:
    """What the branch brings to each target of its open proposals (else since its latest
    release) under that target's modes."""
    store = get_store()
    targets = sorted(set(
        Proposal.objects.filter(source=branch, state=Proposal.OPEN).values_list("target", flat=True)
    ))  # fmt: skip
    comparisons = [(target, target, "merge-base") for target in targets]
    if not comparisons:
        head = store.resolve(branch)
        release = next((r for r in Release.objects.order_by("-created_at")
                        if store.merge_base(r.commit, head) == r.commit), None)  # fmt: skip
        if release is not None:
            comparisons = [(release.tag, branch, "direct")]
    found, checked = [], []
    for base, whose, mode in comparisons:
        progress.stage(f"checking compatibility against {base}")
        report = refs_report(base=base, head=branch, mode=mode, branch=whose)
        checked.append({"against": base, "passed": report.passed, "coverage": report.coverage})
        for finding in report.findings:
            change = finding.change
            found.append(Finding(
                "compatibility", "error" if finding.blocking else "warning",
                f"{change.kind}/{change.api_name}", change.path, change.rule,
                f"{change.type} breaks {' and '.join(sorted(finding.breaks))} compatibility "
                f"({finding.mode} on {whose}, against {base}).",
            ))  # fmt: skip
    return found, checked
