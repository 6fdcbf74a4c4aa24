"""The one write pipeline: every change of the ontology, whatever its door, passes here.

:func:`write` reads in order, one step a line:

1. **guard** — the branch policy lets this actor through this door (``OMS_WRITE_GUARD``);
2. **plan** — under the branch lock, against the locked head, the typed plan derives the
   documents to put and delete (or the commit to reset to); a dry run plans at the
   current head without the lock and stops after step 4;
3. **schema** — every document written passes its kind's schema, whatever produced it;
4. **integrity** — the planned result passes integrity, referrers judged after the change;
5. **intent** — a store outside the database transaction gets the write recorded first;
6. **store** — the commit (compare-and-swap on the locked head) or the reset;
7. **announce** — in the store's transaction: the branch's persisted index moves with the
   head (``ontology.index``), ``commit_created``/``head_moved`` go to the listeners (audit
   outbox, stale approvals) and the plan records its own rows.

Nothing else calls the store's write methods (a test and ``make lint`` keep it so). Branch
and tag creation and branch deletion change refs, not the ontology; they pass the same guard
through :func:`ref_write`.
"""

from __future__ import annotations

import abc
import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar, Literal, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.module_loading import import_string

from integrations.user_service.principal import Principal
from oms_project import metrics, progress
from oms_project.exceptions import OMSError
from ontology import documents, integrity
from ontology.catalog import Catalog, catalog_for
from ontology.exceptions import ElementReferenced, IntegrityFailed, InvalidElement
from ontology.index import maintain as index
from ontology.signals import commit_created, commit_intended, head_moved
from ontology.storage import get_store
from ontology.storage.base import CommitInfo, Delete, Document, Put, Ref, VersionedStore
from ontology.storage.exceptions import HeadMoved, InvalidChange

MAX_ATTEMPTS = 8

#: The ways into the store; the branch policy decides which a branch admits (see
#: ``branches.models.BranchPolicy.allows``).
Door = Literal[
    "edit", "import", "migrate", "merge", "rebase", "revert", "reset", "proposal",
    "branch-create", "branch-delete", "tag-create",
]  # fmt: skip
Changes = dict[str, Document | None]  # document id -> new document, or None to delete
T = TypeVar("T")


@dataclass
class Planned:
    """What a plan derived from the locked head: documents to write, or a commit to reset to."""

    changes: Changes = field(default_factory=dict)
    merge_parent: str | None = None  # a merge commit's second parent (empty change allowed)
    reset_to: str | None = None  # move the branch here instead of committing
    # Documents the plan built from bodies it had already passed through their kind's
    # schema (a client's body, checked before the lock): the schema step skips only these.
    checked: frozenset[str] = frozenset()


@dataclass
class Written:
    """A checked write (``commit`` is None for a dry run or a reset) and the catalogs around it."""

    branch: str
    commit: CommitInfo | None
    head: str  # the branch head the write was planned on
    before: Catalog
    after: Catalog
    changes: Changes
    planned: Planned
    dry_run: bool = False


class Plan(abc.ABC):
    """A typed description of one change, planned under the branch lock by the pipeline."""

    door: ClassVar[Door]

    @abc.abstractmethod
    def plan(self, before: Catalog) -> Planned:
        """The change, derived from the catalog of the locked head; raise to refuse it."""

    def locate(self, problem: dict[str, Any], doc_id: str) -> dict[str, Any]:
        """A problem of document ``doc_id`` with its path inside the request, when known."""
        return problem

    def record(self, written: Written, actor: Principal) -> None:  # noqa: B027 - optional
        """Rows this plan writes with the commit, in the same transaction (events, state)."""


def write(
    *,
    branch: str,
    plan: Plan,
    actor: Principal,
    message: str,
    expected_head: str | None = None,
    dry_run: bool = False,
) -> Written:
    """Guard, plan, check, record the intent, commit and announce one change of ``branch``."""
    try:
        written = _write(branch, plan, actor, message, expected_head, dry_run)
    except OMSError as error:
        if not dry_run:
            metrics.REFUSED.labels(plan.door, type(error).__name__).inc()
        raise
    if written.commit is not None:
        metrics.COMMITS.labels(plan.door).inc()
    return written


