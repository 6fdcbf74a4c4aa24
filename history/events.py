"""Event names and CloudEvents rendering (the catalogue is docs/events.md)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings

from history.models import AuditEvent

NAMESPACE = uuid.UUID("3b1f2c62-6f2f-4c31-9a6b-2c1f0a8f5e11")
KIND_NAMES = {
    "object-types": "objectType",
    "link-types": "linkType",
    "interfaces": "interface",
    "action-types": "actionType",
    "shared-properties": "sharedProperty",
    "value-types": "valueType",
    "groups": "group",
}


def stable_id(*parts: object) -> uuid.UUID:
    """The same event always gets the same id, so a redelivery is idempotent downstream."""
    return uuid.uuid5(NAMESPACE, "|".join(str(p) for p in parts))


def element_event_type(
    kind: str, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> str:
    """``oms.<kind>.created|updated|renamed|deleted`` for one element change."""
    if before is None:
        action = "created"
    elif after is None:
        action = "deleted"
    elif before.get("apiName") != after.get("apiName"):
        action = "renamed"
    else:
        action = "updated"
    return f"oms.{KIND_NAMES[kind]}.{action}"


def cloudevent(event: AuditEvent) -> dict[str, Any]:
    """The CloudEvents 1.0 JSON of an outbox row (extensions carry order and provenance)."""
    return {
        "specversion": "1.0",
        "id": str(event.id),
        "source": settings.OMS_AUDIT_SOURCE,
        "type": event.type,
        "subject": event.subject,
        "time": event.time.isoformat().replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "omssequence": event.sequence,
        "omsbranch": event.branch,
        "omscommit": event.commit,
        "data": event.data,
    }
