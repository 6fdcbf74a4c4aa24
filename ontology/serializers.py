"""The shape of every element kind, as DRF serializers (request validation and OpenAPI).

These check one document on its own: fields, types, naming patterns, enums. Everything that
needs the rest of the ontology (references, uniqueness, type agreement) is in
``ontology.integrity``. Unknown fields are refused with their paths (``StrictSerializer``);
``id``, ``kind`` and ``version`` are read-only and ignored when a client sends them back.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from integrations import webhooks
from oms_project.compiled import Unsure, compiled
from oms_project.serializers import StrictCharField as Char
from oms_project.serializers import StrictSerializer, fast_surrogate_check
from ontology.datatypes import data_type_errors

PASCAL = re.compile(r"^[A-Z][A-Za-z0-9]{0,99}$")
CAMEL = re.compile(r"^[a-z][A-Za-z0-9]{0,99}$")
LOCAL_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
STATUSES = ["experimental", "active", "deprecated", "example"]
MAX_ITEMS = settings.OMS_MAX_ITEMS  # properties, parameters, rules ... per element
TOO_MANY: dict[str, Any] = {"max_length": f"At most {MAX_ITEMS} items (OMS_MAX_ITEMS)."}

# Fields named like a Field attribute (``required``, ``source``) carry
# ``# type: ignore[assignment]``: DRF's metaclass pops declared fields off the class, but the
# stubs read them as overriding the attribute (typeddjango/djangorestframework-stubs#158).


def api_name_field(pattern: re.Pattern[str], what: str, **kwargs: Any) -> serializers.RegexField:
    style = "PascalCase" if pattern is PASCAL else "camelCase"
    field = serializers.RegexField(
        pattern,
        max_length=100,
        error_messages={"invalid": f"{what} must be {style}: letters and digits only."},
        **kwargs,
    )
    fast_surrogate_check(field)
    return field


def bounded_list(child: serializers.Field, **kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=child, max_length=MAX_ITEMS, error_messages=TOO_MANY, **kwargs
    )


class DataTypeField(serializers.JSONField):
    """A data type (see ``ontology.datatypes``); errors point inside it."""

    def __init__(self, *, object_references: bool = False, **kwargs: Any) -> None:
        self.object_references = object_references
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        errors = data_type_errors(data, object_references=self.object_references)
        if errors:
            raise serializers.ValidationError(errors)
        return data


class DocumentSerializer(StrictSerializer):
    """Accepts the read-only members a client got from a GET and sends back unchanged."""

    ignored = frozenset({"id", "kind", "version"})


class DeprecationSerializer(StrictSerializer):
    reason = Char(max_length=2000)
    deadline = serializers.DateField(required=False, allow_null=True)
    replacedBy = Char(required=False, allow_blank=True, max_length=100)  # noqa: N815


IRI_MAX = 2000
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")


class OriginSerializer(StrictSerializer):
    """Where an imported element came from: the IRI that identifies it across versions."""

    iri = Char(max_length=IRI_MAX, help_text="The IRI of the class, property or datatype.")
    domain = Char(
        max_length=IRI_MAX, required=False,
        help_text="For a link type: the IRI of the class it starts from (one OWL object "
        "property can make a link type per class).",
    )  # fmt: skip
    ontology = Char(max_length=IRI_MAX, required=False, help_text="The ontology's IRI.")
    version = Char(
        max_length=200, required=False,
        help_text="The ontology version this element last changed in.",
    )  # fmt: skip
    equivalents = bounded_list(
        Char(max_length=IRI_MAX), required=False, help_text="owl:equivalentClass IRIs."
    )


class TranslationSerializer(StrictSerializer):
    displayName = Char(max_length=200, required=False)  # noqa: N815
    description = Char(max_length=10000, required=False, allow_blank=True)
    aliases = bounded_list(Char(max_length=200), required=False)


class TranslationsField(serializers.DictField):
    """``{"de": {"displayName": ...}, ...}``: keys are language tags (BCP 47)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=TranslationSerializer(), **kwargs)
        self.fast = compiled(TranslationSerializer())  # DRF's answer for valid entries

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        tagged = isinstance(data, dict) and len(data) <= MAX_ITEMS
        if tagged and all(isinstance(k, str) and LANGUAGE_TAG.match(k) for k in data):
            try:
                return {k: self.fast(v) for k, v in data.items()}
            except Unsure:
                pass  # DRF says what is wrong, with its paths
        value: dict[str, Any] = super().to_internal_value(data)
        bad = sorted(k for k in value if not LANGUAGE_TAG.match(str(k)))
        if bad:
            raise serializers.ValidationError(f"{bad[0]!r} is not a language tag (BCP 47).")
        if len(value) > MAX_ITEMS:
            raise serializers.ValidationError(TOO_MANY["max_length"])
        return value


