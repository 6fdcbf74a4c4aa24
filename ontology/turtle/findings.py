"""What a mapping tells its caller, each kind of finding once: the reason, how many subjects
it concerns, and the first of them (with what is particular to each)."""

from __future__ import annotations

from collections import defaultdict

from ontology.bundles import Finding

MAX_SUBJECTS = 20


class Findings:
    """Findings collected by reason; a subject repeated under one reason counts once."""

    def __init__(self) -> None:
        self._by_reason: dict[str, dict[str, str]] = defaultdict(dict)

    def add(self, reason: str, subject: str, detail: str = "") -> None:
        subjects = self._by_reason[reason]
        if subject not in subjects or (detail and not subjects[subject]):
            subjects[subject] = detail

    def report(self) -> list[Finding]:
        """Most frequent first, then by reason; subjects sorted, at most ``MAX_SUBJECTS``."""
        found = []
        for reason, subjects in self._by_reason.items():
            shown = [
                {"subject": s, "detail": subjects[s]} if subjects[s] else {"subject": s}
                for s in sorted(subjects)[:MAX_SUBJECTS]
            ]
            found.append({"reason": reason, "count": len(subjects), "subjects": shown})
        return sorted(found, key=lambda f: (-f["count"], f["reason"]))
