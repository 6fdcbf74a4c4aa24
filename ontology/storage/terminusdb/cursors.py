"""Log cursors: the commits a log page stops at, as an opaque URL-safe string."""

from __future__ import annotations

import base64
import binascii
import re

from ontology.storage.exceptions import InvalidCursor


def encode(commit_ids: list[str]) -> str:
    """The cursor that continues from ``commit_ids``."""
    return base64.urlsafe_b64encode(",".join(commit_ids).encode()).decode().rstrip("=")


def decode(cursor: str, commit_id_re: re.Pattern[str]) -> list[str]:
    """The commit ids of a cursor this store issued; ``InvalidCursor`` for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise invalid(cursor) from None
    ids = raw.split(",")
    if not all(commit_id_re.match(commit_id) for commit_id in ids):
        raise invalid(cursor)
    return ids


def invalid(cursor: object) -> InvalidCursor:
    """The error for a cursor this store did not issue (or that names unknown commits)."""
    return InvalidCursor(f"Cursor {cursor!r} is not one this store issued.")
