"""A serializer's validation, compiled into plain functions for the inputs that pass it.

DRF validates a field through half a dozen method calls, which made schema validation the
largest cost of a write (2.6 ms for an object type of 20 properties, issue 10). The function
:func:`compiled` builds from a serializer answers what its ``run_validation`` answers whenever
the input is valid and needs no coercion: a string where a string is expected, a choice
spelled as declared, ``true``/``false`` for a boolean, a list for a list. On anything else (an
error, a value DRF would coerce or trim, a field type not modelled here) it raises
:class:`Unsure` and the caller runs DRF itself, which gives the value or the errors with their
paths. The fields' own validators and ``validate`` methods run as DRF runs them, and field
types not modelled here validate themselves, so the answer is DRF's by construction;
``tests/test_compiled.py`` compares the two on generated documents.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import MaxLengthValidator, MinLengthValidator, RegexValidator
from rest_framework import fields, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.fields import SkipField, empty
from rest_framework.utils import html

from oms_project.serializers import StrictCharField, StrictSerializer, faster

Validate = Callable[[Any], Any]  # a primitive value (or ``empty``) -> its internal value


class Unsure(Exception):
    """The compiled validation cannot vouch for this input: run DRF's."""


def compiled(serializer: serializers.Serializer) -> Validate:
    """``serializer.run_validation`` for inputs that pass it unchanged; :class:`Unsure`
    for every other input."""
    validate = serializer.run_validation if serializer.partial else _field(serializer)

    def run(data: Any) -> Any:
        if html.is_html_input(data):
            raise Unsure  # a form or query string: DRF reads those its own way
        try:
            return validate(data)
        except (ValidationError, DjangoValidationError, SkipField) as exc:
            raise Unsure from exc

    return run


def _field(field: fields.Field) -> Validate:
    """``field.run_validation``, modelled for the field types that carry ontologies."""
    if field.source == "*":
        convert = None
    elif type(field) is fields.ListField:
        convert = _list(field)
    elif isinstance(field, serializers.Serializer) and not field.validators:
        convert = _mapping(field)
    elif type(field) is fields.ChoiceField:
        convert = _choice(field)
    elif type(field) is fields.BooleanField:
        convert = _boolean
    elif isinstance(field, fields.CharField) and _plain_string(field):
        return _string(field)
    else:
        convert = None
    return field.run_validation if convert is None else _checked(field, convert)


def _checked(field: fields.Field, convert: Validate) -> Validate:
    """``Field.run_validation`` around ``convert``: missing, null, validators, ``validate``."""
    required, allow_null, default = field.required, field.allow_null, field.default
    validators = _validators(field)
    after = field.validate if isinstance(field, serializers.Serializer) else None

    def validate(data: Any) -> Any:
        if data is empty:
            return _missing(required, default)
        if data is None:
            if not allow_null:
                raise Unsure
            return None
        value = convert(data)
        for validator in validators:
            validator(value)
        if after is not None:
            value = after(value)
        return value

    return validate


def _missing(required: bool, default: Any) -> Any:
    """``validate_empty_values`` and ``get_default`` for an absent member."""
    if required:
        raise Unsure
    if default is empty:
        raise SkipField
    if callable(default):
        if getattr(default, "requires_context", False):
            raise Unsure
        return default()
    return default


def _validators(field: fields.Field) -> list[Callable[[Any], Any]]:
    return [_validator(field, v) for v in field.validators]


def _validator(field: fields.Field, validator: Any) -> Callable[[Any], Any]:
    """The validator, as a plain test where it is one of Django's simple ones."""
    kind, limit = type(validator), getattr(validator, "limit_value", None)
    if kind is MaxLengthValidator and isinstance(limit, int):
        return lambda value: _unsure(value) if len(value) > limit else None
    if kind is MinLengthValidator and isinstance(limit, int):
        return lambda value: _unsure(value) if len(value) < limit else None
    if kind is RegexValidator and not validator.inverse_match:
        search = validator.regex.search
        return lambda value: None if search(str(value)) else _unsure(value)
    if getattr(validator, "requires_context", False):
        return lambda value: validator(value, field)
    return faster(validator)


def _mapping(serializer: serializers.Serializer) -> Validate:
    """``Serializer.to_internal_value``: each writable field in turn; a strict serializer's
    unknown members are not vouched for."""
    writable = [f for f in serializer.fields.values() if not f.read_only]
    if any(f.source_attrs != [f.field_name] for f in writable):
        return _unsure  # a field stored under another name: DRF's business
    steps = [
        (str(f.field_name), _field(f), getattr(serializer, f"validate_{f.field_name}", None))
        for f in writable
    ]
    strict = isinstance(serializer, StrictSerializer)
    ignored = serializer.ignored if isinstance(serializer, StrictSerializer) else frozenset()
    known = {name for name, _, _ in steps} | ignored

    def convert(data: Any) -> dict[str, Any]:
        if not isinstance(data, Mapping) or (strict and not known.issuperset(data)):
            raise Unsure
        result: dict[str, Any] = {}
        for name, validate, method in steps:
            try:
                value = validate(data.get(name, empty))
            except SkipField:
                continue
            result[name] = value if method is None else method(value)
        return result

    return convert


def _list(field: fields.ListField) -> Validate:
    child = _field(field.child)
    allow_empty = field.allow_empty

    def convert(data: Any) -> list[Any]:
        if type(data) is not list or (not allow_empty and not data):
            raise Unsure
        return [child(item) for item in data]

    return convert


def _choice(field: fields.ChoiceField) -> Validate:
    choices = dict(field.choice_strings_to_values)

    def convert(data: Any) -> Any:
        if type(data) is not str or data not in choices:
            raise Unsure
        return choices[data]

    return convert


def _boolean(data: Any) -> bool:
    if data is not True and data is not False:
        raise Unsure
    return bool(data)


def _unsure(data: Any) -> Any:
    raise Unsure


def _plain_string(field: fields.CharField) -> bool:
    """A string field that DRF validates as ``CharField`` does (its validators aside)."""
    kind = type(field)
    return kind.run_validation is fields.CharField.run_validation and kind.to_internal_value in (
        fields.CharField.to_internal_value,
        StrictCharField.to_internal_value,
    )


def _string(field: fields.CharField) -> Validate:
    """``CharField.run_validation`` for a string it keeps as it is (no trim, no coercion)."""
    required, allow_null, default = field.required, field.allow_null, field.default
    allow_blank = field.allow_blank
    validators = _validators(field)

    def validate(data: Any) -> Any:
        if type(data) is str:
            if not data:
                if not allow_blank:
                    raise Unsure
                return ""  # DRF returns a blank string before its validators
            if data[0].isspace() or data[-1].isspace():
                raise Unsure  # DRF trims it (or finds it blank)
            for validator in validators:
                validator(data)
            return data
        if data is empty:
            return _missing(required, default)
        if data is None and allow_null:
            return None
        raise Unsure  # a number DRF would turn into a string, or a wrong type

    return validate
