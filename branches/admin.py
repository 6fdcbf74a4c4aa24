"""Branches, proposals and releases in the admin: read what happened, act through services.

Every save here calls the service the API calls, with the signed-in curator as the actor, so
its checks, permissions and events are the API's. Nothing can be added here that the API
could not add: policies come with branches, proposals are opened and reviewed through the
API (and, later, the curators' pages), and nothing is deleted.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from branches import proposals, services
from branches.admin_pages import branches_page, proposal_new, proposal_page, releases_page
from branches.models import (
    BranchPolicy,
    CompatibilityOverride,
    Proposal,
    ProposalEvent,
    Release,
    Review,
    ValidationRun,
)
from integrations.user_service.principal import BRANCH_ADMIN, WRITE, Principal
from oms_project.admin_site import Page, ScopedAdmin, ScopedInline, allowed, curator


def actor_of(request: HttpRequest) -> Principal:
    """The signed-in curator as the services' actor."""
    found = curator(request)
    assert found is not None  # the admin serves signed-in curators only
    return found


@admin.register(BranchPolicy)
class BranchPolicyAdmin(ScopedAdmin):
    list_display = ["branch", "protected", "required_approvals", "compatibility_mode", "base"]
    list_filter = ["protected", "compatibility_mode"]
    search_fields = ["branch"]
    readonly_fields = ["branch", "base", "updated_at", "updated_by"]
    fields = ["branch", "protected", "required_approvals", "compatibility_mode", "base",
              "updated_at", "updated_by"]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a branch's policy is created with the branch

    def has_delete_permission(self, request: HttpRequest, obj: BranchPolicy | None = None) -> bool:
        return False  # and goes with it; deleting the row would unprotect the branch

    def has_change_permission(self, request: HttpRequest, obj: BranchPolicy | None = None) -> bool:
        return allowed(request, BRANCH_ADMIN)

    def save_model(
        self, request: HttpRequest, obj: BranchPolicy, form: ModelForm[BranchPolicy], change: bool
    ) -> None:
        """Through ``branch_policy_update``, like ``PATCH /branches/{name}/``: one event."""
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if changes:
            services.branch_policy_update(name=obj.branch, changes=changes, actor=actor_of(request))


class ReviewInline(ScopedInline):
    """Reviews are given through the service, never edited here."""

    model = Review
    fields = readonly_fields = (
        "reviewer", "reviewer_id", "verdict", "body", "source_head", "dismissed", "created_at",
    )  # fmt: skip


class EventInline(ScopedInline):
    model = ProposalEvent
    fields = readonly_fields = ("action", "actor", "detail", "at")


@admin.register(Proposal)
class ProposalAdmin(ScopedAdmin):
    list_display = ["id", "page", "source", "target", "state", "author", "created_at"]
    list_filter = ["state", "target"]
    search_fields = ["title", "source", "target", "author"]
    readonly_fields = [
        "source", "target", "state", "author", "author_id", "created_at", "updated_at",
        "merged_commit", "merged_by", "merged_at",
    ]  # fmt: skip
    inlines = [ReviewInline, EventInline]
    actions = ["close"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # proposals are opened through ``proposal_open`` (the API)

    def has_delete_permission(self, request: HttpRequest, obj: Proposal | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Proposal | None = None) -> bool:
        # Editing and closing are ``ontology:write``, as in the API; merged and closed
        # proposals are history.
        return allowed(request, WRITE) and (obj is None or obj.is_open)

    def get_readonly_fields(self, request: HttpRequest, obj: Proposal | None = None) -> list[str]:
        if obj is not None and not obj.is_open:
            return [*self.readonly_fields, "title", "description"]
        return list(self.readonly_fields)

    def save_model(
        self, request: HttpRequest, obj: Proposal, form: ModelForm[Proposal], change: bool
    ) -> None:
        """Through ``proposal_update``, like ``PATCH /proposals/{id}/``: one event."""
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if changes:
            fresh = Proposal.objects.get(pk=obj.pk)
            proposals.proposal_update(proposal=fresh, changes=changes, actor=actor_of(request))

    @admin.display(description="title")
    def page(self, obj: Proposal) -> str:
        """The proposal's own page: diff, checks, reviews and the buttons."""
        url = reverse("admin:branches-proposal", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.title)

    @admin.action(description="Close the selected open proposals", permissions=["change"])
    def close(self, request: HttpRequest, queryset: QuerySet[Proposal]) -> None:
        actor = actor_of(request)
        closed = 0
        for proposal in queryset.filter(state=Proposal.OPEN):
            proposals.proposal_close(proposal=proposal, actor=actor)
            closed += 1
        self.message_user(request, f"{closed} proposal(s) closed.", messages.SUCCESS)


@admin.register(Release)
class ReleaseAdmin(ScopedAdmin):
    list_display = ["tag", "version", "bump", "commit", "created_by", "created_at"]
    readonly_fields = [f.name for f in Release._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Release | None = None) -> bool:
        return False


admin.site.register_page(Page("branches/all/", branches_page, "branches-list",  # type: ignore[attr-defined]
                              menu=("Branches and proposals", "Branches")))  # fmt: skip
admin.site.register_page(Page("branches/proposals/<int:pk>/", proposal_page,  # type: ignore[attr-defined]
                              "branches-proposal"))  # fmt: skip
admin.site.register_page(Page("branches/releases/", releases_page, "branches-releases",  # type: ignore[attr-defined]
                              menu=("Branches and proposals", "Tags and releases")))  # fmt: skip
PROPOSE = ("Branches and proposals", "Open a proposal")
admin.site.register_page(Page("branches/proposals/new/", proposal_new,  # type: ignore[attr-defined]
                              "branches-proposal-new", menu=PROPOSE, scope=WRITE))  # fmt: skip


class ReadOnlyAdmin(ScopedAdmin):
    """Rows the admin shows and never edits (they change through the API or by running)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(CompatibilityOverride)
class CompatibilityOverrideAdmin(ReadOnlyAdmin):
    """Set through ``PATCH /branches/{name}/`` (``compatibilityOverrides``), one event each."""

    list_display = ["branch", "scope", "name", "mode", "updated_by"]
    list_filter = ["scope", "mode", "branch"]


@admin.register(ValidationRun)
class ValidationRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "branch", "short_commit", "trigger", "passed", "errors", "warnings",
                    "changed", "finished_at"]  # fmt: skip
    list_filter = ["passed", "changed", "trigger", "branch"]
    readonly_fields = ["branch", "commit", "trigger", "actor", "passed", "errors", "warnings",
                       "changed", "findings", "checked", "started_at", "finished_at"]  # fmt: skip

    @admin.display(description="commit")
    def short_commit(self, run: ValidationRun) -> str:
        return run.commit[:12]
