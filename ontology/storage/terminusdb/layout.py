"""How OMS data is laid out in a TerminusDB database: classes, ids, branch names, bodies.

* An OMS document is one ``OmsDocument`` in the instance graph, ``@id``
  ``OmsDocument/<percent-encoded OMS id>``, with the OMS id in ``oms_id`` and the whole JSON
  object in ``body`` as canonical JSON text (sorted keys, ASCII only). A string survives any
  server: no float, integer, null or key-order rewriting can happen to it, and two equal
  documents always have equal bodies, so "unchanged" means "same text".
* Every OMS commit also rewrites the ``OmsStamp/head`` singleton with a fresh nonce, so the
  server makes a commit even when every put equals the current document.
* Tags and branch metadata (creator, creation time) are ``OmsTag`` and ``OmsBranchInfo``
  documents on the internal branch ``_oms_refs``: TerminusDB has no tags, and its branches
  record no creator.
* OMS branch ``a/b_c`` is TerminusDB branch ``a_2fb_5fc``: a ``/`` would split the resource
  path, so ``_`` is the escape character (``_2f`` for ``/``, ``_5f`` for ``_``). Encoded names
  start with a letter, as OMS names do, so they never meet ``_oms_refs``.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

from ontology.storage.base import Document

DOCUMENT_CLASS = "OmsDocument"
STAMP_CLASS = "OmsStamp"
TAG_CLASS = "OmsTag"
BRANCH_INFO_CLASS = "OmsBranchInfo"
STAMP_ID = f"{STAMP_CLASS}/head"
REFS_BRANCH = "_oms_refs"
DEFAULT_BRANCH = "main"

SCHEMA: list[dict[str, Any]] = [
    {
        "@id": DOCUMENT_CLASS,
        "@type": "Class",
        "@documentation": {"@comment": "An OMS document; body is its canonical JSON text."},
        "oms_id": "xsd:string",
        "body": "xsd:string",
    },
    {
        "@id": STAMP_CLASS,
        "@type": "Class",
        "@documentation": {"@comment": "Rewritten by every OMS commit so that it changes."},
        "nonce": "xsd:string",
    },
    {
        "@id": TAG_CLASS,
        "@type": "Class",
        "@documentation": {"@comment": "An immutable OMS tag (lives on _oms_refs)."},
        "name": "xsd:string",
        "commit": "xsd:string",
        "created_by": "xsd:string",
        "created_at": "xsd:dateTime",
    },
    {
        "@id": BRANCH_INFO_CLASS,
        "@type": "Class",
        "@documentation": {"@comment": "Who created an OMS branch and when (on _oms_refs)."},
        "name": "xsd:string",
        "created_by": "xsd:string",
        "created_at": "xsd:dateTime",
    },
]

_ESCAPED_BRANCH_RE = re.compile(r"_(2f|5f)")


def encode_branch(name: str) -> str:
    """The TerminusDB branch name of OMS branch ``name``."""
    return name.replace("_", "_5f").replace("/", "_2f")


def decode_branch(name: str) -> str:
    """The OMS branch name of TerminusDB branch ``name``."""
    return _ESCAPED_BRANCH_RE.sub(lambda m: "/" if m.group(1) == "2f" else "_", name)


def document_iri(doc_id: str) -> str:
    """The TerminusDB ``@id`` of OMS document ``doc_id`` (``:`` would read as a prefix)."""
    return f"{DOCUMENT_CLASS}/{quote(doc_id, safe='')}"


def tag_iri(name: str) -> str:
    """The ``@id`` of the ``OmsTag`` of tag ``name``."""
    return f"{TAG_CLASS}/{quote(name, safe='')}"


def branch_info_iri(name: str) -> str:
    """The ``@id`` of the ``OmsBranchInfo`` of branch ``name``."""
    return f"{BRANCH_INFO_CLASS}/{quote(name, safe='')}"


def doc_id_of(iri: str) -> str | None:
    """The OMS id an ``OmsDocument`` ``@id`` names (None for other classes)."""
    # The server may answer the full IRI (terminusdb:///data/OmsDocument/...) or the short one.
    base, sep, encoded = iri.rpartition(f"{DOCUMENT_CLASS}/")
    if not sep or (base and not base.endswith("/")) or "/" in encoded:
        return None
    return unquote(encoded)


def encode_body(document: Document) -> str:
    """The one text a document is stored as."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )


def decode_body(body: str) -> Document:
    """The document a stored body holds (a new object on every call)."""
    return json.loads(body)


def to_terminus(document: Document) -> dict[str, Any]:
    """The ``OmsDocument`` that stores an OMS document."""
    doc_id = document["id"]
    return {
        "@type": DOCUMENT_CLASS,
        "@id": document_iri(doc_id),
        "oms_id": doc_id,
        "body": encode_body(document),
    }


def stamp(nonce: str) -> dict[str, Any]:
    """The ``OmsStamp`` every OMS commit writes."""
    return {"@type": STAMP_CLASS, "@id": STAMP_ID, "nonce": nonce}


def tag_document(name: str, commit_id: str, author: str, at: datetime) -> dict[str, Any]:
    """The ``OmsTag`` that records tag ``name``."""
    return {
        "@type": TAG_CLASS,
        "@id": tag_iri(name),
        "name": name,
        "commit": commit_id,
        "created_by": author,
        "created_at": format_time(at),
    }


def branch_info_document(name: str, author: str, at: datetime) -> dict[str, Any]:
    """The ``OmsBranchInfo`` that records who created branch ``name`` and when."""
    return {
        "@type": BRANCH_INFO_CLASS,
        "@id": branch_info_iri(name),
        "name": name,
        "created_by": author,
        "created_at": format_time(at),
    }


def format_time(at: datetime) -> str:
    """An ``xsd:dateTime`` in UTC."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    """An ``xsd:dateTime`` as an aware datetime (UTC when the text carries no zone)."""
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)
