"""Input and output shapes of the branch, merge and proposal API."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from branches.models import (
    BranchPolicy,
    CompatibilityOverride,
    Proposal,
    ProposalEvent,
    Review,
    ValidationRun,
    Waiver,
)
from branches.services import MergeOutcome
from oms_project.pagination import PageQuerySerializer, page_serializer
from oms_project.serializers import MessageField, StrictCharField, StrictSerializer
from ontology.api.serializers import ChangeSerializer, CommitSerializer
from ontology.diff import MODES
from ontology.storage.base import REF_NAME_MAX


class OverrideSerializer(serializers.Serializer):
    """A compatibility mode for one group's object types, or for one object type."""

    scope = serializers.ChoiceField([s for s, _ in CompatibilityOverride.SCOPES])
    name = StrictCharField(max_length=100, help_text="The group's or object type's apiName.")
    mode = serializers.ChoiceField([m for m, _ in BranchPolicy.COMPATIBILITY_MODES])


class BranchSerializer(serializers.Serializer):
    """A branch as clients see it."""

    name = serializers.CharField(source="ref.name")
    head = serializers.CharField(source="ref.head", help_text="The commit the branch points at.")
    createdAt = serializers.DateTimeField(source="ref.created_at")  # noqa: N815
    createdBy = serializers.CharField(source="ref.created_by")  # noqa: N815
    base = serializers.CharField(source="policy.base", help_text="Branch it was created from.")
    ahead = serializers.IntegerField(allow_null=True, help_text="Commits not in its base.")
    behind = serializers.IntegerField(allow_null=True, help_text="Base commits not in it.")
    openProposals = serializers.ListField(child=serializers.IntegerField(), source="open_proposals")  # noqa: N815
    protected = serializers.BooleanField(source="policy.protected")
    requiredApprovals = serializers.IntegerField(source="policy.required_approvals")  # noqa: N815
    compatibilityMode = serializers.CharField(source="policy.compatibility_mode")  # noqa: N815
    compatibilityOverrides = OverrideSerializer(many=True, source="overrides")  # noqa: N815


class BranchCreateSerializer(StrictSerializer):
    """``POST /branches/``: ``{name, from}``, a new branch from any ref (default ``main``)."""

    name = StrictCharField(max_length=REF_NAME_MAX)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # "from" is a Python keyword, so it cannot be declared as a class attribute.
        fields["from"] = StrictCharField(
            default="main", max_length=200, help_text="Branch, tag or commit id to start from."
        )
        return fields


class BranchPolicySerializer(StrictSerializer):
    """``PATCH /branches/{name}/``: the branch policy (needs branches:admin)."""

    protected = serializers.BooleanField(required=False)
    requiredApprovals = serializers.IntegerField(  # noqa: N815
        required=False, min_value=0, max_value=20, source="required_approvals"
    )
    compatibilityMode = serializers.ChoiceField(  # noqa: N815
        [m for m, _ in BranchPolicy.COMPATIBILITY_MODES], required=False,
        source="compatibility_mode",
    )  # fmt: skip
    compatibilityOverrides = OverrideSerializer(  # noqa: N815
        many=True, required=False, source="compatibility_overrides",
        help_text="Replaces the branch's overrides (most specific wins: object type, group).",
    )  # fmt: skip

    def validate_compatibilityOverrides(self, value: list[dict[str, Any]]) -> Any:  # noqa: N802
        seen = [(o["scope"], o["name"]) for o in value]
        if len(seen) != len(set(seen)):
            raise serializers.ValidationError("One mode per scope and name.")
        return value