def _write(
    branch: str,
    plan: Plan,
    actor: Principal,
    message: str,
    expected_head: str | None,
    dry_run: bool,
) -> Written:
    rules = guard(branch=branch, actor=actor, door=plan.door)
    store = get_store()
    for attempt in range(MAX_ATTEMPTS):
        try:
            with _locked_head(store, branch, dry_run) as head:
                _expect(branch, head, expected_head)
                before = catalog_for(store, head, branch=branch, locked=not dry_run)
                progress.stage("planning the changes")
                planned = plan.plan(before)
                progress.stage(f"checking {len(planned.changes)} change(s)")
                planned.changes = _schema_checked(planned, plan)
                after = _integrity_checked(before, planned.changes, plan)
                _step("OMS_WRITE_GATE")(
                    branch=branch, before=before, after=after, changes=planned.changes,
                    plan=plan, rules=rules,
                )  # fmt: skip
                written = Written(
                    branch, None, head, before, after, planned.changes, planned, dry_run
                )
                if dry_run:
                    return written
                progress.stage("writing one commit")
                intent = _intend(store, branch, head, actor, message, written)
                written.commit = _store(store, branch, head, actor, message, planned, intent)
                with _own_transaction(store):
                    _announce(store, branch, actor, written, plan, intent)
        except HeadMoved:
            if expected_head is not None:
                raise
            # Only backends without write locks get here: back off and plan again.
            time.sleep(random.uniform(0, 0.01 * 2**attempt))
            continue
        if written.commit is not None:
            after.commit = written.commit.id  # the planned catalog is the new commit's
        return written
    raise HeadMoved(f"Branch {branch!r} kept moving; try again.")


@dataclass(frozen=True)
class RefChange:
    """A change of refs, not of the ontology: create or delete a branch, create a tag."""

    door: Literal["branch-create", "branch-delete", "tag-create"]
    name: str
    target: str = ""  # what a new branch or tag points at (a branch, tag or commit id)


def ref_write(*, change: RefChange, actor: Principal, record: Callable[[Ref | None], T]) -> T:
    """Guard, change the ref, and let ``record`` write its rows in the same transaction.

    ``record`` gets the new ref (None for a deletion); what it returns is returned.
    """
    guard(branch=change.name, actor=actor, door=change.door)
    store = get_store()
    # With the store in the database, the ref and the caller's rows commit together; with
    # TerminusDB no transaction is held across its call, and the rows follow it.
    with transaction.atomic() if store.shares_database_transaction else nullcontext():
        ref: Ref | None = None
        if change.door == "branch-create":
            ref = store.create_branch(change.name, start=change.target, author=actor.username)
        elif change.door == "tag-create":
            ref = store.create_tag(change.name, target=change.target, author=actor.username)
        else:
            store.delete_branch(change.name)
        with _own_transaction(store):
            if ref is None:
                index.drop(change.name)
            elif ref.kind == "branch":
                index.sync(store, ref.name)
            return record(ref)


# -- the steps --------------------------------------------------------------------------------


def guard(*, branch: str, actor: Principal, door: Door) -> object:
    """Step 1: the branch policy admits ``actor`` through ``door``, or this raises. What the
    guard read of the branch (its rules) goes on to the gate: a write reads it once."""
    return _step("OMS_WRITE_GUARD")(branch=branch, actor=actor, door=door)


@cache
def _step(setting: str) -> Callable[..., Any]:
    """A step other apps provide, named by a setting: the branch-policy guard
    (``OMS_WRITE_GUARD``) and the compatibility gate (``OMS_WRITE_GATE``, step 4b)."""
    path = getattr(settings, setting, "")
    if not path:
        raise ImproperlyConfigured(f"{setting} must name the function of this pipeline step.")
    step: Callable[..., Any] = import_string(path)
    return step


@contextmanager
def _locked_head(store: VersionedStore, branch: str, dry_run: bool) -> Iterator[str]:
    """The branch head, held under the branch lock for a write; a dry run (a preview, a
    proposal's checks on a GET) reads the head without queueing behind writers."""
    if dry_run:
        yield store.branch_head(branch)
        return
    with store.write_lock(branch) as head:
        yield head


def _own_transaction(store: VersionedStore) -> AbstractContextManager[object]:
    """Where the announcement runs: in the branch lock's transaction when the store lives in
    the database (the commit and its rows then commit or roll back together), in one of its
    own when the store is another system (TerminusDB): no transaction is held across a
    network call, and the intent (step 5) covers a crash between the two."""
    if store.shares_database_transaction:
        return nullcontext()
    return transaction.atomic()


def _expect(branch: str, head: str, expected_head: str | None) -> None:
    if expected_head is not None and head != expected_head:
        raise HeadMoved(f"Branch {branch!r} is at {head}, not {expected_head}.", head=head)


