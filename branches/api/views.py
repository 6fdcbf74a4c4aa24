"""``/api/v1/branches/`` and ``/api/v1/proposals/``: branches, merges and change proposals."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from branches import proposals, releases, selectors, services
from branches.api import serializers as s
from branches.models import Proposal, Release
from integrations.user_service.permissions import principal_of
from integrations.user_service.principal import BRANCH_ADMIN, READ, WRITE
from oms_project.schema import problems
from ontology.api.diff import DiffSerializer
from ontology.diff import diff_refs
from ontology.storage.base import REF_URL_PATTERN
from ontology.storage.exceptions import InvalidChange

MERGE_ERRORS = problems(400, 401, 403, 404, 409, 422, 423)


def valid(serializer_class: type, data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def merged(outcome: services.MergeOutcome) -> Response:
    code = status.HTTP_200_OK if outcome.dry_run else status.HTTP_201_CREATED
    return Response(s.MergeOutcomeSerializer(outcome).data, status=code)


@extend_schema_view(
    list=extend_schema(summary="List branches"),
    retrieve=extend_schema(summary="A branch: head, policy, ahead and behind its base"),
    create=extend_schema(summary="Create a branch"),
    partial_update=extend_schema(summary="Change a branch's policy"),
    destroy=extend_schema(summary="Delete a branch"),
)
class BranchViewSet(viewsets.ViewSet):
    """Branches of the ontology, their policy, and merges between them."""

    lookup_field = "name"
    lookup_value_regex = REF_URL_PATTERN
    required_scopes = {
        "list": READ, "retrieve": READ, "create": WRITE, "destroy": BRANCH_ADMIN,
        "partial_update": BRANCH_ADMIN, "merge": WRITE, "rebase": WRITE, "revert": WRITE,
        "reset": BRANCH_ADMIN,
    }  # fmt: skip

    @extend_schema(responses={200: s.BranchSerializer(many=True), **problems(401, 403)})
    def list(self, request: Request) -> Response:
        return Response(s.BranchSerializer(selectors.branch_list(), many=True).data)

    @extend_schema(responses={200: s.BranchSerializer, **problems(400, 401, 403, 404)})
    def retrieve(self, request: Request, name: str) -> Response:
        return Response(s.BranchSerializer(selectors.branch_get(name=name)).data)

    @extend_schema(
        request=s.BranchCreateSerializer,
        responses={201: s.BranchSerializer, **problems(400, 401, 403, 404, 409)},
    )
    def create(self, request: Request) -> Response:
        data = valid(s.BranchCreateSerializer, request.data)
        services.branch_create(name=data["name"], start=data["from"], actor=principal_of(request))
        view = selectors.branch_get(name=data["name"])
        return Response(s.BranchSerializer(view).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.BranchPolicySerializer,
        responses={200: s.BranchSerializer, **problems(400, 401, 403, 404)},
    )
    def partial_update(self, request: Request, name: str) -> Response:
        data = valid(s.BranchPolicySerializer, request.data)
        services.branch_policy_update(name=name, changes=data, actor=principal_of(request))
        return Response(s.BranchSerializer(selectors.branch_get(name=name)).data)

    @extend_schema(responses={204: None, **problems(400, 401, 403, 404, 423)})
    def destroy(self, request: Request, name: str) -> Response:
        services.branch_delete(name=name, actor=principal_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Merge another branch into this one",
        request=s.MergeSerializer, responses={201: s.MergeOutcomeSerializer, **MERGE_ERRORS},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, name: str) -> Response:
        data = valid(s.MergeSerializer, request.data)
        return merged(
            services.branch_merge(
                source=data["source"],
                target=name,
                actor=principal_of(request),
                strategy=data["strategy"],
                resolutions=data["resolutions"],
                message=data["message"],
                dry_run=data["dryRun"],
            )  # fmt: skip
        )

    @extend_schema(
        summary="Update this branch from its base (or another branch)",
        request=s.RebaseSerializer, responses={201: s.MergeOutcomeSerializer, **MERGE_ERRORS},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def rebase(self, request: Request, name: str) -> Response:
        data = valid(s.RebaseSerializer, request.data)
        onto = data.get("onto") or services.policy_of(name).base
        if not onto:
            raise InvalidChange(f"Branch {name!r} has no recorded base: give 'onto'.")
        return merged(
            services.branch_rebase(
                branch=name,
                onto=onto,
                actor=principal_of(request),
                resolutions=data["resolutions"],
                dry_run=data["dryRun"],
            )  # fmt: skip
        )

    @extend_schema(
        summary="Revert a commit or a merged proposal as a new commit",
        request=s.RevertSerializer, responses={201: s.MergeOutcomeSerializer, **MERGE_ERRORS},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def revert(self, request: Request, name: str) -> Response:
        data = valid(s.RevertSerializer, request.data)
        commit: str
        if "proposal" in data:  # the serializer admits exactly one of proposal and commit
            proposal = get_object_or_404(Proposal, pk=data["proposal"])
            if proposal.state != Proposal.MERGED:
                raise InvalidChange(f"Proposal #{proposal.pk} is {proposal.state}, not merged.")
            commit = proposal.merged_commit
        else:
            commit = data["commit"]
        return merged(
            services.branch_revert(
                branch=name,
                commit=commit,
                actor=principal_of(request),
                resolutions=data["resolutions"],
                message=data["message"],
                dry_run=data["dryRun"],
            )  # fmt: skip
        )

    @extend_schema(
        summary="Point this branch at another commit (admins; unprotected branches only)",
        request=s.ResetSerializer,
        responses={200: s.BranchSerializer, **problems(400, 401, 403, 404, 409, 423)},
    )
    @action(detail=True, methods=["post"])
    def reset(self, request: Request, name: str) -> Response:
        data = valid(s.ResetSerializer, request.data)
        services.branch_reset(
            branch=name,
            to=data["to"],
            actor=principal_of(request),
            expected_head=data.get("expectedHead"),
        )
        return Response(s.BranchSerializer(selectors.branch_get(name=name)).data)


@extend_schema_view(
    list=extend_schema(summary="List proposals"),
    create=extend_schema(summary="Open a proposal"),
    retrieve=extend_schema(summary="A proposal with its checks"),
    partial_update=extend_schema(summary="Change a proposal's title or description"),
    reviews=extend_schema(summary="A proposal's reviews, or give one"),
    close=extend_schema(summary="Close a proposal without merging"),
    reopen=extend_schema(summary="Reopen a closed proposal"),
)
class ProposalViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):  # fmt: skip
    """Change proposals: source → target, reviewed and gated before they merge."""

    queryset = Proposal.objects.all()
    serializer_class = s.ProposalSerializer
    required_scopes = {
        "list": READ, "retrieve": READ, "create": WRITE, "partial_update": WRITE,
        "reviews": READ, "merge": WRITE, "close": WRITE, "reopen": WRITE, "diff": READ,
    }  # fmt: skip

    def get_queryset(self) -> QuerySet[Proposal]:
        if self.action != "list":
            return Proposal.objects.all()
        params = valid(s.ProposalListQuerySerializer, self.request.query_params)
        return Proposal.objects.filter(**params)

    @extend_schema(
        parameters=[s.ProposalListQuerySerializer],
        responses={200: s.ProposalSerializer(many=True), **problems(400, 401, 403)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=s.ProposalCreateSerializer,
        responses={201: s.ProposalSerializer, **problems(400, 401, 403, 404)},
    )
    def create(self, request: Request) -> Response:
        data = valid(s.ProposalCreateSerializer, request.data)
        proposal = proposals.proposal_open(actor=principal_of(request), **data)
        return Response(s.ProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.ProposalDetailSerializer, **problems(401, 403, 404)})
    def retrieve(self, request: Request, pk: str) -> Response:
        proposal = self.get_object()
        checks = proposals.proposal_checks(proposal=proposal)
        proposal.checks = [proposals.check_dict(c) for c in checks]
        proposal.mergeable = all(c.passed for c in checks)
        return Response(s.ProposalDetailSerializer(proposal).data)

    @extend_schema(
        request=s.ProposalUpdateSerializer,
        responses={200: s.ProposalSerializer, **problems(400, 401, 403, 404, 409)},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        data = valid(s.ProposalUpdateSerializer, request.data)
        proposal = proposals.proposal_update(
            proposal=self.get_object(), changes=data, actor=principal_of(request)
        )
        return Response(s.ProposalSerializer(proposal).data)

    @extend_schema(
        methods=["GET"], responses={200: s.ReviewSerializer(many=True), **problems(401, 403, 404)}
    )
    @extend_schema(
        methods=["POST"], request=s.ReviewCreateSerializer,
        responses={201: s.ReviewSerializer, **problems(400, 401, 403, 404, 409)},
    )  # fmt: skip
    @action(detail=True, methods=["get", "post"])
    def reviews(self, request: Request, pk: str) -> Response:
        proposal = self.get_object()
        if request.method == "GET":
            return Response(s.ReviewSerializer(proposal.reviews.all(), many=True).data)
        data = valid(s.ReviewCreateSerializer, request.data)
        review = proposals.proposal_review(proposal=proposal, actor=principal_of(request), **data)
        return Response(s.ReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="What merging the proposal would bring (semantic diff from the merge base)",
        responses={200: DiffSerializer, **problems(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["get"])
    def diff(self, request: Request, pk: str) -> Response:
        proposal = self.get_object()
        found = diff_refs(base=proposal.target, head=proposal.source, mode="merge-base")
        return Response(DiffSerializer(found).data)

    @extend_schema(
        summary="Merge a proposal when every check passes",
        request=s.ProposalMergeSerializer,
        responses={201: s.MergeOutcomeSerializer, 200: s.MergeOutcomeSerializer, **MERGE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str) -> Response:
        data = valid(s.ProposalMergeSerializer, request.data)
        outcome = proposals.proposal_merge(
            proposal=self.get_object(), actor=principal_of(request), strategy=data["strategy"],
            resolutions=data["resolutions"], message=data["message"], dry_run=data["dryRun"],
        )  # fmt: skip
        return merged(outcome)

    @extend_schema(
        request=None, responses={200: s.ProposalSerializer, **problems(401, 403, 404, 409)}
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        proposal = proposals.proposal_close(proposal=self.get_object(), actor=principal_of(request))
        return Response(s.ProposalSerializer(proposal).data)

    @extend_schema(
        request=None, responses={200: s.ProposalSerializer, **problems(401, 403, 404, 409)}
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        proposal = proposals.proposal_reopen(
            proposal=self.get_object(), actor=principal_of(request)
        )
        return Response(s.ProposalSerializer(proposal).data)


@extend_schema_view(
    list=extend_schema(summary="List tags and releases"),
    retrieve=extend_schema(summary="A tag and its release"),
    create=extend_schema(summary="Create a tag, or the next release"),
    release_notes=extend_schema(summary="A release's notes (Markdown)"),
)
class TagViewSet(viewsets.ViewSet):
    """Tags (immutable) and releases (tags with a semantic version and notes)."""

    lookup_field = "name"
    lookup_value_regex = REF_URL_PATTERN
    required_scopes = {"list": READ, "retrieve": READ, "create": WRITE, "release_notes": READ}

    @extend_schema(responses={200: s.TagSerializer(many=True), **problems(401, 403)})
    def list(self, request: Request) -> Response:
        return Response(s.TagSerializer(selectors.tag_list(), many=True).data)

    @extend_schema(responses={200: s.TagSerializer, **problems(401, 403, 404)})
    def retrieve(self, request: Request, name: str) -> Response:
        return Response(s.TagSerializer(selectors.tag_get(name=name)).data)

    @extend_schema(
        request=s.TagCreateSerializer,
        responses={201: s.TagSerializer, **problems(400, 401, 403, 404, 409)},
    )
    def create(self, request: Request) -> Response:
        data = valid(s.TagCreateSerializer, request.data)
        actor = principal_of(request)
        if data["release"]:
            if not actor.has_scope(BRANCH_ADMIN):
                raise PermissionDenied(f"Cutting a release needs the scope {BRANCH_ADMIN!r}.")
            name = releases.release_create(
                target=data["target"], actor=actor, name=data.get("name", "")
            ).tag
        else:
            name = releases.tag_create(name=data["name"], target=data["target"], actor=actor).name
        return Response(
            s.TagSerializer(selectors.tag_get(name=name)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses={200: s.ReleaseNotesSerializer, **problems(401, 403, 404)})
    @action(detail=True, methods=["get"], url_path="release-notes")
    def release_notes(self, request: Request, name: str) -> Response:
        release = get_object_or_404(Release, tag=name)
        return Response(s.ReleaseNotesSerializer(release).data)
