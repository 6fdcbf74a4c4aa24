"""Request and response bodies of the action service."""

from __future__ import annotations

from rest_framework import serializers

from actions.models import Submission
from oms_project.pagination import PageQuerySerializer, page_serializer
from oms_project.serializers import StrictSerializer


class ActionRequestSerializer(StrictSerializer):
    parameters = serializers.DictField(
        child=serializers.JSONField(allow_null=True), allow_empty=True,
        help_text="The value of each parameter, by apiName.",
    )  # fmt: skip


class ActionReadQuerySerializer(serializers.Serializer):
    at = serializers.CharField(
        max_length=200, required=False,
        help_text="Check against the action type as of this commit id or time (ISO 8601).",
    )  # fmt: skip


class ProblemEntrySerializer(serializers.Serializer):
    path = serializers.CharField(help_text="JSON path into the submission or the action type.")
    code = serializers.CharField(
        help_text="required, unknown_parameter, type, not_allowed, object_reference, "
        "value_type, criterion, role, definition"
    )
    message = serializers.CharField()


class ValidationResultSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    problems = ProblemEntrySerializer(many=True)
    commit = serializers.CharField(help_text="The commit the action type was read at.")
    actionVersion = serializers.CharField(help_text="The action type's version there.")  # noqa: N815


class EditSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        ["createObject", "modifyObject", "deleteObject", "createLink", "deleteLink"]
    )
    objectType = serializers.CharField(required=False)  # noqa: N815
    primaryKey = serializers.JSONField(required=False)  # noqa: N815
    properties = serializers.DictField(child=serializers.JSONField(), required=False)
    linkType = serializers.CharField(required=False)  # noqa: N815
    source = serializers.DictField(  # type: ignore[assignment]  # drf-stubs#158
        child=serializers.JSONField(), required=False
    )
    target = serializers.DictField(child=serializers.JSONField(), required=False)


class PreviewSerializer(serializers.Serializer):
    edits = EditSerializer(many=True)
    commit = serializers.CharField()
    actionVersion = serializers.CharField()  # noqa: N815


class EffectSerializer(serializers.Serializer):
    type = serializers.ChoiceField(["webhook", "notification"])
    target = serializers.JSONField(help_text="The webhook's URL, or the recipients.")
    state = serializers.ChoiceField(["pending", "succeeded", "failed"])
    attempts = serializers.IntegerField()
    lastError = serializers.CharField(allow_blank=True)  # noqa: N815


class SubmissionSerializer(serializers.ModelSerializer):
    actionType = serializers.CharField(source="action_type")  # noqa: N815
    actionTypeId = serializers.CharField(source="action_type_id")  # noqa: N815
    actionVersion = serializers.CharField(source="action_version")  # noqa: N815
    submittedBy = serializers.CharField(source="submitted_by")  # noqa: N815
    idempotencyKey = serializers.CharField(source="idempotency_key")  # noqa: N815
    edits = EditSerializer(many=True)
    effects = EffectSerializer(many=True)
    lastError = serializers.CharField(source="last_error")  # noqa: N815
    createdAt = serializers.DateTimeField(source="created_at")  # noqa: N815
    updatedAt = serializers.DateTimeField(source="updated_at")  # noqa: N815
    finishedAt = serializers.DateTimeField(source="finished_at", allow_null=True)  # noqa: N815

    class Meta:
        model = Submission
        fields = [
            "id", "branch", "actionType", "actionTypeId", "actionVersion", "commit",
            "parameters", "edits", "effects", "submittedBy", "idempotencyKey", "state",
            "attempts", "lastError", "createdAt", "updatedAt", "finishedAt",
        ]  # fmt: skip
        read_only_fields = fields


class SubmissionListQuerySerializer(PageQuerySerializer):
    state = serializers.ChoiceField([s for s, _ in Submission.STATES], required=False)
    actionType = serializers.CharField(max_length=100, required=False)  # noqa: N815
    branch = serializers.CharField(max_length=200, required=False)
    submittedBy = serializers.CharField(max_length=200, required=False)  # noqa: N815


SubmissionPageSerializer = page_serializer("SubmissionPage", SubmissionSerializer(many=True))
