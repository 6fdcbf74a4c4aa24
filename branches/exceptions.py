"""Errors of branch operations."""

from __future__ import annotations

from typing import Any

from oms_project.exceptions import OMSError
from ontology.compatibility import Report, finding_dict


class BranchProtected(OMSError):
    """The branch is protected against this operation."""

    status = 423
    code = "branch_protected"
    title = "Branch protected"


class MergeConflict(OMSError):
    """Both sides changed the same places; ``conflicts`` lists them with all three values."""

    status = 409
    code = "merge_conflict"
    title = "Merge conflict"


class InvalidResolution(OMSError):
    """A resolution names no conflict of this merge, or is not source/target/value."""

    status = 400
    code = "invalid_resolution"
    title = "Invalid resolution"


class NothingToMerge(OMSError):
    """The target already contains everything the source would bring."""

    status = 409
    code = "nothing_to_merge"
    title = "Nothing to merge"


class UnrelatedHistories(OMSError):
    """The two refs share no commit."""

    status = 409
    code = "unrelated_histories"
    title = "Unrelated histories"


class ProposalNotOpen(OMSError):
    """The proposal is merged or closed."""

    status = 409
    code = "proposal_not_open"
    title = "Proposal not open"


class NotMergeable(OMSError):
    """A merge gate check failed; ``checks`` lists every check and its outcome."""

    status = 409
    code = "not_mergeable"
    title = "Proposal not mergeable"


class ReviewRefused(OMSError):
    """The reviewer may not give this verdict (own proposal, or no approve scope)."""

    status = 403
    code = "review_refused"
    title = "Review refused"


class TooManyCommits(OMSError):
    """A merge brings more commits than the four-eyes check walks; squash or split it."""

    status = 409
    code = "too_many_commits"
    title = "Too many commits"


class CompatibilityFailed(OMSError):
    """The change brings findings the compatibility mode forbids; ``findings`` lists each
    (with the rule, the mode and the direction it breaks) and ``coverage`` what was examined."""

    status = 409
    code = "compatibility_failed"
    title = "Compatibility check failed"

    @classmethod
    def of(cls, report: Report, **extra: Any) -> CompatibilityFailed:
        blocking = [f for f in report.findings if f.blocking]
        return cls(
            f"{len(blocking)} change(s) break what the compatibility mode protects.",
            errors=[{
                "path": f.change.path, "code": f.change.rule,
                "element": f"{f.change.kind}/{f.change.api_name}",
                "message": f"{f.change.type} breaks {' and '.join(sorted(f.breaks))} "
                           f"compatibility ({f.mode}, against {f.against}).",
            } for f in blocking],
            findings=[finding_dict(f) for f in report.findings], coverage=report.coverage,
            **extra,
        )  # fmt: skip
