"""Errors of the action service (rendered as problem details, oms_project.problems)."""

from __future__ import annotations

from typing import Any

from oms_project.exceptions import OMSError


class ActionInvalid(OMSError):
    """The submission does not pass its action type's checks; ``errors`` lists every problem."""

    status = 400
    code = "action_invalid"
    title = "Invalid action submission"

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(problems)} problem(s) with this submission.", errors=problems)


class SubmissionNotAllowed(OMSError):
    """The action type names the roles that may submit it, and the caller has none of them."""

    status = 403
    code = "submission_not_allowed"
    title = "Submission not allowed"


class IdempotencyConflict(OMSError):
    """An Idempotency-Key reused for a different submission."""

    status = 409
    code = "idempotency_conflict"
    title = "Idempotency key reused"


class IdempotencyKeyMissing(OMSError):
    """A submission without an ``Idempotency-Key``."""

    status = 400
    code = "idempotency_key_missing"
    title = "Idempotency key missing"
