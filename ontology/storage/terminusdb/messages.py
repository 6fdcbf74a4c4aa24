"""The second parent of a merge commit, kept as a trailer of the TerminusDB commit message.

TerminusDB commits have one parent. The commit :meth:`TerminusDBStore.commit` makes for a merge
ends its message with a blank line and ``OMS-Merge-Parent: <commit id>``; the log endpoint
returns messages, so one log request gives every commit's parents. A message that would
itself end like a trailer gets ``OMS-Merge-Parent: none`` appended, so decoding strips exactly
what encoding added.
"""

from __future__ import annotations

import re

TRAILER = "OMS-Merge-Parent"
NO_PARENT = "none"
_TRAILER_RE = re.compile(rf"\n\n{TRAILER}: ([a-z0-9]+)\Z")


def encode_message(message: str, merge_parent: str | None) -> str:
    """The TerminusDB commit message for an OMS commit."""
    if merge_parent is not None:
        return f"{message}\n\n{TRAILER}: {merge_parent}"
    if _TRAILER_RE.search(message):
        return f"{message}\n\n{TRAILER}: {NO_PARENT}"
    return message


def decode_message(text: str) -> tuple[str, str | None]:
    """The OMS message and the merge parent (None if none) of a TerminusDB commit message."""
    match = _TRAILER_RE.search(text)
    if match is None:
        return text, None
    parent = match.group(1)
    return text[: match.start()], None if parent == NO_PARENT else parent
