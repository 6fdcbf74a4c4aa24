"""One list shape for every collection of the API, paged by an opaque cursor.

Every list answers ``{"count", "next", "results"}`` (plus what the list itself adds, such as
the commit an element page was read at): ``results`` is the page, ``next`` the cursor of the
next page (``null`` on the last) and ``count`` how many items match, or ``null`` where counting
would cost a scan of the whole collection (the commit log, audit events). A cursor is the
sort key of the last item, base64url-encoded JSON: clients pass it back unread as ``?cursor=``.
Time-ordered collections come newest first.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from rest_framework import serializers

from ontology.storage.exceptions import InvalidCursor

DEFAULT_LIMIT = 50
MAX_LIMIT = settings.OMS_MAX_PAGE_SIZE


class PageQuerySerializer(serializers.Serializer):
    """The query of every list: where to start and how many."""

    cursor = serializers.CharField(
        required=False, max_length=400, help_text="The ``next`` of the previous page."
    )
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT,
        help_text="Items per page.",
    )  # fmt: skip


def filters_of(params: dict[str, Any]) -> dict[str, Any]:
    """A list query without its page (``cursor``, ``limit``) and without unset filters."""
    return {k: v for k, v in params.items() if k not in ("cursor", "limit") and v is not None}


@dataclass(frozen=True)
class Page:
    """One page of a collection."""

    results: list[Any]
    next: str | None
    count: int | None = None


def encode_cursor(key: Any) -> str:
    """An opaque cursor for a sort key (a string, a number or a list of them)."""
    raw = json.dumps(key, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> Any:
    """The sort key of a cursor :func:`encode_cursor` issued (``InvalidCursor``, a 400, for
    anything else)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.b64decode(padded, altchars=b"-_", validate=True))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidCursor(f"Cursor {cursor!r} is not one this API issued.") from None


def cursor_key(cursor: str, kind: type) -> Any:
    """The sort key of a cursor, which must be of ``kind`` (``str`` or ``int``)."""
    key = decode_cursor(cursor)
    if not isinstance(key, kind) or isinstance(key, bool):
        raise InvalidCursor(f"Cursor {cursor!r} is not one this list issued.")
    return key


def page_of_queryset(
    queryset: QuerySet[Any], *, key: str, cursor: str | None = None,
    limit: int = DEFAULT_LIMIT, newest_first: bool = True, count: bool = True,
) -> Page:  # fmt: skip
    """A keyset page of a queryset ordered by the unique integer field ``key``."""
    if cursor:
        after = cursor_key(cursor, int)
        queryset = queryset.filter(**{f"{key}__{'lt' if newest_first else 'gt'}": after})
    total = queryset.count() if count and not cursor else None
    ordered = queryset.order_by(f"-{key}" if newest_first else key)
    rows = list(ordered[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(getattr(rows[-1], key)) if more else None, total)


def page_of_sorted(
    items: Iterable[Any], *, key: Callable[[Any], Any], cursor: str | None = None,
    limit: int = DEFAULT_LIMIT, newest_first: bool = False,
) -> Page:  # fmt: skip
    """A page of items sorted by ``key`` (unique; descending when ``newest_first``), with
    their count."""
    everything = sorted(items, key=key, reverse=newest_first)
    start = _position(everything, key, cursor, newest_first) if cursor else 0
    page = everything[start : start + limit]
    more = start + limit < len(everything)
    return Page(page, encode_cursor(_json_key(key(page[-1]))) if more else None, len(everything))


def _position(
    everything: list[Any], key: Callable[[Any], Any], cursor: str, newest_first: bool
) -> int:
    """Where the page after the cursor's key starts (past every item that sorts before it)."""
    after = decode_cursor(cursor)
    past = (lambda k: k < after) if newest_first else (lambda k: k > after)
    try:
        return next(
            (i for i, item in enumerate(everything) if past(_json_key(key(item)))),
            len(everything),
        )
    except TypeError:  # a key of another shape: not a cursor of this list
        raise InvalidCursor(f"Cursor {cursor!r} is not one this list issued.") from None


def _json_key(key: Any) -> Any:
    """A key as JSON gives it back (tuples become lists), so the two compare."""
    return list(key) if isinstance(key, tuple) else key


def envelope(
    results: Any, *, next: str | None, count: int | None = None, **extra: Any
) -> dict[str, Any]:
    """The body of a list response: serialized ``results`` and what the list adds."""
    return {"count": count, "next": next, "results": results, **extra}


def page_serializer(
    name: str, item: serializers.BaseSerializer, **extra: serializers.Field
) -> type[serializers.Serializer]:
    """The OpenAPI component of a list response (``name``), for ``@extend_schema``."""
    fields: dict[str, Any] = {
        "count": serializers.IntegerField(
            allow_null=True, help_text="How many items match (null where counting is not cheap)."
        ),
        "next": serializers.CharField(
            allow_null=True, help_text="Cursor of the next page (null on the last)."
        ),
        "results": item,
        **extra,
    }
    return type(name, (serializers.Serializer,), fields)
