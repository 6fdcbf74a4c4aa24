"""Serializer bases shared by every app's API."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.validators import ProhibitSurrogateCharactersValidator


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not declare, naming each one, instead of ignoring them.

    Unknown fields are reported together with every other error of the object; those named in
    ``ignored`` (members a client may echo back) are dropped unread.
    """

    ignored: frozenset[str] = frozenset()

    def to_internal_value(self, data: Any) -> Any:
        unknown: dict[str, list[ErrorDetail]] = {}
        if isinstance(data, Mapping):
            data = {k: v for k, v in data.items() if k not in self.ignored}
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = {
                name: [ErrorDetail("Unknown field.", code="unknown_field")]
                for name in sorted(set(data) - writable)
            }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **unknown}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


SURROGATE = re.compile("[\ud800-\udfff]")
#: Characters no text of the ontology may hold: control characters (tab, line feed and
#: carriage return aside), bidi overrides and isolates (they make text read otherwise than it
#: is stored: "Trojan Source"), and invisible zero-width spaces and joiners of words. The
#: zero-width (non-)joiners U+200C and U+200D stay: Persian, Indic scripts and emoji need them.
UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u2069\ufeff]"
)


class NoSurrogates(ProhibitSurrogateCharactersValidator):
    """DRF's surrogate check (one regular expression instead of a Python loop over every
    character: it was a tenth of the time of validating a large element), and the
    characters of :data:`UNSAFE`."""

    def __call__(self, value: Any) -> None:
        text = str(value)
        found = SURROGATE.search(text)
        if found is not None:
            message = self.message.format(code_point=ord(found.group()))
            raise serializers.ValidationError(message, code=self.code)
        unsafe = unsafe_character(text)
        if unsafe is not None:
            raise serializers.ValidationError(unsafe, code="unsafe_character")


def unsafe_character(text: str) -> str | None:
    """Which :data:`UNSAFE` character ``text`` holds, in words, or None."""
    found = UNSAFE.search(text)
    if found is None:
        return None
    return f"U+{ord(found.group()):04X} (a control, bidi or zero-width character) is not allowed."


#: Lines the service itself writes into commit messages (a merge's waivers, TerminusDB's merge
#: parent): input that contains one could pass for the service's record.
SERVICE_LINES = re.compile(r"^\s*(Waived OMS-C\d{3}\b|OMS-[A-Za-z-]+:)", re.MULTILINE)


def message_problem(text: str) -> str | None:
    """Why ``text`` cannot be a commit message, or None."""
    unsafe = unsafe_character(text)
    if unsafe is not None:
        return unsafe
    forged = SERVICE_LINES.search(text)
    if forged is not None:
        return f"A line may not start with {forged.group(1)!r}: the service writes those."
    return None


def fast_surrogate_check(field: serializers.CharField) -> None:
    """Swap DRF's surrogate validator of a string field for :class:`NoSurrogates`."""
    field.validators = [faster(v) for v in field.validators]


def faster(validator: Any) -> Any:
    """The validator, or :class:`NoSurrogates` for DRF's surrogate check (the same answer)."""
    return NoSurrogates() if type(validator) is ProhibitSurrogateCharactersValidator else validator


class StrictCharField(serializers.CharField):
    """A string field that refuses numbers instead of turning them into strings."""

    default_error_messages = {"not_a_string": "Expected a string."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        fast_surrogate_check(self)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class MessageField(StrictCharField):
    """A commit message: clean text that cannot pass for a line the service writes."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        problem = message_problem(value)
        if problem:
            raise serializers.ValidationError(problem, code="invalid_message")
        return value
