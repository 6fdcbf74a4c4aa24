"""The ontology browser of the admin: every kind's elements at any branch, tag or commit,
and each element's page with its members, its links in and out and its history.

Read-only, through the selectors (the index and the store, like the API); the ref chosen
in the switcher travels in every link as ``?ref=``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from integrations.user_service.principal import WRITE
from oms_project.admin_site import Page, allowed, curator
from oms_project.exceptions import OMSError
from ontology import selectors
from ontology.datatypes import type_name
from ontology.diff import Diff, Mode, diff_refs
from ontology.exceptions import ElementNotFound, InvalidAt, NoMergeBase
from ontology.index.projection import FILTERS
from ontology.kinds import KINDS
from ontology.references import references
from ontology.services import Operation, element_payload, elements_commit
from ontology.storage import get_store
from ontology.storage.base import Document
from ontology.storage.exceptions import InvalidName, RefNotFound

PAGE_SIZE = 50
STATUSES = ["", "experimental", "active", "deprecated", "example"]
MEMBERS = {"object-types": "properties", "action-types": "parameters", "interfaces": "properties",
           "value-types": "constraints"}  # fmt: skip


def browse(request: HttpRequest) -> HttpResponse:
    """A page of one kind's elements, searched and filtered, by apiName."""
    ref = _ref(request)
    kind = request.GET.get("kind", "object-types")
    if kind not in KINDS:
        raise Http404(f"No kind {kind!r}.")
    search, status = request.GET.get("search", "")[:200], request.GET.get("status", "")
    group, after = request.GET.get("group", "")[:100], request.GET.get("after", "")[:200]
    own = {name: request.GET.get(name, "")[:100] for name in FILTERS[kind]}
    catalog = _catalog(ref)
    page = catalog.documents(selectors.element_choice(
        catalog=catalog, kind=kind, search=search, group=group, after=after, limit=PAGE_SIZE,
        status=status if status in STATUSES else "", filters={k: v for k, v in own.items() if v},
    ))  # fmt: skip
    rows = [{"document": d, "url": _element_url(d["kind"], d["apiName"], ref)}
            for d in page.documents]  # fmt: skip
    query = {"ref": ref, "kind": kind, "search": search, "status": status, "group": group,
             **own}  # fmt: skip
    more = page.more and page.documents
    return render(request, "admin/ontology/browse.html", {
        **_context(request, f"{KINDS[kind].label.capitalize()}s at {ref}", ref),
        "kind": kind, "kinds": _kind_tabs(ref, kind), "rows": rows, "count": page.count,
        "exact": page.exact, "search": search, "status": status, "group": group,
        "statuses": STATUSES[1:], "filters": list(own.items()),
        "next_url": f"?{urlencode({**query, 'after': page.documents[-1]['apiName']})}"
        if more else "",
        "first_url": f"?{urlencode(query)}" if after else "",
    })  # fmt: skip


def element(request: HttpRequest, kind: str, api_name: str) -> HttpResponse:
    """One element: its members, what it refers to, what refers to it, its history; an
    editor changes it on a branch here, through the same service as the API."""
    ref = _ref(request)
    if kind not in KINDS:
        raise Http404(f"No kind {kind!r}.")
    edited = ""
    if request.method == "POST":
        edited = request.POST.get("document", "")
        renamed = _save(request, ref, kind, api_name, edited)
        if renamed is not None:
            return HttpResponseRedirect(_element_url(kind, renamed, ref))
    catalog = _catalog(ref)
    try:
        document = selectors.element_get(catalog=catalog, kind=kind, api_name=api_name)
    except ElementNotFound as exc:
        raise Http404(str(exc)) from None
    outgoing = []
    for reference in references(document):
        target = next((t for k in reference.kinds if (t := catalog.get(k, reference.name))), None)
        outgoing.append({
            "path": ".".join(str(p) for p in reference.path), "name": reference.name,
            "kind": target["kind"] if target else "/".join(reference.kinds),
            "url": _element_url(target["kind"], reference.name, ref) if target else "",
        })  # fmt: skip
    incoming = [{"document": d, "url": _element_url(d["kind"], d["apiName"], ref)}
                for d in catalog.referring_to(kind, api_name)]  # fmt: skip
    actions = [i for i in incoming if i["document"]["kind"] == "action-types"]
    members_field = MEMBERS.get(kind, "")
    context = _context(request, f"{KINDS[kind].label.capitalize()} {api_name}", ref)
    return render(request, "admin/ontology/element.html", {
        **context,
        "kind": kind, "kind_label": KINDS[kind].label, "document": document,
        "version": catalog.version_of(document),
        "members_field": members_field,
        "members": [_member(m) for m in document.get(members_field, [])],
        "outgoing": outgoing, "incoming": incoming, "actions": actions,
        "history": _history(ref, document["id"]),
        "list_url": f"{reverse('admin:ontology-browse')}?{urlencode({'ref': ref, 'kind': kind})}",
        "raw": json.dumps(document, indent=2, sort_keys=True),
        "can_edit": allowed(request, WRITE) and ref in context["branches"],
        "editable": edited or json.dumps(element_payload(document), indent=2),
    })  # fmt: skip


