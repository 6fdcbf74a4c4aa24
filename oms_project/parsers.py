"""Request bodies: every body is counted against ``OMS_MAX_BODY_BYTES`` as it is read (before
anything parses it), decoded in the charset it declares only when that is a text encoding,
and JSON is bounded in depth. Each refusal is a problem: 413 too large, 415 a charset that
is not a text encoding, 400 undecodable text, malformed or too deeply nested JSON."""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import parsers
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.parsers import get_encoding  # type: ignore[attr-defined]  # stubs 3.18.1 lack it


def text_encoding(name: str) -> bool:
    """Whether ``name`` is a codec that decodes bytes to text (not bz2, base64, rot13 ...)."""
    try:
        return bool(codecs.lookup(name)._is_text_encoding)
    except LookupError:
        return False


def body_text(stream: IO[bytes] | None, parser_context: Mapping[str, Any] | None) -> str:
    """The body as text, at most ``OMS_MAX_BODY_BYTES`` read (413 past that)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    raw = stream.read(limit + 1) if stream is not None else b""
    if len(raw) > limit:
        raise RequestDataTooBig(f"The body is larger than {limit} bytes (OMS_MAX_BODY_BYTES).")
    encoding = get_encoding(parser_context or {})
    if not text_encoding(encoding):
        raise UnsupportedMediaType(f"charset={encoding}", detail=f"charset={encoding!r} is not "
                                   "a text encoding: send UTF-8.")  # fmt: skip
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ParseError(f"The body is not {encoding}: {exc}.") from None


def _constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def json_depth(value: Any) -> int:
    """How deeply ``value`` nests arrays and objects (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        )
        if children is None:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the body limit, strict charsets and a depth limit."""

    def parse(
        self, stream: IO[Any], media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:  # fmt: skip
        text = body_text(stream, parser_context)
        limit = settings.OMS_MAX_JSON_DEPTH
        try:
            data = json.loads(text, parse_constant=_constant)
        except RecursionError:
            raise ParseError(f"JSON nested deeper than {limit} levels.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if json_depth(data) > limit:
            raise ParseError(f"JSON nested deeper than {limit} levels (OMS_MAX_JSON_DEPTH).")
        return data
