"""``POST /api/v1/branches/{branch}/import/``: a bundle or Turtle as one checked commit, or,
with ``?propose=<target>``, an upgrade in one call (``branches.upgrades``)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from branches.upgrades import ontology_upgrade
from integrations.user_service.principal import WRITE
from oms_project.api import ApiViewSet
from oms_project.parsers import JSONParser
from oms_project.schema import problems
from ontology import bundles, turtle
from ontology.api.transfer import (
    TURTLE,
    BundleSerializer,
    DataFormatNegotiation,
    ImportQuerySerializer,
    ImportReportSerializer,
    TurtleParser,
    bundle_data,
    turtle_text,
)
from ontology.api.views import COMMIT_MESSAGE, WRITE_ERRORS, commit_message
from ontology.bundles import ImportReport


class BranchImportViewSet(ApiViewSet):
    """Apply a bundle or Turtle to the branch; with ``propose``, also open its proposal."""

    parser_classes = [JSONParser, TurtleParser]
    content_negotiation_class = DataFormatNegotiation
    required_scopes = {"create": WRITE}

    @extend_schema(
        tags=["import/export"],
        summary="Import a JSON bundle or OWL/RDFS Turtle into the branch (one commit), or "
        "upgrade: import and propose it for a target",
        operation_id="import_into_branch",
        parameters=[ImportQuerySerializer, COMMIT_MESSAGE],
        request={"application/json": BundleSerializer, TURTLE: OpenApiTypes.STR},
        responses={
            201: ImportReportSerializer,
            200: OpenApiResponse(
                ImportReportSerializer, description="A dry run, or nothing to change."
            ),
            **WRITE_ERRORS,
            **problems(415),
        },
    )
    def create(self, request: Request, branch: str) -> Response:
        params = self.query(ImportQuerySerializer)
        data_format = params.get("format") or (
            "turtle" if request.content_type.startswith(TURTLE) else "json"
        )
        payload = turtle_text(request) if data_format == "turtle" else bundle_data(request)

        def run_import(onto: str) -> ImportReport:
            options = {
                "branch": onto,
                "actor": self.actor,
                "message": commit_message(request, ""),
                "mode": params["mode"],
                "dry_run": params["dryRun"],
            }
            if data_format == "turtle":
                return turtle.turtle_import(text=payload, **options)
            return bundles.bundle_import(bundle=payload, **options)

        if not params.get("propose"):
            report = run_import(branch)
            code = status.HTTP_201_CREATED if report.commit else status.HTTP_200_OK
            return Response({**report.as_dict(), "proposal": None}, status=code)
        upgrade = ontology_upgrade(
            branch=branch, target=params["propose"], actor=self.actor, run_import=run_import,
            title=params.get("title", ""),
        )  # fmt: skip
        changed = upgrade.report.commit or upgrade.proposal
        code = status.HTTP_201_CREATED if changed else status.HTTP_200_OK
        return Response(upgrade.as_dict(), status=code)