def _save(request: HttpRequest, branch: str, kind: str, api_name: str, text: str) -> str | None:
    """The element replaced by the JSON a curator edited (``elements_commit``, with the
    version they saw as ``If-Match``); its apiName after the save, or None (and why)."""
    if not allowed(request, WRITE):
        raise PermissionDenied
    try:
        body = json.loads(text)
    except ValueError as exc:
        messages.error(request, f"Not JSON: {exc}.")
        return None
    actor = curator(request)
    assert actor is not None  # the site admits signed-in curators only
    message = request.POST.get("message", "").strip()[:5000] or f"Edit {kind}/{api_name}"
    operation = Operation("update", kind, api_name=api_name, body=body,
                          if_match=request.POST.get("version") or None)  # fmt: skip
    try:
        result = elements_commit(branch=branch, operations=[operation], actor=actor,
                                 message=message)  # fmt: skip
    except OMSError as exc:
        paths = [f"{e.get('path', '')}: {e.get('message', '')}" for e in exc.errors[:10]]
        messages.error(request, " ".join([exc.detail, *paths]))
        return None
    messages.success(request, f"Saved on {branch}.")
    return str(result.elements[0]["apiName"])


def graph(request: HttpRequest) -> HttpResponse:
    """Object types as nodes, link types as edges (with cardinality), interfaces apart;
    filtered by group or by a search of names."""
    ref = _ref(request)
    group, search = request.GET.get("group", "")[:100], request.GET.get("search", "")[:200]
    catalog = _catalog(ref)
    chosen = selectors.element_choice(catalog=catalog, kind="object-types", group=group,
                                      search=search, limit=None)  # fmt: skip
    types = catalog.documents(chosen).documents
    shown = {d["apiName"] for d in types}
    interfaces = catalog.of_kind("interfaces")
    nodes = [_node(d, ref, "object-type") for d in types]
    nodes += [
        _node(d, ref, "interface")
        for d in interfaces
        if any(d["apiName"] in t.get("implements", []) for t in types) or not (group or search)
    ]
    edges = [
        {
            "data": {
                "id": f"lt:{d['apiName']}",
                "source": d["source"]["objectType"],
                "target": d["target"]["objectType"],
                "kind": "link",
                "label": f"{d['apiName']} ({d['cardinality']})",
                "url": _element_url("link-types", d["apiName"], ref),
            }
        }
        for d in catalog.of_kind("link-types")
        if d["source"]["objectType"] in shown and d["target"]["objectType"] in shown
    ]
    named = {n["data"]["id"] for n in nodes}
    edges += [
        {
            "data": {
                "id": f"impl:{t['apiName']}:{i}",
                "source": t["apiName"],
                "target": f"if:{i}",
                "kind": "implements",
                "label": "implements",
            }
        }
        for t in types
        for i in t.get("implements", [])
        if f"if:{i}" in named
    ]
    return render(request, "admin/ontology/graph.html", {
        **_context(request, f"The ontology at {ref}", ref), "group": group, "search": search,
        "elements": {"nodes": nodes, "edges": edges}, "counts": (len(types), len(edges)),
    })  # fmt: skip


def _node(document: Document, ref: str, kind: str) -> dict[str, Any]:
    name = document["apiName"]
    return {"data": {"id": name if kind == "object-type" else f"if:{name}",
                     "label": document.get("displayName") or name, "kind": kind,
                     "url": _element_url(document["kind"], name, ref)}}  # fmt: skip


