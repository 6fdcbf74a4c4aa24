"""The API's JSON renderer: DRF's, able to write JSON texts that are already made.

A list page answers with the elements' canonical JSON as the store keeps it
(``Catalog.texts``): decoding fifty bodies to encode them again was half of what a page
cost. A view puts such a text in its data as :class:`RawJSON`; the encoder writes a marker
for it (a string no data can hold: it carries a nonce made for this response) and the
renderer swaps each marker for its text, escaped as DRF escapes the rest.
"""

from __future__ import annotations

import contextvars
import re
import secrets
from collections.abc import Mapping
from typing import Any

from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder


class RawJSON:
    """A JSON text to be written as it is (it must be valid JSON: the caller made it so)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


#: The texts of the response being rendered, and its nonce.
_raw: contextvars.ContextVar[tuple[list[str], str]] = contextvars.ContextVar("raw_json")
#: A marker as the encoder writes it (compiled once: a pattern per nonce cost more to compile
#: than the rest of a small response to render).
_MARKER = re.compile(rb'"\\u0000([0-9a-f]{16}):(\d+)\\u0000"')


class _Encoder(JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, RawJSON):
            texts, nonce = _raw.get()
            texts.append(o.text)
            return f"\0{nonce}:{len(texts) - 1}\0"
        return super().default(o)


class JSONRenderer(renderers.JSONRenderer):
    encoder_class = _Encoder

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        texts: list[str] = []
        nonce = secrets.token_hex(8)
        token = _raw.set((texts, nonce))
        try:
            rendered: bytes = super().render(data, accepted_media_type, renderer_context)
        finally:
            _raw.reset(token)
        if not texts:
            return rendered
        mine = nonce.encode()

        def swap(found: re.Match[bytes]) -> bytes:
            return _escaped(texts[int(found[2])]) if found[1] == mine else found[0]

        return _MARKER.sub(swap, rendered)


def _escaped(text: str) -> bytes:
    """A text as DRF's renderer leaves its output (U+2028 and U+2029 escaped for scripts)."""
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()
