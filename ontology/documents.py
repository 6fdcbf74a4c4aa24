"""Element documents: server-assigned ids, content versions, preparing a validated body."""

from __future__ import annotations

import hashlib
import threading
import uuid
from typing import Any

from rest_framework.exceptions import ValidationError

from oms_project.compiled import Unsure, Validate, compiled
from oms_project.problems import flatten_drf_errors
from ontology.exceptions import InvalidElement
from ontology.kinds import KINDS
from ontology.serializers import ElementSerializer
from ontology.storage.base import Document, canonical_json

#: Lists whose items carry their own stable id (so a rename is a rename).
ITEM_ID_LISTS = {"object-types": ("properties", "p"), "action-types": ("parameters", "pa")}


def new_id(prefix: str) -> str:
    """A fresh, never reused id."""
    return f"{prefix}-{uuid.uuid4().hex[:20]}"


def version(document: Document) -> str:
    """The content hash served as ``version`` and ``ETag``."""
    return version_of_text(canonical_json(document))


def version_of_text(text: str) -> str:
    """:func:`version` of the document whose canonical JSON is ``text``."""
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def prepare(kind: str, body: dict[str, Any], existing: Document | None = None) -> Document:
    """A storable document from a validated body: ids kept from ``existing`` or assigned.

    Items (properties, parameters) keep the id the client sent back; an item without one
    keeps the id of the existing item imported from the same IRI (``originIri``), else of the
    one of the same apiName, or gets a new id.
    """
    document: Document = {
        "id": existing["id"] if existing else new_id(KINDS[kind].prefix),
        "kind": kind,
        **body,
    }
    if kind in ITEM_ID_LISTS:
        field, prefix = ITEM_ID_LISTS[kind]
        items = (existing or {}).get(field, [])
        known = {item["apiName"]: item["id"] for item in items}
        known.update({f"<{i['originIri']}>": i["id"] for i in items if i.get("originIri")})
        document[field] = [
            {
                "id": item.get("id")
                or known.get(f"<{item.get('originIri')}>")
                or known.get(item["apiName"])
                or new_id(prefix),
                **item,
            }
            for item in document.get(field, [])
        ]
    return document


def validated_body(kind: str, body: Any, path: str = "$") -> dict[str, Any]:
    """A client's body checked against its kind's schema (``InvalidElement`` with paths)."""
    if not isinstance(body, dict):
        raise InvalidElement(
            "The document must be a JSON object.",
            errors=[{"path": path, "code": "invalid", "message": "Expected an object."}],
        )
    serializer, fast = _validation(kind)
    try:
        return dict(fast(body))
    except Unsure:
        pass  # an error, or a value DRF would coerce: DRF answers
    try:
        return dict(serializer.run_validation(body))
    except ValidationError as exc:
        errors = flatten_drf_errors(exc.detail, path)
        raise InvalidElement(f"The {KINDS[kind].label} is invalid.", errors=errors) from None


_local = threading.local()


def _validation(kind: str) -> tuple[ElementSerializer, Validate]:
    """One schema serializer per kind and thread, reused with its compiled validation:
    building one deep-copies every field of the kind, which cost more than validating a
    20-property object type. ``run_validation`` keeps no state on the instance (it is what
    ``is_valid`` calls)."""
    cached: dict[str, tuple[ElementSerializer, Validate]] | None = getattr(
        _local, "validation", None
    )
    if cached is None:
        cached = _local.validation = {}
    if kind not in cached:
        serializer = KINDS[kind].serializer()
        cached[kind] = (serializer, compiled(serializer))
    return cached[kind]


def normalized(document: Document) -> Document:
    """A document about to be stored, as its kind's schema has it (ids and kind kept).

    Whatever produced it (a client, a merge resolution, an import, a migration), a
    document that does not pass its schema raises ``InvalidElement`` with paths.
    """
    kind = document.get("kind")
    if kind not in KINDS or not isinstance(document.get("id"), str):
        raise InvalidElement(
            "Not an element document.",
            errors=[{"path": "$.kind", "code": "invalid", "message": f"Unknown kind {kind!r}."}],
        )
    body = validated_body(kind, document)
    return prepare(kind, body, document)


def with_version(document: Document) -> Document:
    """The document as served: with its ``version``."""
    return {**document, "version": version(document)}


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: objects merge, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