class ElementSerializer(DocumentSerializer):
    """The members every element has."""

    id = Char(read_only=True, help_text="Server-assigned, never changes.")
    kind = Char(read_only=True)
    version = Char(read_only=True, help_text="Content hash; the ETag.")
    displayName = Char(max_length=200, required=False)  # noqa: N815
    description = Char(max_length=10000, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(STATUSES, default="experimental")
    deprecation = DeprecationSerializer(required=False, allow_null=True)
    aliases = bounded_list(
        Char(max_length=200), required=False, help_text="Other names (skos:altLabel)."
    )
    translations = TranslationsField(
        required=False, help_text="displayName, description and aliases in other languages."
    )
    origin = OriginSerializer(
        required=False, help_text="Set by imports: the source IRI, ontology and version."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs.setdefault("displayName", attrs.get("apiName", ""))
        if attrs.get("deprecation") and attrs.get("status") != "deprecated":
            raise serializers.ValidationError(
                {
                    "deprecation": [
                        ErrorDetail(
                            "Only a deprecated element has a deprecation.",
                            code="deprecation_without_status",
                        )
                    ]
                }
            )
        if attrs.get("deprecation") is None:
            attrs.pop("deprecation", None)
        else:
            deprecation = attrs["deprecation"]
            if deprecation.get("deadline"):
                deprecation["deadline"] = deprecation["deadline"].isoformat()
        return attrs


# -- object types -----------------------------------------------------------------------------


class PropertySerializer(StrictSerializer):
    id = serializers.RegexField(LOCAL_ID, required=False, help_text="Kept across renames.")
    apiName = api_name_field(CAMEL, "A property apiName")  # noqa: N815
    displayName = Char(max_length=200, required=False)  # noqa: N815
    description = Char(max_length=10000, required=False, allow_blank=True, default="")
    dataType = DataTypeField()  # noqa: N815
    required = serializers.BooleanField(default=False)  # type: ignore[assignment]  # drf-stubs#158
    sharedProperty = Char(max_length=100, required=False)  # noqa: N815
    valueType = Char(max_length=100, required=False)  # noqa: N815
    status = serializers.ChoiceField(STATUSES, default="active")
    visibility = serializers.ChoiceField(["prominent", "normal", "hidden"], default="normal")
    aliases = bounded_list(Char(max_length=200), required=False)
    translations = TranslationsField(required=False)
    originIri = Char(  # noqa: N815
        max_length=IRI_MAX, required=False, help_text="Set by imports: the property's IRI."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs.setdefault("displayName", attrs["apiName"])
        return attrs


class ObjectTypeSerializer(ElementSerializer):
    apiName = api_name_field(PASCAL, "An object type apiName")  # noqa: N815
    pluralDisplayName = Char(max_length=200, required=False)  # noqa: N815
    visibility = serializers.ChoiceField(["prominent", "normal", "hidden"], default="normal")
    icon = Char(max_length=100, required=False, allow_blank=True, default="")
    groups = bounded_list(Char(max_length=100), default=list)
    implements = bounded_list(Char(max_length=100), default=list)
    primaryKey = Char(max_length=100)  # noqa: N815
    titleProperty = Char(max_length=100)  # noqa: N815
    properties = serializers.ListField(
        child=PropertySerializer(), min_length=1, max_length=MAX_ITEMS, error_messages=TOO_MANY
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        attrs.setdefault("pluralDisplayName", attrs["displayName"] + "s")
        return attrs


# -- link types -------------------------------------------------------------------------------

CARDINALITIES = ["one-to-one", "one-to-many", "many-to-one", "many-to-many"]


class LinkEndSerializer(StrictSerializer):
    objectType = Char(max_length=100)  # noqa: N815
    linkApiName = api_name_field(CAMEL, "A linkApiName")  # noqa: N815
    displayName = Char(max_length=200, required=False)  # noqa: N815


class LinkTypeSerializer(ElementSerializer):
    apiName = api_name_field(CAMEL, "A link type apiName")  # noqa: N815
    cardinality = serializers.ChoiceField(CARDINALITIES)
    source = LinkEndSerializer()  # type: ignore[assignment]  # drf-stubs#158
    target = LinkEndSerializer()
    foreignKey = Char(  # noqa: N815
        max_length=100,
        required=False,
        help_text="Property on the many side (target for one-to-one and one-to-many, source "
        "for many-to-one) holding the other side's primary key; not for many-to-many.",
    )
    joinTable = Char(max_length=200, required=False)  # noqa: N815

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        many_to_many = attrs["cardinality"] == "many-to-many"
        errors: dict[str, list[str]] = {}
        if many_to_many and "foreignKey" in attrs:
            errors["foreignKey"] = ["A many-to-many link has a joinTable, not a foreignKey."]
        if many_to_many and not attrs.get("joinTable"):
            errors["joinTable"] = ["A many-to-many link needs a joinTable."]
        if not many_to_many and "joinTable" in attrs:
            errors["joinTable"] = ["Only a many-to-many link has a joinTable."]
        if not many_to_many and not attrs.get("foreignKey"):
            errors["foreignKey"] = ["This link needs the foreignKey property of its many side."]
        if errors:
            raise serializers.ValidationError(errors)
        for end in ("source", "target"):
            attrs[end].setdefault("displayName", attrs[end]["linkApiName"])
        return attrs


# -- interfaces -------------------------------------------------------------------------------


class InterfacePropertySerializer(StrictSerializer):
    sharedProperty = Char(max_length=100)  # noqa: N815
    required = serializers.BooleanField(default=True)  # type: ignore[assignment]  # drf-stubs#158


class InterfaceLinkSerializer(StrictSerializer):
    apiName = api_name_field(CAMEL, "An interface link apiName")  # noqa: N815
    target = Char(max_length=100, help_text="Object type or interface apiName.")
    cardinality = serializers.ChoiceField(["one", "many"])
    required = serializers.BooleanField(default=True)  # type: ignore[assignment]  # drf-stubs#158


class InterfaceSerializer(ElementSerializer):
    apiName = api_name_field(PASCAL, "An interface apiName")  # noqa: N815
    extends = bounded_list(Char(max_length=100), default=list)
    properties = bounded_list(InterfacePropertySerializer(), default=list)
    links = bounded_list(InterfaceLinkSerializer(), default=list)


# -- action types -----------------------------------------------------------------------------

RULE_TYPES = ["createObject", "modifyObject", "deleteObject", "createLink", "deleteLink"]


class ParameterSerializer(StrictSerializer):
    id = serializers.RegexField(LOCAL_ID, required=False)
    apiName = api_name_field(CAMEL, "A parameter apiName")  # noqa: N815
    displayName = Char(max_length=200, required=False)  # noqa: N815
    description = Char(max_length=10000, required=False, allow_blank=True)
    dataType = DataTypeField(object_references=True)  # noqa: N815
    required = serializers.BooleanField(default=True)  # type: ignore[assignment]  # drf-stubs#158
    allowedValues = serializers.ListField(  # noqa: N815
        child=serializers.JSONField(), required=False, max_length=MAX_ITEMS, error_messages=TOO_MANY
    )


class ValueSourceSerializer(StrictSerializer):
    """Where a rule takes a value from: exactly one of parameter, static, currentUser."""

    parameter = Char(max_length=100, required=False)
    static = serializers.JSONField(required=False)
    currentUser = serializers.BooleanField(required=False)  # noqa: N815

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [k for k in ("parameter", "static", "currentUser") if k in attrs]
        if len(given) != 1 or attrs.get("currentUser") is False:
            raise serializers.ValidationError(
                "Give exactly one of parameter, static or currentUser: true."
            )
        return attrs


class MappingSerializer(StrictSerializer):
    property = Char(max_length=100)
    value = ValueSourceSerializer()


class RuleSerializer(StrictSerializer):
    type = serializers.ChoiceField(RULE_TYPES)
    objectType = Char(max_length=100, required=False)  # noqa: N815
    object = Char(
        max_length=100, required=False, help_text="objectReference parameter (modify/delete)."
    )
    linkType = Char(max_length=100, required=False)  # noqa: N815
    source = Char(  # type: ignore[assignment]  # drf-stubs#158
        max_length=100, required=False, help_text="Parameter."
    )
    target = Char(max_length=100, required=False, help_text="Parameter.")
    mappings = bounded_list(MappingSerializer(), default=list)

    NEEDS = {
        "createObject": ("objectType",),
        "modifyObject": ("object",),
        "deleteObject": ("object",),
        "createLink": ("linkType", "source", "target"),
        "deleteLink": ("linkType", "source", "target"),
    }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        missing = [k for k in self.NEEDS[attrs["type"]] if not attrs.get(k)]
        if missing:
            raise serializers.ValidationError(
                {k: [f"A {attrs['type']} rule needs {k}."] for k in missing}
            )
        if attrs["type"] not in ("createObject", "modifyObject") and attrs.get("mappings"):
            raise serializers.ValidationError({"mappings": ["Only create/modify rules map."]})
        return attrs


class CriterionSerializer(StrictSerializer):
    description = Char(max_length=2000, required=False, allow_blank=True)
    parameter = Char(max_length=100)
    operator = serializers.ChoiceField(["equals", "notEquals", "in", "isNotNull", "gt", "lt"])
    value = serializers.JSONField(required=False)


class SideEffectSerializer(StrictSerializer):
    type = serializers.ChoiceField(["webhook", "notification"])
    url = serializers.URLField(required=False, max_length=2000)
    recipients = bounded_list(Char(max_length=200), required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["type"] == "webhook" and not attrs.get("url"):
            raise serializers.ValidationError({"url": ["A webhook needs a url."]})
        refused = webhooks.refusal(attrs["url"]) if attrs["type"] == "webhook" else None
        if refused:
            raise serializers.ValidationError({"url": [refused]})
        if attrs["type"] == "notification" and not attrs.get("recipients"):
            raise serializers.ValidationError({"recipients": ["A notification needs recipients."]})
        return attrs


class ActionTypeSerializer(ElementSerializer):
    apiName = api_name_field(CAMEL, "An action type apiName")  # noqa: N815
    parameters = bounded_list(ParameterSerializer(), default=list)
    rules = serializers.ListField(
        child=RuleSerializer(), min_length=1, max_length=MAX_ITEMS, error_messages=TOO_MANY
    )
    submissionCriteria = bounded_list(CriterionSerializer(), default=list)  # noqa: N815
    sideEffects = bounded_list(SideEffectSerializer(), default=list)  # noqa: N815
    submitterRoles = bounded_list(  # noqa: N815
        Char(max_length=100), required=False,
        help_text="Roles allowed to submit this action (besides the actions:submit scope); "
        "empty or absent: every role with the scope.",
    )  # fmt: skip


# -- shared properties, value types, groups ---------------------------------------------------


class SharedPropertySerializer(ElementSerializer):
    apiName = api_name_field(CAMEL, "A shared property apiName")  # noqa: N815
    dataType = DataTypeField()  # noqa: N815
    valueType = Char(max_length=100, required=False)  # noqa: N815


class ConstraintSerializer(StrictSerializer):
    type = serializers.ChoiceField(["enum", "regex", "range", "length", "uuid"])
    values = serializers.ListField(
        child=serializers.JSONField(), required=False, max_length=MAX_ITEMS, error_messages=TOO_MANY
    )
    pattern = Char(max_length=1000, required=False)
    min = serializers.JSONField(required=False)
    max = serializers.JSONField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = attrs["type"]
        if kind == "enum" and not attrs.get("values"):
            raise serializers.ValidationError({"values": ["An enum lists its values."]})
        if kind == "regex":
            try:
                re.compile(attrs.get("pattern") or "")
            except re.error as exc:
                raise serializers.ValidationError({"pattern": [f"Not a regex: {exc}"]}) from None
            if not attrs.get("pattern"):
                raise serializers.ValidationError({"pattern": ["A regex needs a pattern."]})
        if kind in ("range", "length") and "min" not in attrs and "max" not in attrs:
            raise serializers.ValidationError({"min": [f"A {kind} needs min or max."]})
        return attrs


class ValueTypeSerializer(ElementSerializer):
    apiName = api_name_field(PASCAL, "A value type apiName")  # noqa: N815
    baseType = DataTypeField()  # noqa: N815
    constraints = bounded_list(ConstraintSerializer(), default=list)


class GroupSerializer(ElementSerializer):
    apiName = api_name_field(PASCAL, "A group apiName")  # noqa: N815
