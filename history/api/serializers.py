"""Shapes of the history API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from history.events import cloudevent
from history.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    """An outbox row: the CloudEvent as delivered plus its delivery state."""

    event = serializers.SerializerMethodField()
    nextAttemptAt = serializers.DateTimeField(source="next_attempt_at")  # noqa: N815
    lastError = serializers.CharField(source="last_error")  # noqa: N815
    deliveredAt = serializers.DateTimeField(source="delivered_at")  # noqa: N815

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


class AuditEventQuerySerializer(serializers.Serializer):
    type = serializers.CharField(required=False, max_length=100)
    branch = serializers.CharField(required=False, max_length=100)
    subject = serializers.CharField(required=False, max_length=300)
    state = serializers.ChoiceField([s for s, _ in AuditEvent.STATES], required=False)
    since = serializers.DateTimeField(required=False)
    after = serializers.IntegerField(required=False, min_value=0, help_text="Sequence cursor.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=100)


class ElementHistoryQuerySerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False, max_length=400)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=500, default=50)


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