class ResolutionsField(serializers.DictField):
    """``{"<elementId>:<path>": "source" | "target" | {"value": ...}}``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.JSONField(), required=False, default=dict, **kwargs)

    def to_internal_value(self, data: Any) -> dict[Any, Any]:
        value = super().to_internal_value(data)
        bad = {
            key: ["Use 'source', 'target' or {\"value\": ...}."]
            for key, choice in value.items()
            if choice not in ("source", "target")
            and not (isinstance(choice, dict) and set(choice) == {"value"})
        }
        if bad:
            raise serializers.ValidationError(bad)
        return value


class MergeSerializer(StrictSerializer):
    # DRF's metaclass pops declared fields off the class, so ``source`` here does not shadow
    # Field.source at runtime; the stubs cannot tell (typeddjango/djangorestframework-stubs#158,
    # #78 for ``data``).
    source = StrictCharField(max_length=200)  # type: ignore[assignment]  # drf-stubs#158
    strategy = serializers.ChoiceField(["merge", "squash"], default="merge")
    resolutions = ResolutionsField()
    message = MessageField(max_length=5000, required=False, default="")
    dryRun = serializers.BooleanField(default=False)  # noqa: N815


class RebaseSerializer(StrictSerializer):
    onto = StrictCharField(max_length=200, required=False, help_text="Default: the branch's base.")
    resolutions = ResolutionsField()
    dryRun = serializers.BooleanField(default=False)  # noqa: N815


class RevertSerializer(StrictSerializer):
    commit = StrictCharField(max_length=200, required=False)
    proposal = serializers.IntegerField(required=False, help_text="Revert a merged proposal.")
    resolutions = ResolutionsField()
    message = MessageField(max_length=5000, required=False, default="")
    dryRun = serializers.BooleanField(default=False)  # noqa: N815

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("commit" in attrs) == ("proposal" in attrs):
            raise serializers.ValidationError("Give exactly one of commit or proposal.")
        return attrs


class ResetSerializer(StrictSerializer):
    to = StrictCharField(max_length=200)
    expectedHead = StrictCharField(max_length=200, required=False)  # noqa: N815


class MergeOutcomeSerializer(serializers.Serializer):
    commit = CommitSerializer(source="written.commit", allow_null=True)
    dryRun = serializers.BooleanField(source="dry_run")  # noqa: N815
    base = serializers.CharField(help_text="The merge base used.")
    sourceHead = serializers.CharField(source="source_head")  # noqa: N815
    targetHead = serializers.CharField(source="target_head")  # noqa: N815
    changed = serializers.SerializerMethodField()

    def get_changed(self, outcome: MergeOutcome) -> list[str]:
        return sorted(outcome.changes)


# -- proposals --------------------------------------------------------------------------------


class ProposalCreateSerializer(StrictSerializer):
    source = StrictCharField(max_length=200)  # type: ignore[assignment]  # drf-stubs#158
    target = StrictCharField(max_length=200, default="main")
    title = StrictCharField(max_length=300)
    description = StrictCharField(max_length=20000, required=False, default="", allow_blank=True)


class ProposalUpdateSerializer(StrictSerializer):
    title = StrictCharField(max_length=300, required=False)
    description = StrictCharField(max_length=20000, required=False, allow_blank=True)


class ReviewSerializer(serializers.ModelSerializer):
    sourceHead = serializers.CharField(source="source_head", read_only=True)  # noqa: N815
    createdAt = serializers.DateTimeField(source="created_at", read_only=True)  # noqa: N815

    class Meta:
        model = Review
        fields = ["id", "reviewer", "verdict", "body", "sourceHead", "dismissed", "createdAt"]


class ReviewCreateSerializer(StrictSerializer):
    verdict = serializers.ChoiceField([v for v, _ in Review.VERDICTS])
    body = StrictCharField(max_length=20000, required=False, default="", allow_blank=True)


class ProposalEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProposalEvent
        fields = ["action", "actor", "detail", "at"]


class ProposalSerializer(serializers.ModelSerializer):
    createdAt = serializers.DateTimeField(source="created_at", read_only=True)  # noqa: N815
    updatedAt = serializers.DateTimeField(source="updated_at", read_only=True)  # noqa: N815
    mergedCommit = serializers.CharField(source="merged_commit", read_only=True)  # noqa: N815
    mergedBy = serializers.CharField(source="merged_by", read_only=True)  # noqa: N815
    mergedAt = serializers.DateTimeField(source="merged_at", read_only=True, allow_null=True)  # noqa: N815, E501

    class Meta:
        model = Proposal
        fields = [
            "id", "source", "target", "title", "description", "state", "author", "createdAt",
            "updatedAt", "mergedCommit", "mergedBy", "mergedAt",
        ]  # fmt: skip


class CheckSerializer(serializers.Serializer):
    name = serializers.CharField()
    passed = serializers.BooleanField()
    detail = serializers.CharField()
    data = serializers.DictField()  # type: ignore[assignment]  # drf-stubs#78


class ProposalDetailSerializer(ProposalSerializer):
    """A proposal with its reviews, its history and the merge gate as it stands now (the
    checks come in ``context["checks"]``)."""

    reviews = ReviewSerializer(many=True, read_only=True)
    events = ProposalEventSerializer(many=True, read_only=True)
    checks = serializers.SerializerMethodField()
    mergeable = serializers.SerializerMethodField()

    class Meta(ProposalSerializer.Meta):
        fields = [*ProposalSerializer.Meta.fields, "reviews", "events", "checks", "mergeable"]

    @extend_schema_field(CheckSerializer(many=True))
    def get_checks(self, proposal: Proposal) -> Any:
        return CheckSerializer(self.context["checks"], many=True).data

    def get_mergeable(self, proposal: Proposal) -> bool:
        return all(check.passed for check in self.context["checks"])


class ProposalMergeSerializer(StrictSerializer):
    strategy = serializers.ChoiceField(["merge", "squash"], default="merge")
    resolutions = ResolutionsField()
    message = MessageField(max_length=5000, required=False, default="")
    dryRun = serializers.BooleanField(default=False)  # noqa: N815


class ProposalListQuerySerializer(PageQuerySerializer):
    """Filters of the proposal list (newest first)."""

    state = serializers.ChoiceField([s for s, _ in Proposal.STATES], required=False)
    source = serializers.CharField(  # type: ignore[assignment]  # drf-stubs#158
        required=False, max_length=200
    )
    target = serializers.CharField(required=False, max_length=200)
    author = serializers.CharField(required=False, max_length=200)


# -- tags and releases ------------------------------------------------------------------------


class TagCreateSerializer(StrictSerializer):
    name = StrictCharField(
        max_length=REF_NAME_MAX, required=False, help_text="Default: v<version>."
    )
    target = StrictCharField(max_length=200, default="main", help_text="Branch, tag or commit.")
    release = serializers.BooleanField(
        default=False, help_text="Cut a release: compute the next semantic version and notes."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs["release"] and not attrs.get("name"):
            raise serializers.ValidationError({"name": ["A plain tag needs a name."]})
        return attrs


class ReleaseSerializer(serializers.Serializer):
    version = serializers.CharField()
    bump = serializers.CharField()
    previous = serializers.CharField(source="previous.tag", allow_null=True, default=None)
    summary = serializers.DictField()
    createdBy = serializers.CharField(source="created_by")  # noqa: N815
    createdAt = serializers.DateTimeField(source="created_at")  # noqa: N815


class TagSerializer(serializers.Serializer):
    name = serializers.CharField()
    commit = serializers.CharField(source="head")
    createdAt = serializers.DateTimeField(source="created_at")  # noqa: N815
    createdBy = serializers.CharField(source="created_by")  # noqa: N815
    release = ReleaseSerializer(allow_null=True)


class ReleaseNotesSerializer(serializers.Serializer):
    tag = serializers.CharField()
    version = serializers.CharField()
    previous = serializers.CharField(source="previous.tag", allow_null=True, default=None)
    bump = serializers.CharField()
    notes = serializers.CharField(help_text="Markdown.")
    summary = serializers.DictField()


BranchPageSerializer = page_serializer("BranchPage", BranchSerializer(many=True))
ProposalPageSerializer = page_serializer("ProposalPage", ProposalSerializer(many=True))
ReviewPageSerializer = page_serializer("ReviewPage", ReviewSerializer(many=True))
TagPageSerializer = page_serializer("TagPage", TagSerializer(many=True))


# -- compatibility ----------------------------------------------------------------------------


class CompatibilityCheckSerializer(StrictSerializer):
    """Two refs (``base``, ``head``), or a batch not yet committed (``branch``, ``changes``)."""

    base = StrictCharField(
        max_length=200, required=False, help_text="Branch, tag or commit: the old side."
    )
    head = StrictCharField(
        max_length=200, required=False, help_text="Branch, tag or commit: the new side."
    )
    changes = ChangeSerializer(  # type: ignore[call-arg]  # many=True takes ListSerializer's
        many=True, required=False, max_length=settings.OMS_MAX_BATCH_CHANGES,
        help_text="A batch (as POST commits/ takes it) on branch.",
    )  # fmt: skip
    mode = serializers.ChoiceField(
        MODES, default="merge-base",
        help_text="merge-base: what merging head into base would bring.",
    )  # fmt: skip
    branch = StrictCharField(
        max_length=REF_NAME_MAX, required=False,
        help_text="Whose modes apply (default: base, the branch the change would reach).",
    )  # fmt: skip

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        refs, batch = {"base", "head"} & set(attrs), "changes" in attrs
        if batch and (refs or not attrs.get("branch")):
            raise serializers.ValidationError(
                {"changes": ["A batch goes with branch, without base and head."]}
            )
        if not batch and refs != {"base", "head"}:
            raise serializers.ValidationError(
                {"head": ["Give base and head (or branch and changes)."]}
            )
        return attrs


class CompatibilityFindingSerializer(serializers.Serializer):
    rule = serializers.CharField()
    type = serializers.CharField()
    kind = serializers.CharField()
    apiName = serializers.CharField()  # noqa: N815
    path = serializers.CharField()
    member = serializers.CharField(allow_null=True)
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)
    impact = serializers.CharField()
    breaks = serializers.ListField(child=serializers.ChoiceField(["backward", "forward"]))
    mode = serializers.CharField(help_text="The mode that applied to this element.")
    against = serializers.CharField(help_text='"head", or the release tag (transitive modes).')
    blocking = serializers.BooleanField(help_text="False for a shadow (report-only) rule.")
    hint = serializers.CharField()


class CompatibilityCoverageSerializer(serializers.Serializer):
    changesExamined = serializers.IntegerField()  # noqa: N815
    kindsExamined = serializers.ListField(child=serializers.CharField())  # noqa: N815
    kindsWithoutChanges = serializers.ListField(child=serializers.CharField())  # noqa: N815
    changeTypesExamined = serializers.ListField(child=serializers.CharField())  # noqa: N815
    notExamined = serializers.ListField(  # noqa: N815
        child=serializers.DictField(), help_text="Changes no rule covers (they block)."
    )


class CompatibilityReportSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    findings = CompatibilityFindingSerializer(many=True)
    coverage = CompatibilityCoverageSerializer()


# -- validation -------------------------------------------------------------------------------


class ValidationFindingSerializer(serializers.Serializer):
    check = serializers.ChoiceField(
        ["integrity", "compatibility", "deprecation", "deprecated-reference"]
    )
    severity = serializers.ChoiceField(["error", "warning"])
    element = serializers.CharField(help_text="kind/apiName")
    path = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class ValidationRunSerializer(serializers.ModelSerializer):
    findings = ValidationFindingSerializer(many=True)
    checked = serializers.DictField()
    startedAt = serializers.DateTimeField(source="started_at")  # noqa: N815
    finishedAt = serializers.DateTimeField(source="finished_at")  # noqa: N815

    class Meta:
        model = ValidationRun
        fields = ["id", "branch", "commit", "trigger", "actor", "passed", "errors", "warnings",
                  "changed", "findings", "checked", "startedAt", "finishedAt"]  # fmt: skip


class ValidationRunListQuerySerializer(PageQuerySerializer):
    """Filters of the validation run list (newest first)."""

    branch = serializers.CharField(required=False, max_length=REF_NAME_MAX)
    passed = serializers.BooleanField(required=False, allow_null=True, default=None)
    changed = serializers.BooleanField(required=False, allow_null=True, default=None)


ValidationRunPageSerializer = page_serializer(
    "ValidationRunPage", ValidationRunSerializer(many=True)
)


# -- waivers ----------------------------------------------------------------------------------


class WaiverCreateSerializer(StrictSerializer):
    """``POST /proposals/{id}/waivers/``: leave to merge one blocking finding."""

    rule = StrictCharField(max_length=20, help_text="The finding's rule, e.g. OMS-C028.")
    element = StrictCharField(max_length=200, help_text="The finding's kind/apiName.")
    path = StrictCharField(max_length=500, help_text="The finding's path inside the element.")
    reason = StrictCharField(max_length=5000)
    expiresAt = serializers.DateTimeField(source="expires_at")  # noqa: N815


class WaiverSerializer(serializers.ModelSerializer):
    expiresAt = serializers.DateTimeField(source="expires_at")  # noqa: N815
    approvedBy = serializers.CharField(source="approved_by")  # noqa: N815
    approvedAt = serializers.DateTimeField(source="approved_at", allow_null=True)  # noqa: N815
    createdAt = serializers.DateTimeField(source="created_at")  # noqa: N815

    class Meta:
        model = Waiver
        fields = ["id", "rule", "element", "path", "reason", "expiresAt", "author",
                  "approvedBy", "approvedAt", "createdAt"]  # fmt: skip


WaiverPageSerializer = page_serializer("WaiverPage", WaiverSerializer(many=True))


class ImpactSerializer(serializers.Serializer):
    element = serializers.CharField(help_text="kind/apiName of the element that refers.")
    path = serializers.CharField(help_text="Where it names the changed element.")
    refersTo = serializers.CharField(source="refers_to")  # noqa: N815
    change = serializers.ChoiceField(["changed", "removed", "renamed"])


ImpactPageSerializer = page_serializer("ImpactPage", ImpactSerializer(many=True))
