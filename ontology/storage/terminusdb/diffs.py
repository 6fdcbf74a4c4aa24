"""Reading TerminusDB's diff between two commits as OMS document changes.

``POST /api/diff`` with two data versions answers one patch per document that differs
(``src/core/api/api_patch.pl``): ``{"@op": "Insert", "@insert": doc}``,
``{"@op": "Delete", "@delete": doc}``, or ``{"@id": id, field: {"@op": "SwapValue",
"@before": old, "@after": new}, ...}`` for a changed document. OMS bodies are single strings,
so a changed OMS document is one ``SwapValue`` of ``body``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ontology.storage.base import DocumentChange
from ontology.storage.terminusdb import layout

#: The stored body of a document (by OMS id) at the diff's "before" or "after" commit.
BodyLookup = Callable[[str], str | None]


def document_change(
    patch: dict[str, Any], before: BodyLookup, after: BodyLookup
) -> DocumentChange | None:
    """The OMS change one patch describes (None for other classes, like the stamp)."""
    if patch.get("@op") in ("Insert", "Delete"):
        inserted = patch["@op"] == "Insert"
        document = patch["@insert" if inserted else "@delete"]
        doc_id = layout.doc_id_of(str(document.get("@id", "")))
        if doc_id is None:
            return None
        body = layout.decode_body(document["body"])
        return DocumentChange(doc_id, None if inserted else body, body if inserted else None)
    doc_id = layout.doc_id_of(str(patch.get("@id", "")))
    if doc_id is None:
        return None
    swap = patch.get("body")
    if isinstance(swap, dict) and swap.get("@op") == "SwapValue":
        old, new = swap.get("@before"), swap.get("@after")
    else:  # a patch shape not described above: read both versions instead
        old, new = before(doc_id), after(doc_id)
    if old == new:
        return None
    return DocumentChange(
        doc_id,
        layout.decode_body(old) if old else None,
        layout.decode_body(new) if new else None,
    )
