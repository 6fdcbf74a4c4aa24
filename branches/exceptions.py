"""Errors of branch operations."""

from __future__ import annotations

from oms_project.errors import OMSError


class BranchProtected(OMSError):
    """The branch is protected against this operation."""

    status = 423
    code = "branch_protected"
    title = "Branch protected"