def _schema_checked(planned: Planned, plan: Plan) -> Changes:
    """Step 3: every document as its kind's schema has it (400 with paths if not)."""
    checked: Changes = {}
    errors: list[dict[str, Any]] = []
    for doc_id, document in planned.changes.items():
        if document is None or doc_id in planned.checked:
            checked[doc_id] = document
            continue
        try:
            checked[doc_id] = documents.normalized(document)
        except InvalidElement as exc:
            errors += [plan.locate(error, doc_id) for error in exc.errors]
    if errors:
        raise InvalidElement(f"{len(errors)} schema problem(s) in the change.", errors=errors)
    return checked


def _integrity_checked(before: Catalog, changes: Changes, plan: Plan) -> Catalog:
    """Step 4: the planned result, if nothing still refers to what it deletes and it is sound."""
    before.fetch(changes)  # one read for every element the change replaces
    after = before.patched("pending", changes.items())
    for doc_id, document in changes.items():
        gone = before.by_id.get(doc_id)
        if document is not None or gone is None:
            continue
        if after.get(gone["kind"], gone["apiName"]) is not None:
            continue  # the same change gives the name to another element
        referrers = [f"{r['kind']}/{r['apiName']}" for r in after.referring_to(
            gone["kind"], gone["apiName"])]  # fmt: skip
        if referrers:
            raise ElementReferenced(
                f"{gone['kind']}/{gone['apiName']} is referred to by {', '.join(referrers)}.",
                referrers=referrers,
                errors=[plan.locate({"path": "$", "code": "referenced",
                                     "message": f"Referred to by {name}."}, doc_id)
                        for name in referrers],
            )  # fmt: skip
    problems = integrity.check(after, changes)
    if problems:
        raise IntegrityFailed(
            f"The change leaves {len(problems)} integrity problem(s).",
            errors=[plan.locate(p.as_error(), p.doc_id) for p in problems],
        )
    return after


def _intend(
    store: VersionedStore, branch: str, head: str, actor: Principal, message: str, w: Written
) -> uuid.UUID | None:
    """Step 5: record the write before it reaches a store outside the database transaction.

    If the process dies between the store commit and the outbox transaction, the history
    sweep finds the commit by the intent id in its message and announces it; if it dies
    before the store commit, the sweep finds nothing and drops the intent.
    """
    if store.shares_database_transaction or w.planned.reset_to is not None:
        return None
    intent = uuid.uuid4()
    commit_intended.send(
        sender="ontology", intent=intent, branch=branch, expected_head=head, actor=actor,
        message=message, changes=_pairs(w),
    )  # fmt: skip
    return intent


def _store(
    store: VersionedStore,
    branch: str,
    head: str,
    actor: Principal,
    message: str,
    planned: Planned,
    intent: uuid.UUID | None,
) -> CommitInfo | None:
    """Step 6: the store commit on the locked head (or the reset); None for a reset."""
    if planned.reset_to is not None:
        store.reset_branch(branch, to=planned.reset_to, expected_head=head)
        return None
    if not planned.changes and planned.merge_parent is None:
        raise InvalidChange("Nothing to commit: the branch already has this content.")
    return store.commit(
        branch,
        [Put(d) if d is not None else Delete(i) for i, d in planned.changes.items()],
        author=actor.username, expected_head=head, merge_parent=planned.merge_parent,
        message=f"{message}\n\nOMS-Intent: {intent}" if intent else message,
    )  # fmt: skip


def _announce(
    store: VersionedStore,
    branch: str,
    actor: Principal,
    written: Written,
    plan: Plan,
    intent: uuid.UUID | None,
) -> None:
    """Step 7: move the branch's index, tell the listeners and let the plan record its rows,
    in the same transaction."""
    new_head = written.commit.id if written.commit else written.planned.reset_to
    index.sync(store, branch, parent=written.head, head=new_head,
               changes=written.changes if written.commit else None,
               before={i: written.before.by_id.get(i) for i in written.changes})  # fmt: skip
    if written.commit is not None:
        commit_created.send(
            sender="ontology", branch=branch, commit=written.commit, actor=actor,
            changes=_pairs(written), intent=intent,
        )  # fmt: skip
    head_moved.send(sender="ontology", branch=branch, head=new_head, actor=actor)
    plan.record(written, actor)


def _pairs(written: Written) -> list[tuple[Document | None, Document | None]]:
    return [(written.before.by_id.get(i), d) for i, d in written.changes.items()]
