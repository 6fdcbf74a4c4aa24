"""Input and output shapes of the branch API."""

from __future__ import annotations

from rest_framework import serializers

from oms_project.serializers import StrictSerializer
from ontology.storage.base import REF_NAME_MAX


class BranchSerializer(serializers.Serializer):
    """A branch as clients see it."""

    name = serializers.CharField()
    head = serializers.CharField(help_text="The commit the branch points at.")
    createdAt = serializers.DateTimeField(source="created_at")  # noqa: N815
    createdBy = serializers.CharField(source="created_by")  # noqa: N815


class BranchCreateSerializer(StrictSerializer):
    """``POST /branches/``: ``{name, from}``, a new branch from any ref (default ``main``)."""

    name = serializers.CharField(max_length=REF_NAME_MAX)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # "from" is a Python keyword, so it cannot be declared as a class attribute.
        fields["from"] = serializers.CharField(
            default="main", max_length=200, help_text="Branch, tag or commit id to start from."
        )
        return fields
