"""``/api/v1/branches/`` and ``/api/v1/proposals/``: branches, merges and change proposals."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from branches import compatibility, proposals, releases, selectors, services, validation_runs
from branches.api import serializers as s
from branches.models import Proposal, Release, ValidationRun, Waiver
from integrations.user_service.principal import APPROVE, BRANCH_ADMIN, READ, WRITE
from oms_project.api import ApiViewSet
from oms_project.pagination import PageQuerySerializer, envelope, filters_of, page_of_sorted
from oms_project.schema import problems
from ontology.api.diff import DiffSerializer
from ontology.api.serializers import batch_operations
from ontology.diff import diff_refs
from ontology.storage import get_store
from ontology.storage.base import REF_URL_PATTERN
from ontology.storage.exceptions import InvalidChange

MERGE_ERRORS = problems(400, 401, 403, 404, 409, 422, 423)
PROPOSAL = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The proposal number.")


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
class BranchViewSet(ApiViewSet):
    """Branches of the ontology, their policy, and merges between them."""

    lookup_field = "name"
    lookup_value_regex = REF_URL_PATTERN
    resource = ("branch", "branches")
    required_scopes = {
        "list": READ, "retrieve": READ, "create": WRITE, "destroy": BRANCH_ADMIN,
        "partial_update": BRANCH_ADMIN, "merge": WRITE, "rebase": WRITE, "revert": WRITE,
        "reset": BRANCH_ADMIN, "validate": WRITE,
    }  # fmt: skip

    @extend_schema(
        parameters=[PageQuerySerializer],
        responses={200: s.BranchPageSerializer, **problems(400, 401, 403)},
    )
    def list(self, request: Request) -> Response:
        page = page_of_sorted(
            get_store().branches(), key=lambda ref: ref.name, **self.query(PageQuerySerializer)
        )
        branches = s.BranchSerializer(selectors.branch_list(page.results), many=True).data
        return Response(envelope(branches, next=page.next, count=page.count))

    @extend_schema(responses={200: s.BranchSerializer, **problems(400, 401, 403, 404)})
    def retrieve(self, request: Request, name: str) -> Response:
        return Response(s.BranchSerializer(selectors.branch_get(name=name)).data)

    @extend_schema(
        request=s.BranchCreateSerializer,
        responses={201: s.BranchSerializer, **problems(400, 401, 403, 404, 409)},
    )
    def create(self, request: Request) -> Response:
        data = self.body(s.BranchCreateSerializer)
        services.branch_create(name=data["name"], start=data["from"], actor=self.actor)
        view = selectors.branch_get(name=data["name"])
        return Response(s.BranchSerializer(view).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.BranchPolicySerializer,
        responses={200: s.BranchSerializer, **problems(400, 401, 403, 404)},
    )
    def partial_update(self, request: Request, name: str) -> Response:
        data = self.body(s.BranchPolicySerializer)
        services.branch_policy_update(name=name, changes=data, actor=self.actor)
        return Response(s.BranchSerializer(selectors.branch_get(name=name)).data)

    @extend_schema(responses={204: None, **problems(400, 401, 403, 404, 423)})
    def destroy(self, request: Request, name: str) -> Response:
        services.branch_delete(name=name, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Merge another branch into this one", operation_id="merge_into_branch",
        request=s.MergeSerializer, responses={201: s.MergeOutcomeSerializer, **MERGE_ERRORS},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, name: str) -> Response:
        data = self.body(s.MergeSerializer)
        return merged(
            services.branch_merge(
                source=data["source"],
                target=name,
                actor=self.actor,
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
        data = self.body(s.RebaseSerializer)
        onto = data.get("onto") or services.policy_of(name).base
        if not onto:
            raise InvalidChange(f"Branch {name!r} has no recorded base: give 'onto'.")
        return merged(
            services.branch_rebase(
                branch=name,
                onto=onto,
                actor=self.actor,
                resolutions=data["resolutions"],
                dry_run=data["dryRun"],
            )  # fmt: skip
        )

    @extend_schema(
        summary="Revert a commit or a merged proposal as a new commit",
        operation_id="revert_on_branch",
        request=s.RevertSerializer, responses={201: s.MergeOutcomeSerializer, **MERGE_ERRORS},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def revert(self, request: Request, name: str) -> Response:
        data = self.body(s.RevertSerializer)
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
                actor=self.actor,
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
        data = self.body(s.ResetSerializer)
        services.branch_reset(
            branch=name,
            to=data["to"],
            actor=self.actor,
            expected_head=data.get("expectedHead"),
        )
        return Response(s.BranchSerializer(selectors.branch_get(name=name)).data)

    @extend_schema(
        summary="Validate the branch now: integrity, compatibility, deprecations (one run)",
        request=None,
        responses={201: s.ValidationRunSerializer, 200: s.ValidationRunSerializer,
                   **problems(401, 403, 404)},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def validate(self, request: Request, name: str) -> Response:
        before = ValidationRun.objects.filter(branch=name).order_by("-id").first()
        run = validation_runs.branch_validate(
            branch=name, trigger=ValidationRun.API, actor=self.actor
        )
        code = status.HTTP_200_OK if before and run.pk == before.pk else status.HTTP_201_CREATED
        return Response(s.ValidationRunSerializer(run).data, status=code)


@extend_schema_view(
    list=extend_schema(summary="List proposals"),
    create=extend_schema(summary="Open a proposal", operation_id="open_proposal"),
    retrieve=extend_schema(summary="A proposal with its checks", parameters=[PROPOSAL]),
    partial_update=extend_schema(
        summary="Change a proposal's title or description", parameters=[PROPOSAL]
    ),
    reviews=extend_schema(parameters=[PROPOSAL]),
    waivers=extend_schema(parameters=[PROPOSAL]),
    approve_waiver=extend_schema(parameters=[PROPOSAL]),
    impact=extend_schema(
        parameters=[PROPOSAL],
        operation_id="get_proposal_impact",
        summary="Every element that refers to what the proposal changes",
        responses={200: s.ImpactPageSerializer, **problems(401, 403, 404)},
    ),
    diff=extend_schema(parameters=[PROPOSAL]),
    merge=extend_schema(parameters=[PROPOSAL]),
    close=extend_schema(summary="Close a proposal without merging", parameters=[PROPOSAL]),
    reopen=extend_schema(summary="Reopen a closed proposal", parameters=[PROPOSAL]),
)
class ProposalViewSet(ApiViewSet):
    """Change proposals: source → target, reviewed and gated before they merge."""

    lookup_value_regex = r"[0-9]{1,18}"
    resource = ("proposal", "proposals")
    required_scopes = {
        "list": READ, "retrieve": READ, "create": WRITE, "partial_update": WRITE,
        "reviews": READ, "merge": WRITE, "close": WRITE, "reopen": WRITE, "diff": READ,
        "waivers": READ, "waivers:POST": WRITE, "approve_waiver": APPROVE, "impact": READ,
    }  # fmt: skip

    @extend_schema(
        parameters=[s.ProposalListQuerySerializer],
        responses={200: s.ProposalPageSerializer, **problems(400, 401, 403)},
    )
    def list(self, request: Request) -> Response:
        filters = filters_of(self.query(s.ProposalListQuerySerializer))
        return self.paged(Proposal.objects.filter(**filters), s.ProposalSerializer)

    @extend_schema(
        request=s.ProposalCreateSerializer,
        responses={201: s.ProposalSerializer, **problems(400, 401, 403, 404)},
    )
    def create(self, request: Request) -> Response:
        data = self.body(s.ProposalCreateSerializer)
        proposal = proposals.proposal_open(actor=self.actor, **data)
        return Response(s.ProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.ProposalDetailSerializer, **problems(401, 403, 404)})
    def retrieve(self, request: Request, pk: str) -> Response:
        proposal = _proposal(pk)
        checks = proposals.proposal_checks(proposal=proposal)
        return Response(s.ProposalDetailSerializer(proposal, context={"checks": checks}).data)

    @extend_schema(
        request=s.ProposalUpdateSerializer,
        responses={200: s.ProposalSerializer, **problems(400, 401, 403, 404, 409)},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        data = self.body(s.ProposalUpdateSerializer)
        proposal = proposals.proposal_update(proposal=_proposal(pk), changes=data, actor=self.actor)
        return Response(s.ProposalSerializer(proposal).data)

    @extend_schema(
        methods=["GET"], parameters=[PageQuerySerializer], operation_id="list_proposal_reviews",
        summary="A proposal's reviews, newest first",
        responses={200: s.ReviewPageSerializer, **problems(400, 401, 403, 404)},
    )  # fmt: skip
    @extend_schema(
        methods=["POST"], request=s.ReviewCreateSerializer, operation_id="review_proposal",
        summary="Review a proposal (approve, request changes or comment)",
        responses={201: s.ReviewSerializer, **problems(400, 401, 403, 404, 409)},
    )  # fmt: skip
    @action(detail=True, methods=["get", "post"])
    def reviews(self, request: Request, pk: str) -> Response:
        proposal = _proposal(pk)
        if request.method == "GET":
            return self.paged(proposal.reviews.all(), s.ReviewSerializer)
        data = self.body(s.ReviewCreateSerializer)
        review = proposals.proposal_review(proposal=proposal, actor=self.actor, **data)
        return Response(s.ReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        parameters=[PageQuerySerializer],
        operation_id="list_waivers",
        summary="A proposal's waivers, newest first",
        responses={200: s.WaiverPageSerializer, **problems(400, 401, 403, 404)},
    )
    @extend_schema(
        methods=["POST"], request=s.WaiverCreateSerializer, operation_id="request_waiver",
        summary="Ask to let one blocking compatibility finding through (another approver agrees)",
        responses={201: s.WaiverSerializer, **problems(400, 401, 403, 404, 409)},
    )  # fmt: skip
    @action(detail=True, methods=["get", "post"])
    def waivers(self, request: Request, pk: str) -> Response:
        proposal = _proposal(pk)
        if request.method == "GET":
            return self.paged(proposal.waivers.all(), s.WaiverSerializer)
        data = self.body(s.WaiverCreateSerializer)
        waiver = proposals.waiver_request(proposal=proposal, actor=self.actor, **data)
        return Response(s.WaiverSerializer(waiver).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve a waiver (proposals:approve, not its author)", request=None,
        operation_id="approve_waiver",
        parameters=[OpenApiParameter("waiver", int, OpenApiParameter.PATH)],
        responses={200: s.WaiverSerializer, **problems(401, 403, 404, 409)},
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path=r"waivers/(?P<waiver>[0-9]{1,18})/approve")
    def approve_waiver(self, request: Request, pk: str, waiver: str) -> Response:
        found = get_object_or_404(Waiver, pk=waiver, proposal_id=_proposal(pk).pk)
        approved = proposals.waiver_approve(waiver=found, actor=self.actor)
        return Response(s.WaiverSerializer(approved).data)

    @action(detail=True, methods=["get"])
    def impact(self, request: Request, pk: str) -> Response:
        found = s.ImpactSerializer(selectors.proposal_impact(_proposal(pk)), many=True).data
        return Response(envelope(found, next=None, count=len(found)))

    @extend_schema(
        summary="What merging the proposal would bring (semantic diff from the merge base)",
        operation_id="get_proposal_diff",
        responses={200: DiffSerializer, **problems(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["get"])
    def diff(self, request: Request, pk: str) -> Response:
        proposal = _proposal(pk)
        found = diff_refs(base=proposal.target, head=proposal.source, mode="merge-base")
        return Response(DiffSerializer(found).data)

    @extend_schema(
        summary="Merge a proposal when every check passes",
        request=s.ProposalMergeSerializer,
        responses={201: s.MergeOutcomeSerializer, 200: s.MergeOutcomeSerializer, **MERGE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str) -> Response:
        data = self.body(s.ProposalMergeSerializer)
        outcome = proposals.proposal_merge(
            proposal=_proposal(pk), actor=self.actor, strategy=data["strategy"],
            resolutions=data["resolutions"], message=data["message"], dry_run=data["dryRun"],
        )  # fmt: skip
        return merged(outcome)

    @extend_schema(
        request=None, responses={200: s.ProposalSerializer, **problems(401, 403, 404, 409)}
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        proposal = proposals.proposal_close(proposal=_proposal(pk), actor=self.actor)
        return Response(s.ProposalSerializer(proposal).data)

    @extend_schema(
        request=None, responses={200: s.ProposalSerializer, **problems(401, 403, 404, 409)}
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        proposal = proposals.proposal_reopen(proposal=_proposal(pk), actor=self.actor)
        return Response(s.ProposalSerializer(proposal).data)


@extend_schema_view(
    list=extend_schema(summary="List tags and releases"),
    retrieve=extend_schema(summary="A tag and its release"),
    create=extend_schema(summary="Create a tag, or the next release"),
    release_notes=extend_schema(
        summary="A release's notes (Markdown)", operation_id="get_release_notes"
    ),
)
class TagViewSet(ApiViewSet):
    """Tags (immutable) and releases (tags with a semantic version and notes)."""

    lookup_field = "name"
    lookup_value_regex = REF_URL_PATTERN
    resource = ("tag", "tags")
    required_scopes = {"list": READ, "retrieve": READ, "create": WRITE, "release_notes": READ}

    @extend_schema(
        parameters=[PageQuerySerializer],
        responses={200: s.TagPageSerializer, **problems(400, 401, 403)},
    )
    def list(self, request: Request) -> Response:
        page = page_of_sorted(
            selectors.tag_list(), key=lambda tag: (tag.created_at.isoformat(), tag.name),
            newest_first=True, **self.query(PageQuerySerializer),
        )  # fmt: skip
        tags = s.TagSerializer(page.results, many=True).data
        return Response(envelope(tags, next=page.next, count=page.count))

    @extend_schema(responses={200: s.TagSerializer, **problems(401, 403, 404)})
    def retrieve(self, request: Request, name: str) -> Response:
        return Response(s.TagSerializer(selectors.tag_get(name=name)).data)

    @extend_schema(
        request=s.TagCreateSerializer,
        responses={201: s.TagSerializer, **problems(400, 401, 403, 404, 409)},
    )
    def create(self, request: Request) -> Response:
        data = self.body(s.TagCreateSerializer)
        actor = self.actor
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


def _proposal(pk: str) -> Proposal:
    """The proposal ``pk`` names (404 when there is none)."""
    return get_object_or_404(Proposal, pk=pk)


@extend_schema_view(
    create=extend_schema(
        summary="Check what one ref brings over another against the compatibility modes",
        operation_id="check_compatibility",
        request=s.CompatibilityCheckSerializer,
        responses={200: s.CompatibilityReportSerializer, **problems(400, 401, 403, 404, 409)},
    )
)
class CompatibilityViewSet(ApiViewSet):
    """``POST /compatibility/check/``: the gate's report for any two refs (nothing written)."""

    required_scopes = {"create": READ}

    def create(self, request: Request) -> Response:
        data = self.body(s.CompatibilityCheckSerializer)
        if "changes" in data:
            operations = batch_operations(data["changes"])
            return Response(compatibility.batch_report(
                branch=data["branch"], operations=operations, actor=self.actor
            ))  # fmt: skip
        report = compatibility.refs_report(
            base=data["base"], head=data["head"], mode=data["mode"], branch=data.get("branch", "")
        )
        return Response(report.as_dict())


@extend_schema_view(
    list=extend_schema(
        summary="List validation runs, newest first",
        parameters=[s.ValidationRunListQuerySerializer],
        responses={200: s.ValidationRunPageSerializer, **problems(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="A validation run with its findings",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={200: s.ValidationRunSerializer, **problems(401, 403, 404)},
    ),
)  # fmt: skip
class ValidationRunViewSet(ApiViewSet):
    """Validation runs: scheduled, asked through the API, or run by the command."""

    lookup_value_regex = r"[0-9]{1,18}"
    resource = ("validation_run", "validation_runs")
    required_scopes = {"list": READ, "retrieve": READ}

    def list(self, request: Request) -> Response:
        filters = filters_of(self.query(s.ValidationRunListQuerySerializer))
        return self.paged(ValidationRun.objects.filter(**filters), s.ValidationRunSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(s.ValidationRunSerializer(get_object_or_404(ValidationRun, pk=pk)).data)
