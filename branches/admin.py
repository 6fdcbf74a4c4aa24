"""Branches, proposals and releases in the admin: read what happened, act through services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from branches import proposals
from branches.models import BranchPolicy, Proposal, ProposalEvent, Release, Review
from integrations.user_service.principal import principal_from_user


@admin.register(BranchPolicy)
class BranchPolicyAdmin(admin.ModelAdmin):
    list_display = ["branch", "protected", "required_approvals", "compatibility_mode", "base"]
    list_filter = ["protected", "compatibility_mode"]
    search_fields = ["branch"]
    readonly_fields = ["branch", "base", "updated_at", "updated_by"]

    def save_model(self, request: HttpRequest, obj: BranchPolicy, form, change) -> None:  # type: ignore[no-untyped-def]
        obj.updated_by = request.user.get_username()
        super().save_model(request, obj, form, change)


class ReviewInline(admin.TabularInline):
    model = Review
    extra = 0
    can_delete = False
    readonly_fields = ["reviewer", "verdict", "body", "source_head", "dismissed", "created_at"]

    def has_add_permission(self, request: HttpRequest, obj: Proposal | None = None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = ProposalEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "actor", "detail", "at"]

    def has_add_permission(self, request: HttpRequest, obj: Proposal | None = None) -> bool:
        return False


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "source", "target", "state", "author", "created_at"]
    list_filter = ["state", "target"]
    search_fields = ["title", "source", "target", "author"]
    readonly_fields = [
        "source", "target", "state", "author", "author_id", "created_at", "updated_at",
        "merged_commit", "merged_by", "merged_at",
    ]  # fmt: skip
    inlines = [ReviewInline, EventInline]
    actions = ["close"]

    @admin.action(description="Close the selected open proposals")
    def close(self, request: HttpRequest, queryset: QuerySet[Proposal]) -> None:
        actor = principal_from_user(request.user, source="session")
        closed = 0
        for proposal in queryset.filter(state=Proposal.OPEN):
            proposals.proposal_close(proposal=proposal, actor=actor)
            closed += 1
        self.message_user(request, f"{closed} proposal(s) closed.", messages.SUCCESS)


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ["tag", "version", "bump", "commit", "created_by", "created_at"]
    readonly_fields = [f.name for f in Release._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Release | None = None) -> bool:
        return False
