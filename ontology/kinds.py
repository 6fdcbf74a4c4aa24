"""The element kinds: URL segment (also the document's ``kind``), id prefix, schema."""

from __future__ import annotations

from dataclasses import dataclass

from ontology import serializers


@dataclass(frozen=True)
class Kind:
    """One kind of ontology element."""

    segment: str
    prefix: str
    label: str
    serializer: type[serializers.ElementSerializer]


KINDS: dict[str, Kind] = {
    kind.segment: kind
    for kind in (
        Kind("object-types", "ot", "object type", serializers.ObjectTypeSerializer),
        Kind("link-types", "lt", "link type", serializers.LinkTypeSerializer),
        Kind("interfaces", "if", "interface", serializers.InterfaceSerializer),
        Kind("action-types", "at", "action type", serializers.ActionTypeSerializer),
        Kind("shared-properties", "sp", "shared property", serializers.SharedPropertySerializer),
        Kind("value-types", "vt", "value type", serializers.ValueTypeSerializer),
        Kind("groups", "gr", "group", serializers.GroupSerializer),
    )
}
KIND_PATTERN = "|".join(KINDS)
