"""Element documents: server-assigned ids, content versions, preparing a validated body."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from ontology.kinds import KINDS
from ontology.storage.base import Document, canonical_json

#: Lists whose items carry their own stable id (so a rename is a rename).
ITEM_ID_LISTS = {"object-types": ("properties", "p"), "action-types": ("parameters", "pa")}


def new_id(prefix: str) -> str:
    """A fresh, never reused id."""
    return f"{prefix}-{uuid.uuid4().hex[:20]}"


def version(document: Document) -> str:
    """The content hash served as ``version`` and ``ETag``."""
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()[:24]


def prepare(kind: str, body: dict[str, Any], existing: Document | None = None) -> Document:
    """A storable document from a validated body: ids kept from ``existing`` or assigned.

    Items (properties, parameters) keep the id the client sent back; an item without one
    keeps the id of the existing item of the same apiName, or gets a new id.
    """
    document: Document = {
        "id": existing["id"] if existing else new_id(KINDS[kind].prefix),
        "kind": kind,
        **body,
    }
    if kind in ITEM_ID_LISTS:
        field, prefix = ITEM_ID_LISTS[kind]
        known = {item["apiName"]: item["id"] for item in (existing or {}).get(field, [])}
        document[field] = [
            {"id": item.get("id") or known.get(item["apiName"]) or new_id(prefix), **item}
            for item in document.get(field, [])
        ]
    return document


def with_version(document: Document) -> Document:
    """The document as served: with its ``version``."""
    return {**document, "version": version(document)}
