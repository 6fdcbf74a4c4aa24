"""``/api/v1/branches/{b}/action-types/{apiName}/validate|preview|submissions/`` and
``/api/v1/action-submissions/``: the action service (docs/actions.md)."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from actions import services
from actions.api import serializers as s
from actions.evaluation import Checked
from actions.exceptions import IdempotencyKeyMissing
from actions.models import Submission
from integrations.user_service.principal import AUDIT_READ, READ, SUBMIT
from oms_project.api import ApiViewSet
from oms_project.pagination import envelope, page_of_queryset
from oms_project.schema import problems
from ontology.catalog import Catalog

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=True,
    description="The client's key for this submission: the same key again answers the "
    "submission it recorded (200), never a second one.",
)  # fmt: skip
KEY_MAX = 200


class ActionTypeServiceViewSet(ApiViewSet):
    """What an application does with an action type: check, preview, submit."""

    resource = ("action", "actions")
    required_scopes = {"validate": READ, "preview": READ, "submit": SUBMIT}

    @extend_schema(
        summary="Check a submission: every problem at once, or valid",
        request=s.ActionRequestSerializer, parameters=[s.ActionReadQuerySerializer],
        responses={200: s.ValidationResultSerializer, **problems(400, 401, 403, 404)},
    )  # fmt: skip
    def validate(self, request: Request, branch: str, api_name: str) -> Response:
        checked, catalog = self._checked(branch, api_name)
        return Response({"valid": checked.valid, "problems": checked.problems,
                         **_read_at(checked, catalog)})  # fmt: skip

    @extend_schema(
        summary="The edits a submission would make (nothing is written)",
        request=s.ActionRequestSerializer, parameters=[s.ActionReadQuerySerializer],
        responses={200: s.PreviewSerializer, **problems(400, 401, 403, 404)},
    )  # fmt: skip
    def preview(self, request: Request, branch: str, api_name: str) -> Response:
        checked, catalog = self._checked(branch, api_name)
        edits = services.action_preview(checked=checked, catalog=catalog, actor=self.actor)
        return Response({"edits": edits, **_read_at(checked, catalog)})

    @extend_schema(
        summary="Submit an action: recorded once per Idempotency-Key, side effects dispatched",
        request=s.ActionRequestSerializer, parameters=[IDEMPOTENCY_KEY],
        responses={201: s.SubmissionSerializer, 200: s.SubmissionSerializer,
                   **problems(400, 401, 403, 404, 409)},
    )  # fmt: skip
    def submit(self, request: Request, branch: str, api_name: str) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > KEY_MAX:
            raise IdempotencyKeyMissing(
                f"Send an Idempotency-Key header (1 to {KEY_MAX} characters) with each "
                "submission: a retry with the same key never submits twice."
            )
        parameters = self.body(s.ActionRequestSerializer)["parameters"]
        submission, created = services.submission_create(
            branch=branch, api_name=api_name, parameters=parameters, key=key, actor=self.actor
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(s.SubmissionSerializer(submission).data, status=code)

    def _checked(self, branch: str, api_name: str) -> tuple[Checked, Catalog]:
        """The request's parameters checked against the action type at ``?at=``."""
        at = self.query(s.ActionReadQuerySerializer).get("at")
        parameters = self.body(s.ActionRequestSerializer)["parameters"]
        return services.action_checked(
            branch=branch, api_name=api_name, parameters=parameters, actor=self.actor, at=at
        )


def _read_at(checked: Checked, catalog: Catalog) -> dict[str, str]:
    """Which commit and which version of the action type an answer was read at."""
    return {"commit": catalog.commit, "actionVersion": catalog.version_of(checked.action)}


@extend_schema_view(
    list=extend_schema(
        summary="Action submissions, newest first (yours; every one with audit:read)",
        parameters=[s.SubmissionListQuerySerializer],
        responses={200: s.SubmissionPageSerializer, **problems(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="One action submission and the state of its side effects",
        parameters=[OpenApiParameter("id", str, OpenApiParameter.PATH)],
        responses={200: s.SubmissionSerializer, **problems(401, 403, 404)},
    ),
)  # fmt: skip
class SubmissionViewSet(ApiViewSet):
    """Submissions as their submitters (and auditors) see them."""

    lookup_value_regex = r"[^/]{1,64}"
    resource = ("action_submission", "action_submissions")
    required_scopes = {"list": READ, "retrieve": READ}

    def list(self, request: Request) -> Response:
        params = self.query(s.SubmissionListQuerySerializer)
        names = {"actionType": "action_type", "submittedBy": "submitted_by"}
        filters = {names.get(k, k): v for k, v in params.items()
                   if k in ("state", "actionType", "branch", "submittedBy")}  # fmt: skip
        page = page_of_queryset(
            self._visible().filter(**filters), key="sequence", cursor=params.get("cursor"),
            limit=params["limit"],
        )  # fmt: skip
        found = s.SubmissionSerializer(page.results, many=True).data
        return Response(envelope(found, next=page.next, count=page.count))

    def retrieve(self, request: Request, pk: str) -> Response:
        try:
            submission_id = uuid.UUID(pk)
        except ValueError:
            raise Http404(f"No action submission {pk!r}.") from None
        submission = get_object_or_404(self._visible(), id=submission_id)
        return Response(s.SubmissionSerializer(submission).data)

    def _visible(self) -> QuerySet[Submission]:
        rows = Submission.objects.all()
        if self.actor.has_scope(AUDIT_READ):
            return rows
        return rows.filter(submitted_by=self.actor.username)
