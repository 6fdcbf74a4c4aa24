"""``/api/v1/branches/{branch}/export/``, and the shapes of ``/import/`` (served by
``branches.api.imports``, which can also open an upgrade's proposal): a whole branch as a
bundle or Turtle.

``?format=`` names the data format of the body (``json``: the lossless OMS bundle,
``turtle``: OWL/RDFS), not a DRF renderer, so these views pick their renderer themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import IO, Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from integrations.user_service.principal import READ
from oms_project.api import ApiViewSet
from oms_project.parsers import body_text
from oms_project.renderers import JSONRenderer
from ontology import bundles, selectors, turtle
from ontology.api.views import READ_ERRORS
from ontology.diff import BUMPS
from ontology.exceptions import InvalidBundle, InvalidTurtle

TURTLE = "text/turtle"
FORMATS = ["json", "turtle"]


class TurtleParser(BaseParser):
    """A ``text/turtle`` body as text (the import parses it with rdflib)."""

    media_type = TURTLE

    # The stubs allow a mapping only; DRF hands any parse result on as request.data.
    def parse(  # type: ignore[override]
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> str:
        return body_text(stream, parser_context)


class TurtleRenderer(BaseRenderer):
    """Turtle text as it is."""

    media_type = TURTLE
    format = "turtle"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return data.encode("utf-8") if isinstance(data, str) else bytes(data or b"")


class DataFormatNegotiation(DefaultContentNegotiation):
    """Picks the renderer named by ``?format=`` (the data format), else the first one."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        wanted = request.query_params.get("format", "json")
        candidates = list(renderers)
        renderer = next((r for r in candidates if r.format == wanted), candidates[0])
        return renderer, renderer.media_type


# -- shapes -----------------------------------------------------------------------------------


class ExportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(FORMATS, default="json")
    at = serializers.CharField(
        required=False, max_length=200, help_text="A commit id, a tag or an ISO-8601 time."
    )


class ImportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(
        FORMATS, required=False, help_text="Default: turtle for a text/turtle body, else json."
    )
    mode = serializers.ChoiceField(
        bundles.MODES,
        default="merge",
        help_text="merge: add and update; replace: also delete what the import does not hold.",
    )
    dryRun = serializers.BooleanField(  # noqa: N815
        default=False, help_text="Report what would change; write nothing."
    )
    propose = serializers.CharField(
        required=False, max_length=200,
        help_text="An upgrade in one call: import onto this branch (made from the named target "
        "when it does not exist) and open a proposal to bring it into the target, with the "
        "release bump and the mapping's findings.",
    )  # fmt: skip
    title = serializers.CharField(
        required=False, max_length=300, help_text="The proposal's title (with propose)."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("propose") and attrs["dryRun"]:
            raise serializers.ValidationError(
                {"dryRun": ["A dry run opens no proposal: leave out propose."]}
            )
        return attrs


class BundleSerializer(serializers.Serializer):
    """The OMS bundle: every element of a branch, exactly as stored."""

    format = serializers.ChoiceField([bundles.FORMAT])
    formatVersion = serializers.IntegerField(min_value=1, max_value=1)  # noqa: N815
    branch = serializers.CharField(required=False)
    commit = serializers.CharField(required=False)
    exportedAt = serializers.DateTimeField(required=False)  # noqa: N815
    elements = serializers.ListField(
        child=serializers.DictField(), help_text="Elements sorted by kind then apiName."
    )


class FindingSubjectSerializer(serializers.Serializer):
    subject = serializers.CharField(help_text="The IRI the finding is about.")
    detail = serializers.CharField(required=False, help_text="What is particular to it.")


class FindingSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="What was assumed or left out, once.")
    count = serializers.IntegerField(help_text="How many subjects it concerns.")
    subjects = FindingSubjectSerializer(
        many=True, help_text="The first 20 subjects, sorted by IRI."
    )


class UpgradeProposalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # drf-stubs#158
    target = serializers.CharField()
    bump = serializers.ChoiceField(BUMPS, help_text="What a release of these changes raises.")
    summary = serializers.DictField(help_text="The diff's counts, as GET /diff/ gives them.")


class ImportReportSerializer(serializers.Serializer):
    branch = serializers.CharField()
    format = serializers.ChoiceField(FORMATS)
    mode = serializers.ChoiceField(bundles.MODES)
    dryRun = serializers.BooleanField()  # noqa: N815
    base = serializers.CharField(help_text="The branch head the import was planned on.")
    commit = serializers.CharField(
        allow_null=True, help_text="The new commit; null for a dry run or when nothing changed."
    )
    created = serializers.ListField(child=serializers.CharField(), help_text="kind/apiName")
    updated = serializers.ListField(child=serializers.CharField())
    renamed = serializers.ListField(child=serializers.CharField(), help_text="kind/old -> new")
    deleted = serializers.ListField(child=serializers.CharField())
    unchanged = serializers.ListField(child=serializers.CharField())
    cascaded = serializers.ListField(
        child=serializers.CharField(),
        help_text="Rewritten because an element they name was renamed.",
    )
    warnings = FindingSerializer(many=True, help_text="Assumptions the Turtle mapping made.")
    unmapped = FindingSerializer(many=True, help_text="What the Turtle mapping left out.")
    proposal = UpgradeProposalSerializer(
        required=False, allow_null=True,
        help_text="With propose: the proposal opened or brought up to date (null when the "
        "branch brings nothing new).",
    )  # fmt: skip


# -- views ------------------------------------------------------------------------------------


class BranchExportViewSet(ApiViewSet):
    """``GET /branches/{branch}/export/``: the whole branch as a bundle or as Turtle."""

    renderer_classes = [JSONRenderer, TurtleRenderer]
    content_negotiation_class = DataFormatNegotiation
    required_scopes = {"export": READ}

    @extend_schema(
        tags=["import/export"],
        summary="Export the branch (JSON bundle or OWL/RDFS Turtle)",
        operation_id="export_branch",
        parameters=[ExportQuerySerializer],
        responses={
            (200, "application/json"): BundleSerializer,
            (200, TURTLE): OpenApiTypes.STR,
            **READ_ERRORS,
        },
    )
    def export(self, request: Request, branch: str) -> Response:
        params = self.query(ExportQuerySerializer)
        catalog = selectors.catalog_at(branch=branch, at=params.get("at"))
        if params["format"] == "turtle":
            body: Any = turtle.catalog_turtle(catalog, branch=branch)
        else:
            body = bundles.catalog_bundle(catalog, branch=branch)
        response = Response(body)
        response["X-Commit-Id"] = catalog.commit
        return response


def turtle_text(request: Request) -> str:
    if not request.content_type.startswith(TURTLE) or not isinstance(request.data, str):
        raise InvalidTurtle(f"Send the Turtle with Content-Type: {TURTLE}.")
    return request.data


def bundle_data(request: Request) -> Any:
    if request.content_type.startswith(TURTLE):
        raise InvalidBundle("A text/turtle body needs ?format=turtle.")
    return request.data