def compare(request: HttpRequest) -> HttpResponse:
    """The semantic diff between two refs, grouped by element, breaking changes marked."""
    default = get_store().default_branch
    base = request.GET.get("base", "").strip()[:200] or default
    head = request.GET.get("head", "").strip()[:200] or default
    mode: Mode = "direct" if request.GET.get("mode") == "direct" else "merge-base"
    try:
        diff = diff_refs(base=base, head=head, mode=mode)
    except (RefNotFound, InvalidName, NoMergeBase) as exc:
        raise Http404(str(exc)) from None
    return render(request, "admin/ontology/diff.html", {
        **_context(request, f"Changes from {base} to {head}", head),
        "base": base, "head": head, "mode": mode, "diff": diff, "summary": diff.summary,
        "bump": diff.bump, "elements": diff_groups(diff, head),
    })  # fmt: skip


def diff_groups(diff: Diff, ref: str) -> list[dict[str, Any]]:
    """The changes of a diff by element, in its order: added, removed or changed, and
    whether any of its changes is breaking (for the admin's diff and proposal pages)."""
    groups: dict[str, dict[str, Any]] = {}
    for change in (*diff.changes, *diff.uncovered):
        group = groups.setdefault(change.element_id, {
            "kind": change.kind, "api_name": change.api_name, "changes": [], "breaking": False,
            "state": "changed", "url": _element_url(change.kind, change.api_name, ref),
        })  # fmt: skip
        if change.path == "$" and change.before is None:
            group["state"] = "added"
        elif change.path == "$" and change.after is None:
            group["state"], group["url"] = "removed", ""
        group["breaking"] = group["breaking"] or change.impact == "breaking"
        group["changes"].append({
            "change": change, "before": _shown(change.before), "after": _shown(change.after),
        })  # fmt: skip
    return list(groups.values())


def _shown(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= 300 else text[:300] + "…"


# -- helpers --------------------------------------------------------------------------------


def _ref(request: HttpRequest) -> str:
    return request.GET.get("ref", "").strip()[:200] or get_store().default_branch


def _catalog(ref: str) -> Any:
    try:
        return selectors.catalog_of_ref(ref)
    except (RefNotFound, InvalidName, InvalidAt) as exc:
        raise Http404(f"No branch, tag or commit {ref!r}: {exc}") from None


def _context(request: HttpRequest, title: str, ref: str) -> dict[str, Any]:
    store = get_store()
    return {
        **admin.site.each_context(request), "title": title, "ref": ref,
        "branches": [b.name for b in store.branches()], "tags": [t.name for t in store.tags()],
    }  # fmt: skip


def _kind_tabs(ref: str, current: str) -> list[dict[str, Any]]:
    base = reverse("admin:ontology-browse")
    return [{"label": f"{k.label.capitalize()}s", "current": k.segment == current,
             "url": f"{base}?{urlencode({'ref': ref, 'kind': k.segment})}"}
            for k in KINDS.values()]  # fmt: skip


def _element_url(kind: str, api_name: str, ref: str) -> str:
    url = reverse("admin:ontology-element", kwargs={"kind": kind, "api_name": api_name})
    return f"{url}?{urlencode({'ref': ref})}"


def _member(member: dict[str, Any]) -> dict[str, Any]:
    """A property, parameter, interface property or constraint as one table row."""
    name = member.get("apiName") or member.get("sharedProperty") or member.get("type", "")
    shown = type_name(member["dataType"]) if "dataType" in member else ""
    return {**member, "name": name, "type_label": shown, "origin": member.get("originIri", "")}


def _history(ref: str, doc_id: str) -> list[Any]:
    try:
        return list(get_store().log(ref, doc_id=doc_id, limit=20).commits)
    except RefNotFound:
        return []


admin.site.register_page(Page("ontology/", browse, "ontology-browse",  # type: ignore[attr-defined]
                              menu=("Ontology", "Browse elements")))  # fmt: skip
admin.site.register_page(Page("ontology/graph/", graph, "ontology-graph",  # type: ignore[attr-defined]
                              menu=("Ontology", "Graph")))  # fmt: skip
admin.site.register_page(Page("ontology/diff/", compare, "ontology-diff",  # type: ignore[attr-defined]
                              menu=("Ontology", "Compare two refs")))  # fmt: skip
admin.site.register_page(Page("ontology/<str:kind>/<str:api_name>/",  # type: ignore[attr-defined]
                              element, "ontology-element"))  # fmt: skip
