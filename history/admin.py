"""History in the admin: the audit outbox (delivery state at a glance, dead letters
re-driven), each branch's commit log and each commit's semantic changes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import BadRequest
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_date, parse_datetime

from history import selectors
from history.models import AuditEvent
from history.services import audit_events_redeliver
from integrations.user_service.principal import AUDIT_READ, BRANCH_ADMIN
from oms_project.admin_site import Page, ScopedAdmin, allowed
from ontology import selectors as ontology_selectors
from ontology.admin import diff_groups
from ontology.diff import diff_refs
from ontology.exceptions import ElementNotFound
from ontology.storage import get_store
from ontology.storage.exceptions import InvalidCursor, InvalidName, RefNotFound


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


# -- pages: the commit log of a branch and each commit's semantic changes ----------------------


def commit_log_page(request: HttpRequest) -> HttpResponse:
    """A branch's commits, newest first, filtered by author and time, 50 a page."""
    store = get_store()
    branch = request.GET.get("branch", "").strip()[:100] or store.default_branch
    author = request.GET.get("author", "").strip()[:200] or None
    since, until = (request.GET.get(name, "").strip()[:40] for name in ("since", "until"))
    try:
        page = ontology_selectors.commit_log(
            branch=branch, author=author, cursor=request.GET.get("cursor") or None,
            since=_moment(since), until=_moment(until),
        )  # fmt: skip
    except RefNotFound as exc:
        raise Http404(str(exc)) from None
    except (InvalidName, InvalidCursor, ValueError) as exc:
        raise BadRequest(str(exc)) from None
    query = {"branch": branch, "author": author or "", "since": since, "until": until}
    return render(request, "admin/history/log.html", {
        **admin.site.each_context(request), "title": f"Commits of {branch}",
        "branch": branch, "branches": [b.name for b in store.branches()], **query,
        "commits": page.commits,
        "next_url": f"?{urlencode({**query, 'cursor': page.next_cursor})}"
        if page.next_cursor else "",
    })  # fmt: skip


def commit_page(request: HttpRequest, commit_id: str) -> HttpResponse:
    """One commit: author, message, parents, the proposal that brought it, its changes."""
    store = get_store()
    try:
        commit = store.get_commit(store.resolve(commit_id))
    except (RefNotFound, InvalidName) as exc:
        raise Http404(str(exc)) from None
    diff = diff_refs(base=commit.parents[0] if commit.parents else commit.id, head=commit.id)
    return render(request, "admin/history/commit.html", {
        **admin.site.each_context(request), "title": f"Commit {commit.id[:12]}",
        "commit": commit, "proposal": selectors.commit_proposal(commit=commit.id),
        "summary": diff.summary, "bump": diff.bump, "elements": diff_groups(diff, commit.id),
    })  # fmt: skip


def blame_page(request: HttpRequest, kind: str, api_name: str) -> HttpResponse:
    """Who last changed each field of an element on a branch, in which commit and proposal."""
    branch = request.GET.get("branch", "").strip()[:100] or get_store().default_branch
    try:
        lines = selectors.element_blame(branch=branch, kind=kind, api_name=api_name)
    except (RefNotFound, ElementNotFound) as exc:
        raise Http404(str(exc)) from None
    rows = [{"line": line, "value": json.dumps(line.value, sort_keys=True)[:200]}
            for line in lines]  # fmt: skip
    return render(request, "admin/history/blame.html", {
        **admin.site.each_context(request), "title": f"Blame of {kind}/{api_name} on {branch}",
        "branch": branch, "kind": kind, "api_name": api_name, "rows": rows,
    })  # fmt: skip


def _moment(value: str) -> datetime | None:
    """A filter's time: an ISO-8601 time, or a date (its midnight, UTC)."""
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ValueError(f"{value!r} is not a date or an ISO-8601 time.")
        moment = datetime(day.year, day.month, day.day)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


admin.site.register_page(Page("history/log/", commit_log_page, "history-log",  # type: ignore[attr-defined]
                              menu=("History", "Commit log")))  # fmt: skip
admin.site.register_page(Page("history/blame/<str:kind>/<str:api_name>/", blame_page,  # type: ignore[attr-defined]
                              "history-blame"))  # fmt: skip
admin.site.register_page(Page("history/commits/<str:commit_id>/", commit_page,  # type: ignore[attr-defined]
                              "history-commit"))  # fmt: skip
