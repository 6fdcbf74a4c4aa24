"""Errors of the ontology app (element reads and writes, diffs, imports and exports),
rendered as problem details."""

from __future__ import annotations

from oms_project.exceptions import OMSError


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


# -- import and export of a whole branch -------------------------------------------------


class InvalidBundle(OMSError):
    """The JSON bundle is malformed; ``errors`` has a JSON path per problem."""

    status = 400
    code = "invalid_bundle"
    title = "Invalid bundle"


class InvalidTurtle(OMSError):
    """The Turtle text does not parse; ``errors`` says where."""

    status = 400
    code = "invalid_turtle"
    title = "Invalid Turtle"


class ImportConflict(OMSError):
    """The import cannot be matched to the branch (an id names an element of another kind)."""

    status = 409
    code = "import_conflict"
    title = "Import conflict"


class NoMergeBase(OMSError):
    """The two refs share no commit, so there is no merge base to diff from."""

    status = 409
    code = "unrelated_histories"
    title = "Unrelated histories"
