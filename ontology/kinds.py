"""The element kinds: URL segment (also the document's ``kind``), id prefix, schema."""

from __future__ import annotations

from dataclasses import dataclass

from ontology import schemas


@dataclass(frozen=True)
class Kind:
    """One kind of ontology element."""

    segment: str
    prefix: str
    label: str
    serializer: type[schemas.ElementSerializer]


KINDS: dict[str, Kind] = {
    kind.segment: kind
    for kind in (
        Kind("object-types", "ot", "object type", schemas.ObjectTypeSerializer),
        Kind("link-types", "lt", "link type", schemas.LinkTypeSerializer),
        Kind("interfaces", "if", "interface", schemas.InterfaceSerializer),
        Kind("action-types", "at", "action type", schemas.ActionTypeSerializer),
        Kind("shared-properties", "sp", "shared property", schemas.SharedPropertySerializer),
        Kind("value-types", "vt", "value type", schemas.ValueTypeSerializer),
        Kind("groups", "gr", "group", schemas.GroupSerializer),
    )
}
KIND_PATTERN = "|".join(KINDS)
