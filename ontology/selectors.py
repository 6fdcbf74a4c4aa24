"""Reads of the ontology: at a branch head, a commit, a tag, or a moment in time."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime

from oms_project import progress
from ontology.catalog import Catalog, Choice, Text, catalog_for, head_catalog
from ontology.exceptions import ElementNotFound, InvalidAt
from ontology.index import maintain
from ontology.kinds import KINDS
from ontology.storage import get_store
from ontology.storage.base import CommitInfo, Document, LogPage
from ontology.storage.exceptions import RefNotFound

TIME_HINTS = ("T", " ", ":")


def commit_at(*, branch: str, at: str | None = None) -> str:
    """The commit a read of ``branch`` sees: its head, or ``at`` (commit id, tag or time).

    A time means the branch as it was then: the newest commit of its log made at or
    before that moment. A time before the branch's first commit is ``RefNotFound``.
    """
    store = get_store()
    head = store.branch_head(branch)
    if not at:
        return head
    if any(hint in at for hint in TIME_HINTS) or at[:4].isdigit() and "-" in at[:5]:
        return _commit_at_time(branch, head, _parse_time(at))
    return store.resolve(at)


def _parse_time(value: str) -> datetime:
    # An unencoded "+01:00" arrives as " 01:00" in a query string: read it as meant.
    value = re.sub(r" (\d{2}:?\d{2})$", r"+\1", value.strip())
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        raise InvalidAt(
            f"at={value!r} is not a commit id, a tag or an ISO-8601 time "
            "(e.g. 2026-11-26T10:00:00Z)."
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _commit_at_time(branch: str, head: str, moment: datetime) -> str:
    store = get_store()
    cursor = None
    while True:
        page = store.log(head, cursor=cursor, limit=200)
        for commit in page.commits:
            if commit.timestamp <= moment:
                return commit.id
        if not (cursor := page.next_cursor):
            raise RefNotFound(f"Branch {branch!r} has no commit at or before {moment.isoformat()}.")


def catalog_at(
    *, branch: str, at: str | None = None, element: tuple[str, str] | None = None
) -> Catalog:
    """Every element of ``branch`` as of ``at`` (default: now), read through the index.

    ``element``: the (kind, apiName) the caller is about to read; at the head, the SQL store
    finds the head and that element's row in one statement.
    """
    store = get_store()
    if element is not None and not at:
        catalog = head_catalog(store, branch, *element)
        if catalog is not None:
            return catalog
    return catalog_for(store, commit_at(branch=branch, at=at), branch=branch)


def catalog_of_ref(ref: str) -> Catalog:
    """The elements of a branch (its head), a tag or a commit id (``RefNotFound`` → 404)."""
    store = get_store()
    if any(b.name == ref for b in store.branches()):
        return catalog_at(branch=ref)
    return catalog_for(store, store.resolve(ref), branch=ref)


def element_get(*, catalog: Catalog, kind: str, api_name: str) -> Document:
    """One element by kind and apiName (``ElementNotFound`` → 404)."""
    document = catalog.get(kind, api_name)
    if document is None:
        raise ElementNotFound(f"No {KINDS[kind].label} named {api_name!r}.")
    return document


def element_text(*, catalog: Catalog, kind: str, api_name: str) -> Text:
    """One element as its canonical JSON text and version (``ElementNotFound`` → 404)."""
    found = catalog.text(kind, api_name)
    if found is None:
        raise ElementNotFound(f"No {KINDS[kind].label} named {api_name!r}.")
    return found


def element_choice(
    *,
    catalog: Catalog,
    kind: str,
    search: str = "",
    status: str = "",
    group: str = "",
    filters: dict[str, str] | None = None,
    after: str = "",
    limit: int | None = 50,
) -> Choice:
    """A page of the elements of one kind named after ``after``, by apiName, filtered (read
    it with ``catalog.documents`` or, to answer with it as JSON, ``catalog.texts``).

    ``search`` matches apiName, displayName and description (case-insensitive); ``group``
    keeps elements in that group; ``filters`` are kind-specific (see ``FILTERS``).
    """
    wanted = dict(filters or {})
    wanted.update({name: value for name, value in (("status", status), ("group", group)) if value})
    return catalog.choose(kind, search=search, filters=wanted, after=after, limit=limit)


SCAN_LIMIT = 10_000  # commits one filtered log request looks at, at most


def commit_log(
    *,
    branch: str,
    limit: int = 50,
    cursor: str | None = None,
    author: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    element: str | None = None,
) -> LogPage:
    """The branch log newest first, filtered by author, time range or element.

    Filtering pages through the store log asking only for as many commits as are still
    missing, so a page never skips a match; a request scans at most ``SCAN_LIMIT`` commits.
    """
    store = get_store()
    head = store.get_branch(branch).head
    doc_id = None
    if element:
        kind, _, api_name = element.partition("/")
        if kind not in KINDS:
            raise ElementNotFound(f"Unknown kind {kind!r}.")
        catalog = catalog_for(store, head, branch=branch)
        doc_id = element_get(catalog=catalog, kind=kind, api_name=api_name)["id"]
    found: list[CommitInfo] = []
    scanned = 0
    while len(found) < limit and scanned < SCAN_LIMIT:
        page = store.log(head, doc_id=doc_id, cursor=cursor, limit=limit - len(found))
        scanned += len(page.commits)
        found += [c for c in page.commits if _matches(c, author, since, until)]
        cursor = page.next_cursor
        if cursor is None:
            break
    return LogPage(found, cursor)


def _matches(
    commit: CommitInfo, author: str | None, since: datetime | None, until: datetime | None
) -> bool:
    return (
        (author is None or commit.author == author)
        and (since is None or commit.timestamp >= since)
        and (until is None or commit.timestamp <= until)
    )


def store_problems(alias: str = "default") -> list[str]:
    """What ``storage_fsck`` and the scheduled check report: the store's own problems, then
    those of the persisted index of its branch heads (which lives with the default store)."""
    store = get_store(alias)
    progress.stage("checking refs, commits and objects")
    problems = store.verify()
    if alias == "default":
        progress.stage("comparing the index rows with their branch heads")
        problems += maintain.verify(store)
    return problems


def store_extent(alias: str = "default") -> str:
    """What ``storage_fsck`` looked at, in words: refs, and the index rows it compared."""
    store = get_store(alias)
    branches, tags = len(store.branches()), len(store.tags())
    checked = f"{branches} branch(es) and {tags} tag(s) with their commits and objects"
    if alias == "default":
        checked += f", and {maintain.row_count()} index row(s) against their heads"
    return checked
