"""Shapes of the history API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from history.events import cloudevent
from history.models import AuditEvent
from oms_project.pagination import PageQuerySerializer, page_serializer


class AuditEventSerializer(serializers.ModelSerializer):
    """An outbox row: the CloudEvent as delivered plus its delivery state."""

    event = serializers.SerializerMethodField()
    nextAttemptAt = serializers.DateTimeField(source="next_attempt_at", allow_null=True)  # noqa: N815
    lastError = serializers.CharField(source="last_error")  # noqa: N815
    deliveredAt = serializers.DateTimeField(source="delivered_at", allow_null=True)  # noqa: N815

    class Meta:
        model = AuditEvent
        fields = [
            "sequence",
            "state",
            "attempts",
            "nextAttemptAt",
            "lastError",
            "deliveredAt",
            "event",
        ]

    def get_event(self, event: AuditEvent) -> dict[str, Any]:
        return cloudevent(event)


class AuditEventQuerySerializer(PageQuerySerializer):
    """Filters of the audit event list (newest first unless ``order=oldest``)."""

    type = serializers.CharField(
        required=False, max_length=100, help_text="Event type, e.g. oms.object_type.updated."
    )
    branch = serializers.CharField(required=False, max_length=100)
    subject = serializers.CharField(
        required=False, max_length=300, help_text="What the event is about, e.g. a kind/apiName."
    )
    state = serializers.ChoiceField(
        [s for s, _ in AuditEvent.STATES], required=False, help_text="Delivery state."
    )
    since = serializers.DateTimeField(required=False, help_text="Only events at or after.")
    after = serializers.IntegerField(
        required=False, min_value=0, max_value=2**62,
        help_text="Only events with a greater sequence (a consumer's position).",
    )  # fmt: skip
    order = serializers.ChoiceField(["newest", "oldest"], default="newest", required=False)


class BlameCommitSerializer(serializers.Serializer):
    id = serializers.CharField()
    author = serializers.CharField()
    message = serializers.CharField()
    timestamp = serializers.DateTimeField()


class BlameLineSerializer(serializers.Serializer):
    """Who last changed one field (a JSON path; list items by id)."""

    path = serializers.CharField()
    value = serializers.JSONField()
    commit = BlameCommitSerializer()
    proposal = serializers.IntegerField(allow_null=True)


class CommitDetailSerializer(serializers.Serializer):
    commit = serializers.DictField()
    proposal = serializers.IntegerField(allow_null=True)
    diff = serializers.DictField(help_text="The semantic diff from the first parent.")


AuditEventPageSerializer = page_serializer("AuditEventPage", AuditEventSerializer(many=True))
BlamePageSerializer = page_serializer("BlamePage", BlameLineSerializer(many=True))
