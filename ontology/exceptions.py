"""Errors of element writes and reads, rendered as problem details."""

from __future__ import annotations

from oms_project.errors import OMSError


class ElementNotFound(OMSError):
    """No element of that kind and apiName on that ref."""

    status = 404
    code = "element_not_found"
    title = "Element not found"


class ElementExists(OMSError):
    """An element of that kind already has that apiName."""

    status = 409
    code = "element_exists"
    title = "Element exists"


class ElementReferenced(OMSError):
    """The element cannot be deleted: others refer to it (listed in ``referrers``)."""

    status = 409
    code = "element_referenced"
    title = "Element is referenced"


class VersionMismatch(OMSError):
    """``If-Match`` names a version the element no longer has."""

    status = 412
    code = "version_mismatch"
    title = "Precondition failed"


class InvalidElement(OMSError):
    """The document's own shape is wrong (fields, types, patterns); ``errors`` has paths."""

    status = 400
    code = "invalid_element"
    title = "Invalid element"


class IntegrityFailed(OMSError):
    """The write would leave the ontology inconsistent; ``errors`` lists every problem."""

    status = 422
    code = "integrity_failed"
    title = "Integrity check failed"


class InvalidAt(OMSError):
    """``at`` is neither a commit id, a tag nor an ISO-8601 time."""

    status = 400
    code = "invalid_at"
    title = "Invalid at"
