"""The admin's proposal pages: open one, read its diff and checks, review it, settle its
conflicts and merge or close it, each button calling the service the API calls."""

from __future__ import annotations

import json
from typing import Any

import markdown
import nh3
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from branches import proposals, selectors
from branches.models import Proposal, Review
from integrations.user_service.principal import APPROVE, BRANCH_ADMIN, WRITE, Principal
from oms_project.admin_site import allowed, curator
from oms_project.exceptions import OMSError
from ontology.admin import diff_groups
from ontology.diff import diff_refs
from ontology.exceptions import NoMergeBase
from ontology.storage import get_store
from ontology.storage.exceptions import RefNotFound

VERDICTS = {"approve": Review.APPROVE, "request_changes": Review.REQUEST_CHANGES,
            "comment": Review.COMMENT}  # fmt: skip


def branches_page(request: HttpRequest) -> HttpResponse:
    """Every branch: head, base, ahead and behind, policy, open proposals, and where to go."""
    views = selectors.branch_list()
    return render(request, "admin/branches/branches.html", {
        **admin.site.each_context(request), "title": "Branches", "branches": views,
        "can_admin": allowed(request, BRANCH_ADMIN), "can_write": allowed(request, WRITE),
    })  # fmt: skip


def releases_page(request: HttpRequest) -> HttpResponse:
    """Tags and releases, newest first, each release's notes rendered from Markdown."""
    tags = sorted(selectors.tag_list(), key=lambda t: str(t.created_at), reverse=True)
    rows = [{"tag": t, "notes": rendered_markdown(t.release.notes) if t.release else ""}
            for t in tags]  # fmt: skip
    return render(request, "admin/branches/releases.html", {
        **admin.site.each_context(request), "title": "Tags and releases", "rows": rows,
    })  # fmt: skip


def rendered_markdown(text: str) -> SafeString:
    """Markdown as HTML with only harmless tags and attributes left (``nh3``): notes carry
    element names and descriptions, which are anybody's text."""
    html = markdown.markdown(text, extensions=["tables", "sane_lists"])
    return mark_safe(nh3.clean(html))  # noqa: S308 - sanitised just above


def proposal_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A proposal: description, diff, conflicts with resolution controls, checks, reviews."""
    proposal = get_object_or_404(Proposal, pk=pk)
    resolutions: dict[str, Any] = {}
    if request.method == "POST":
        resolutions, bad = _resolutions(request)
        action = request.POST.get("action", "")
        if bad:
            messages.error(request, f"Not JSON: the value for {', '.join(bad)}.")
        elif action != "check":
            done = _act(request, proposal, action, resolutions)
            if done:
                return HttpResponseRedirect(request.path)
    checks: list[Any] = []
    conflicts: list[dict[str, Any]] = []
    diff = None
    impact: list[selectors.Impact] = []
    if proposal.is_open:
        try:
            checks, conflicts = proposals.proposal_conflicts(proposal=proposal,
                                                             resolutions=resolutions)  # fmt: skip
            diff = diff_refs(base=proposal.target, head=proposal.source, mode="merge-base")
            impact = selectors.proposal_impact(proposal)
        except (RefNotFound, NoMergeBase) as exc:
            messages.error(request, str(exc))
    principal = curator(request)
    return render(request, "admin/branches/proposal.html", {
        **admin.site.each_context(request),
        "title": f"Proposal #{proposal.pk}: {proposal.title}", "proposal": proposal,
        "reviews": proposal.reviews.order_by("created_at"),
        "events": proposal.events.order_by("at"),
        "checks": checks, "conflicts": [_conflict(c, resolutions) for c in conflicts],
        "diff": diff, "summary": diff.summary if diff else {}, "bump": diff.bump if diff else "",
        "elements": diff_groups(diff, proposal.source) if diff else [],
        "can_review": principal is not None and principal.has_scope(APPROVE),
        "can_write": allowed(request, WRITE), "resolutions_json": json.dumps(resolutions),
        "impact": impact, "waivers": proposal.waivers.order_by("id"),
    })  # fmt: skip


def proposal_new(request: HttpRequest) -> HttpResponse:
    """Open a proposal from a branch into another (``ontology:write``)."""
    branches = [b.name for b in get_store().branches()]
    values = {"source": request.GET.get("source", ""), "target": get_store().default_branch,
              "title": "", "description": ""}  # fmt: skip
    if request.method == "POST":
        values = {name: request.POST.get(name, "").strip() for name in values}
        try:
            proposal = proposals.proposal_open(actor=_actor(request), **values)
        except OMSError as exc:
            _report(request, exc)
        else:
            messages.success(request, f"Proposal #{proposal.pk} opened.")
            return HttpResponseRedirect(reverse("admin:branches-proposal", args=[proposal.pk]))
    return render(request, "admin/branches/proposal_new.html", {
        **admin.site.each_context(request), "title": "Open a proposal", "branches": branches,
        **values,
    })  # fmt: skip


def _act(request: HttpRequest, proposal: Proposal, action: str, resolutions: dict) -> bool:
    """Run one button's service; whether it went through (else the page shows why)."""
    actor = _actor(request)
    try:
        if action in VERDICTS:
            proposals.proposal_review(proposal=proposal, verdict=VERDICTS[action], actor=actor,
                                      body=request.POST.get("body", "").strip())  # fmt: skip
            messages.success(request, "Review recorded.")
        elif action in ("merge", "squash") and allowed(request, WRITE):
            outcome = proposals.proposal_merge(
                proposal=proposal, actor=actor, resolutions=resolutions,
                strategy="squash" if action == "squash" else "merge",
            )  # fmt: skip
            written = outcome.written.commit if outcome.written else None
            commit = written.id[:12] if written else "nothing"
            messages.success(request, f"Merged into {proposal.target}: commit {commit}.")
        elif action == "close" and allowed(request, WRITE):
            proposals.proposal_close(proposal=proposal, actor=actor)
            messages.success(request, "Proposal closed.")
        else:
            messages.error(request, f"You may not {action or 'do that'} here.")
            return False
    except OMSError as exc:
        _report(request, exc)
        return False
    return True


def _report(request: HttpRequest, exc: OMSError) -> None:
    details = [f"{e.get('path', '')}: {e.get('message', '')}" for e in exc.errors[:10]]
    messages.error(request, " ".join([exc.detail, *details]))


def _actor(request: HttpRequest) -> Principal:
    found = curator(request)
    assert found is not None  # the site admits signed-in curators only
    return found


def _resolutions(request: HttpRequest) -> tuple[dict[str, Any], list[str]]:
    """``resolution:<key>`` = source | target | value (with ``value:<key>``, JSON)."""
    chosen: dict[str, Any] = {}
    bad: list[str] = []
    for name, choice in request.POST.items():
        if not name.startswith("resolution:") or not choice:
            continue
        key = name.removeprefix("resolution:")
        if choice in ("source", "target"):
            chosen[key] = choice
        elif choice == "value":
            try:
                chosen[key] = {"value": json.loads(request.POST.get(f"value:{key}", ""))}
            except ValueError:
                bad.append(key)
    return chosen, bad


def _conflict(conflict: dict[str, Any], resolutions: dict[str, Any]) -> dict[str, Any]:
    shown = {side: json.dumps(conflict.get(side), indent=1, sort_keys=True)
             for side in ("base", "source", "target")}  # fmt: skip
    return {**conflict, **{f"{k}_json": v for k, v in shown.items()},
            "chosen": resolutions.get(conflict["key"], "")}  # fmt: skip
