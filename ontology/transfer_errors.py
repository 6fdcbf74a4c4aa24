"""Errors of importing and exporting a whole branch, rendered as problem details."""

from __future__ import annotations

from oms_project.errors import OMSError


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
