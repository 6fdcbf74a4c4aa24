"""Input and output shapes of the element API (the elements themselves: ontology.serializers)."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from rest_framework import serializers

from oms_project.pagination import PageQuerySerializer, page_serializer
from oms_project.serializers import MessageField, StrictSerializer
from ontology.index.projection import FILTERS
from ontology.kinds import KINDS
from ontology.serializers import STATUSES
from ontology.services import Operation


class ReadQuerySerializer(serializers.Serializer):
    """``?at=``: a commit id, a tag, or an ISO-8601 time (the branch as it was then)."""

    at = serializers.CharField(required=False, max_length=200)


class ListQuerySerializer(ReadQuerySerializer, PageQuerySerializer):
    # "" (the default) means "any": allowed as a value too, so the defaults fit their schema.
    search = serializers.CharField(
        required=False, max_length=200, default="", allow_blank=True,
        help_text="Text in the apiName, displayName or description (case-insensitive).",
    )  # fmt: skip
    status = serializers.ChoiceField(STATUSES, required=False, default="", allow_blank=True)
    group = serializers.CharField(
        required=False, max_length=100, default="", allow_blank=True,
        help_text="Only members of this group (its apiName).",
    )  # fmt: skip


@functools.cache
def list_query_serializer(kind: str) -> type[ListQuerySerializer]:
    """The list query of one kind: the common filters plus the kind's own (one class per
    kind, made once)."""
    extra = {name: serializers.CharField(required=False, max_length=100) for name in FILTERS[kind]}
    name = "".join(part.title() for part in kind.split("-")) + "ListQuery"
    return type(name, (ListQuerySerializer,), extra)


class ChangeSerializer(StrictSerializer):
    """One change of a batch commit."""

    op = serializers.ChoiceField(["create", "update", "delete"])
    kind = serializers.ChoiceField(list(KINDS))
    apiName = serializers.CharField(  # noqa: N815
        required=False, max_length=100, help_text="The element to update or delete."
    )
    document = serializers.JSONField(required=False, help_text="The full element (create, update).")
    ifMatch = serializers.CharField(required=False, max_length=64)  # noqa: N815

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["op"] != "create" and not attrs.get("apiName"):
            raise serializers.ValidationError({"apiName": ["update and delete name the element."]})
        if attrs["op"] != "delete" and "document" not in attrs:
            raise serializers.ValidationError({"document": ["create and update carry a document."]})
        return attrs


def batch_operations(changes: list[dict[str, Any]]) -> list[Operation]:
    """The element operations of validated batch ``changes`` (error paths point into them)."""
    return [
        Operation(
            op=change["op"],
            kind=change["kind"],
            api_name=change.get("apiName", ""),
            body=change.get("document"),
            if_match=change.get("ifMatch"),
            path=f"$.changes[{index}].document",
        )  # fmt: skip
        for index, change in enumerate(changes)
    ]


class BatchCommitSerializer(StrictSerializer):
    """``POST /branches/{branch}/commits/``: many changes as one atomic commit."""

    message = MessageField(max_length=5000)
    expectedHead = serializers.CharField(required=False, max_length=64)  # noqa: N815
    dryRun = serializers.BooleanField(required=False, default=False)  # noqa: N815
    changes = serializers.ListField(
        child=ChangeSerializer(), min_length=1, max_length=settings.OMS_MAX_BATCH_CHANGES,
        error_messages={"max_length": f"At most {settings.OMS_MAX_BATCH_CHANGES} changes "
                                      "(OMS_MAX_BATCH_CHANGES)."},
    )  # fmt: skip


class CommitSerializer(serializers.Serializer):
    id = serializers.CharField()
    parents = serializers.ListField(child=serializers.CharField())
    author = serializers.CharField()
    message = serializers.CharField()
    timestamp = serializers.DateTimeField()


class CommitResultSerializer(serializers.Serializer):
    commit = CommitSerializer(allow_null=True)
    dryRun = serializers.BooleanField(source="dry_run")  # noqa: N815
    elements = serializers.ListField(child=serializers.DictField())
    deleted = serializers.ListField(child=serializers.CharField())
    cascaded = serializers.ListField(
        child=serializers.DictField(), help_text="Elements rewritten because of a rename."
    )


class LogQuerySerializer(PageQuerySerializer):
    cursor = serializers.CharField(
        required=False, max_length=2000, help_text="The ``next`` of the previous page."
    )
    author = serializers.CharField(required=False, max_length=200)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
    element = serializers.RegexField(
        r"^[a-z-]+/[A-Za-z][A-Za-z0-9]*$", required=False, max_length=200,
        help_text="kind/apiName: only commits that changed this element.",
    )  # fmt: skip


LogPageSerializer = page_serializer("CommitPage", CommitSerializer(many=True))
