"""Errors raised by every versioned store backend (see ``VersionedStore``)."""

from __future__ import annotations

from oms_project.exceptions import OMSError


class StoreError(OMSError):
    """Base of every store error."""

    status = 500
    code = "store_error"
    title = "Store error"


class InvalidName(StoreError):
    """A branch, tag or document id that breaks the naming rules."""

    status = 400
    code = "invalid_name"
    title = "Invalid name"


class InvalidChange(StoreError):
    """A change set that cannot be applied as given (bad document, duplicate id, empty)."""

    status = 400
    code = "invalid_change"
    title = "Invalid change"


class RefNotFound(StoreError):
    """No branch, tag or commit by that name or id."""

    status = 404
    code = "ref_not_found"
    title = "Ref not found"


class RefExists(StoreError):
    """A branch or tag by that name exists already."""

    status = 409
    code = "ref_exists"
    title = "Ref exists"


class DocumentNotFound(StoreError):
    """No document by that id at that ref."""

    status = 404
    code = "document_not_found"
    title = "Document not found"


class HeadMoved(StoreError):
    """The branch head is not the ``expected_head`` the caller built on."""

    status = 409
    code = "head_moved"
    title = "Branch head moved"
    retryable = True


class StoreUnavailable(StoreError):
    """The backend cannot be reached or answered with a server error."""

    status = 503
    code = "store_unavailable"
    title = "Store unavailable"
    retryable = True


class CorruptStore(StoreError):
    """Stored data failed an integrity check (hash mismatch, dangling reference)."""

    status = 500
    code = "store_corrupt"
    title = "Store corrupt"


class InvalidCursor(StoreError):
    """A log cursor that this store did not issue."""

    status = 400
    code = "invalid_cursor"
    title = "Invalid cursor"


class WriteRaced(StoreError):
    """The store committed a write on another head than the one it was planned on.

    Raised by a backend that can only detect this afterwards (TerminusDB re-runs a
    transaction on a newer head); the write is in the store, unannounced, until the history
    sweep finds it by its intent.
    """

    status = 409
    code = "write_raced"
    title = "Write raced"
