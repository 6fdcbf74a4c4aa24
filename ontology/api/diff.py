"""``/api/v1/diff/?base=&head=&mode=``: the semantic diff of two refs, with compatibility."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from integrations.user_service.principal import READ
from oms_project.api import ApiViewSet
from oms_project.schema import problems
from ontology.diff import AFFECTS, BUMPS, IMPACTS, MODES, diff_refs
from ontology.kinds import KINDS


class DiffQuerySerializer(serializers.Serializer):
    """Which two refs to compare, and from where."""

    base = serializers.CharField(max_length=200, help_text="Branch, tag or commit id.")
    head = serializers.CharField(max_length=200, help_text="Branch, tag or commit id.")
    mode = serializers.ChoiceField(
        MODES,
        default="direct",
        help_text="direct: base → head. merge-base: merge base of the two → head, i.e. what "
        "merging head into base would bring.",
    )


class ChangeRecordSerializer(serializers.Serializer):
    """One typed change inside one element, with its compatibility classification."""

    type = serializers.CharField(help_text="ObjectTypeAdded, PropertyRenamed, ...")
    kind = serializers.ChoiceField(list(KINDS))
    elementId = serializers.CharField(source="element_id")  # noqa: N815
    apiName = serializers.CharField(  # noqa: N815
        source="api_name", help_text="The element's apiName after (before, when removed)."
    )
    member = serializers.CharField(
        allow_null=True, help_text="apiName of the property, parameter or link the path is in."
    )
    path = serializers.CharField(
        help_text="JSON path inside the element ($ is the element itself), e.g. "
        "$.properties[id=p-1f].dataType."
    )
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)
    rule = serializers.CharField(help_text="Stable compatibility rule id, e.g. OMS-C031.")
    impact = serializers.ChoiceField(IMPACTS)
    affects = serializers.ListField(child=serializers.ChoiceField(AFFECTS))
    hint = serializers.CharField(allow_blank=True, help_text="How to avoid the break.")


class ImpactCountsSerializer(serializers.Serializer):
    breaking = serializers.IntegerField()
    additive = serializers.IntegerField()
    safe = serializers.IntegerField()


class DiffSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Number of changes.")
    uncovered = serializers.IntegerField(help_text="Differences no rule covers.")
    byImpact = ImpactCountsSerializer()  # noqa: N815
    byKind = serializers.DictField(child=serializers.IntegerField())  # noqa: N815
    byType = serializers.DictField(child=serializers.IntegerField())  # noqa: N815


class DiffSerializer(serializers.Serializer):
    """A semantic diff: changes in (kind, apiName, path) order, and what no rule covered."""

    base = serializers.CharField(help_text="The commit base resolved to.")
    head = serializers.CharField(help_text="The commit head resolved to.")
    mode = serializers.ChoiceField(MODES)
    mergeBase = serializers.CharField(  # noqa: N815
        source="merge_base", allow_null=True,
        help_text="The commit the diff starts from in merge-base mode (null in direct mode).",
    )  # fmt: skip
    summary = DiffSummarySerializer()
    versionBump = serializers.ChoiceField(  # noqa: N815
        BUMPS, source="bump", help_text="What a release of these changes raises."
    )
    changes = ChangeRecordSerializer(many=True)
    uncovered = ChangeRecordSerializer(
        many=True, help_text="Differences no rule covers (type FieldChanged): review by hand."
    )


EXAMPLE = OpenApiExample(
    "A property renamed on a feature branch",
    response_only=True,
    value={
        "base": "c1a2", "head": "c9f8", "mode": "merge-base", "mergeBase": "c1a2",
        "summary": {
            "total": 1, "uncovered": 0, "byImpact": {"breaking": 1, "additive": 0, "safe": 0},
            "byKind": {"object-types": 1}, "byType": {"PropertyRenamed": 1},
        },
        "versionBump": "major",
        "changes": [{
            "type": "PropertyRenamed", "kind": "object-types", "elementId": "ot-3c1d",
            "apiName": "Customer", "member": "emailAddress",
            "path": "$.properties[id=p-77ab].apiName", "before": "email",
            "after": "emailAddress", "rule": "OMS-C029", "impact": "breaking",
            "affects": ["api-clients"],
            "hint": "Clients call the old apiName: add the new one next to it and deprecate "
                    "the old one, or ship the rename in a major release.",
        }],
        "uncovered": [],
    },
)  # fmt: skip


class DiffViewSet(ApiViewSet):
    """The semantic diff between any two refs."""

    resource = ("diff", "diffs")
    required_scopes = {"retrieve": READ}

    @extend_schema(
        tags=["diff"], summary="Semantic diff of two refs, with compatibility findings",
        parameters=[DiffQuerySerializer], examples=[EXAMPLE],
        responses={200: DiffSerializer, **problems(400, 401, 403, 404, 409)},
    )  # fmt: skip
    def retrieve(self, request: Request) -> Response:
        params = self.query(DiffQuerySerializer)
        diff = diff_refs(base=params["base"], head=params["head"], mode=params["mode"])
        return Response(DiffSerializer(diff).data)
