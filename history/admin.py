"""The audit outbox in the admin: delivery state at a glance, dead letters re-driven."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from history.models import AuditEvent
from history.services import audit_events_redeliver
from integrations.user_service.principal import AUDIT_READ, BRANCH_ADMIN
from oms_project.admin_site import ScopedAdmin, allowed


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAdmin):
    view_scope = AUDIT_READ

    list_display = [
        "sequence", "type", "subject", "branch", "actor", "state", "attempts", "last_error", "time",
    ]  # fmt: skip
    list_filter = ["state", "type", "branch"]
    search_fields = ["subject", "commit", "actor", "id"]
    ordering = ["-sequence"]
    actions = ["redeliver"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False  # events are facts: they are re-driven by the action, never edited

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_redeliver_permission(self, request: HttpRequest) -> bool:
        return allowed(request, BRANCH_ADMIN)  # admins only

    @admin.action(description="Re-drive the selected dead letters", permissions=["redeliver"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[AuditEvent]) -> None:
        ids = list(queryset.filter(state=AuditEvent.DEAD).values_list("pk", flat=True))
        count = audit_events_redeliver(ids=ids) if ids else 0
        self.message_user(request, f"{count} event(s) back to pending.", messages.SUCCESS)
