"""Action submissions in the admin: their state and each side effect's, read-only (the
submitters' record; auditors see every one)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from actions.models import Submission
from integrations.user_service.principal import AUDIT_READ
from oms_project.admin_site import ScopedAdmin, allowed


@admin.register(Submission)
class SubmissionAdmin(ScopedAdmin):
    list_display = [
        "created_at", "action_type", "branch", "submitted_by", "state", "attempts", "last_error",
    ]  # fmt: skip
    list_filter = ["state", "action_type", "branch"]
    search_fields = ["id", "action_type", "submitted_by", "idempotency_key"]
    ordering = ["-sequence"]
    readonly_fields = [f.name for f in Submission._meta.fields]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Submission]:
        rows = super().get_queryset(request)
        if allowed(request, AUDIT_READ):
            return rows
        return rows.filter(submitted_by=request.user.get_username())

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # submitted through the API, checked against the action type

    def has_change_permission(self, request: HttpRequest, obj: Submission | None = None) -> bool:
        return False  # a record of what happened

    def has_delete_permission(self, request: HttpRequest, obj: Submission | None = None) -> bool:
        return False
