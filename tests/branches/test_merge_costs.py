"""A merge reads what the merge changes, not the ontology (issue 10, found by bench/scale.py
in session 6): on a fresh worker, the catalog of a merge base that is no branch's head any
more stands on the target branch's rows, a few changes away, not on the default branch's
(which may be empty, or far)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

import ontology.catalog as catalog_module
from branches.services import branch_create, branch_merge
from integrations.user_service.principal import SYSTEM
from ontology.services import Operation, elements_commit
from ontology.storage import get_store, stores

pytestmark = pytest.mark.django_db
SIZE = 40


def groups(branch: str, *names: str) -> None:
    elements_commit(branch=branch, actor=SYSTEM, message=f"on {branch}",
                    operations=[Operation("create", "groups", body={"apiName": n})
                                for n in names])  # fmt: skip


def test_a_true_merge_on_a_fresh_worker_reads_only_what_changed(main_branch, monkeypatch):
    call_command("storage_init", verbosity=0)  # main indexed, and empty: far from the rest
    branch_create(name="big", start="main", actor=SYSTEM)
    groups("big", *(f"G{n}" for n in range(SIZE)))
    for side in ("a", "b"):
        branch_create(name=side, start="big", actor=SYSTEM)
        groups(side, f"From{side.upper()}")
    branch_merge(source="a", target="big", actor=SYSTEM)  # big moves: b's base is no head
    stores.reset()
    catalog_module._bases.clear()  # a fresh worker
    read: list[int] = []
    store = get_store()
    changes = type(store).changes

    def counted(self, base: str, head: str):  # type: ignore[no-untyped-def]
        found = changes(self, base, head)
        read.append(len(found))
        return found

    monkeypatch.setattr(type(store), "changes", counted)
    outcome = branch_merge(source="b", target="big", actor=SYSTEM)
    assert outcome.written is not None and outcome.written.commit is not None
    assert read and max(read) <= 2, read  # the merge's own changes, never the 40 groups
