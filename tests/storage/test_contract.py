"""The storage contract: every backend must pass every test here (see ``VersionedStore``)."""

from __future__ import annotations

import pytest

from ontology.storage.base import CommitInfo, Delete, Put, VersionedStore, canonical_json
from ontology.storage.exceptions import (
    CorruptStore,
    DocumentNotFound,
    HeadMoved,
    InvalidChange,
    InvalidCursor,
    InvalidName,
    RefExists,
    RefNotFound,
)
from tests.storage.conftest import STORE_DATABASES

pytestmark = pytest.mark.django_db(databases=STORE_DATABASES)


def doc(doc_id: str, **fields: object) -> dict[str, object]:
    """A small element-like document."""
    return {"id": doc_id, "kind": fields.pop("kind", "object-types"), **fields}


def put(store: VersionedStore, branch: str, *docs: dict, message: str = "change") -> CommitInfo:
    return store.commit(branch, [Put(d) for d in docs], author="alice", message=message)


def state(store: VersionedStore) -> dict[str, object]:
    """Everything a caller can observe about refs (to prove a failure changed nothing)."""
    return {
        "branches": [(r.name, r.head) for r in store.branches()],
        "tags": [(r.name, r.head) for r in store.tags()],
        "main": store.snapshot("main"),
    }


# -- initialisation and commits ---------------------------------------------------------------


def test_initialize_creates_main_with_a_root_commit_once(store):
    main = store.get_branch("main")
    assert store.initialize() == main
    root = store.get_commit(main.head)
    assert root.parents == ()
    assert store.snapshot("main") == {}


def test_commit_applies_many_documents_as_one_commit(store):
    before = store.resolve("main")
    commit = put(store, "main", doc("a", n=1), doc("b", n=2), message="two at once")
    assert store.resolve("main") == commit.id
    assert commit.parents == (before,)
    assert (commit.author, commit.message) == ("alice", "two at once")
    assert store.get("main", "a")["n"] == 1
    assert store.get("main", "b")["n"] == 2
    assert store.snapshot(before) == {}


def test_documents_round_trip_exactly(store):
    body = doc(
        "rich",
        displayName="Überseecontainer ✓",
        nested={"list": [1, 2.5, None, True, "x"], "empty": {}, "deep": [{"a": []}]},
        big=2**53,
        negative=-17,
        blank="",
    )
    put(store, "main", body)
    assert store.get("main", "rich") == body
    assert store.list("main") == [body]


def test_delete_removes_a_document_and_keeps_it_at_older_commits(store):
    first = put(store, "main", doc("a"), doc("b"))
    store.commit("main", [Delete("a")], author="bob", message="drop a")
    with pytest.raises(DocumentNotFound):
        store.get("main", "a")
    assert store.get(first.id, "a") == doc("a")
    assert sorted(store.snapshot("main")) == ["b"]


def test_a_failing_commit_changes_nothing(store):
    put(store, "main", doc("a"))
    before = state(store)
    with pytest.raises(DocumentNotFound):
        store.commit(
            "main", [Put(doc("new")), Delete("missing")], author="alice", message="half bad"
        )
    with pytest.raises(InvalidName):
        store.commit("main", [Put(doc("ok")), Put({"id": "bad id"})], author="a", message="m")
    with pytest.raises(InvalidChange):
        store.commit("main", [Put(doc("x")), Put(doc("x"))], author="a", message="twice")
    with pytest.raises(InvalidChange):
        store.commit("main", [], author="a", message="empty")
    with pytest.raises(InvalidChange):
        store.commit("main", [Put(doc("nan", v=float("nan")))], author="a", message="nan")
    assert state(store) == before


def test_deleting_a_deleted_document_is_refused(store):
    put(store, "main", doc("a"))
    store.commit("main", [Delete("a")], author="a", message="delete")
    with pytest.raises(DocumentNotFound):
        store.commit("main", [Delete("a")], author="a", message="again")


def test_list_filters_by_kind_and_sorts_by_id(store):
    put(store, "main", doc("b"), doc("a"), doc("l", kind="link-types"))
    assert [d["id"] for d in store.list("main", kind="object-types")] == ["a", "b"]
    assert [d["id"] for d in store.list("main", kind="link-types")] == ["l"]
    assert [d["id"] for d in store.list("main")] == ["a", "b", "l"]


# -- compare-and-swap -------------------------------------------------------------------------


def test_commit_with_a_stale_expected_head_raises_head_moved(store):
    head = store.resolve("main")
    put(store, "main", doc("a"))
    with pytest.raises(HeadMoved):
        store.commit("main", [Put(doc("b"))], author="a", message="late", expected_head=head)
    assert "b" not in store.snapshot("main")


def test_commit_with_the_current_expected_head_applies(store):
    head = store.resolve("main")
    commit = store.commit("main", [Put(doc("a"))], author="a", message="m", expected_head=head)
    assert commit.parents == (head,)


def test_commit_to_an_unknown_branch_is_refused(store):
    with pytest.raises(RefNotFound):
        put(store, "nope", doc("a"))


# -- branches and tags ------------------------------------------------------------------------


def test_branches_are_isolated_until_merged(store):
    base = put(store, "main", doc("a", v=1))
    feature = store.create_branch("feature/x", start="main", author="alice")
    assert (feature.name, feature.kind, feature.head) == ("feature/x", "branch", base.id)
    put(store, "feature/x", doc("a", v=2))
    assert store.get("main", "a")["v"] == 1
    assert store.get("feature/x", "a")["v"] == 2
    assert [b.name for b in store.branches()] == ["feature/x", "main"]


def test_branch_from_any_commit_and_delete(store):
    first = put(store, "main", doc("a", v=1))
    put(store, "main", doc("a", v=2))
    old = store.create_branch("old", start=first.id)
    assert store.get("old", "a")["v"] == 1
    assert store.get_branch("old") == old
    store.delete_branch("old")
    with pytest.raises(RefNotFound):
        store.get_branch("old")
    with pytest.raises(RefNotFound):
        store.delete_branch("old")
    assert store.get(first.id, "a")["v"] == 1  # commits outlive their branch


def test_branch_and_tag_names_are_unique(store):
    store.create_branch("dev", start="main")
    with pytest.raises(RefExists):
        store.create_branch("dev", start="main")
    with pytest.raises(RefExists):
        store.create_tag("dev", target="main")
    with pytest.raises(RefNotFound):
        store.create_branch("other", start="no-such-ref")


@pytest.mark.parametrize(
    "name",
    [
        "",
        "a b",
        "-x",
        "x/",
        "/x",
        "a..b",
        "a//b",
        "x.lock",
        "x.",
        "tab\t",
        "nl\n",
        "é",
        "a" * 101,
        "../etc",
        "a;drop",
        "1abc",
    ],
)
def test_invalid_ref_names_are_refused_clearly(store, name):
    with pytest.raises(InvalidName) as caught:
        store.create_branch(name, start="main")
    assert "name" in str(caught.value)
    with pytest.raises(InvalidName):
        store.create_tag(name, target="main")


@pytest.mark.parametrize("doc_id", ["", "a b", "a/b", "../x", "x\n", "é", "a" * 201, 7, None])
def test_invalid_document_ids_are_refused_clearly(store, doc_id):
    with pytest.raises(InvalidName):
        put(store, "main", {"id": doc_id, "kind": "object-types"})
    with pytest.raises((InvalidName, DocumentNotFound)):
        store.get("main", doc_id)


def test_tags_are_immutable_pointers(store):
    released = put(store, "main", doc("a", v=1))
    tag = store.create_tag("v1.0.0", target="main", author="alice")
    assert (tag.kind, tag.head) == ("tag", released.id)
    put(store, "main", doc("a", v=2))
    assert store.get("v1.0.0", "a")["v"] == 1
    assert store.resolve("v1.0.0") == released.id
    with pytest.raises(RefExists):
        store.create_tag("v1.0.0", target="main")
    with pytest.raises(RefNotFound):
        put(store, "v1.0.0", doc("a", v=3))
    assert [t.name for t in store.tags()] == ["v1.0.0"]


# -- reads at any commit ----------------------------------------------------------------------


def test_every_commit_reads_back_as_it_was(store):
    seen: dict[str, dict] = {}
    for step in range(6):
        commit = put(store, "main", doc(f"d{step % 3}", step=step))
        seen[commit.id] = store.snapshot("main")
    for commit_id, snapshot in seen.items():
        assert store.snapshot(commit_id) == snapshot
        for doc_id, body in snapshot.items():
            assert store.get(commit_id, doc_id) == body


def test_unknown_refs_and_documents_raise(store):
    with pytest.raises(RefNotFound):
        store.get("no-such-branch", "a")
    with pytest.raises(RefNotFound):
        store.snapshot("0" * 64)
    with pytest.raises(DocumentNotFound):
        store.get("main", "missing")
    with pytest.raises(RefNotFound):
        store.get_commit("f" * 64)
    with pytest.raises((RefNotFound, InvalidName)):
        store.resolve("not a ref")


def test_returned_documents_are_copies(store):
    put(store, "main", doc("a", tags=["x"]))
    store.get("main", "a")["tags"].append("mutated")
    store.snapshot("main")["a"]["tags"].append("mutated")
    assert store.get("main", "a")["tags"] == ["x"]


# -- changes ----------------------------------------------------------------------------------


def test_get_many_reads_the_present_documents_of_a_commit(store):
    first = put(store, "main", doc("a", v=1), doc("b", v=1))
    put(store, "main", doc("a", v=2), doc("c", v=1))
    store.commit("main", [Delete("b")], author="alice", message="drop b")
    assert store.get_many("main", ["a", "b", "c", "zz"]) == {
        "a": doc("a", v=2), "c": doc("c", v=1)}  # fmt: skip
    assert store.get_many(first.id, ["a", "b", "c"]) == {"a": doc("a", v=1), "b": doc("b", v=1)}
    assert store.get_many("main", []) == {}
    many = store.get_many("main", ["a"])
    many["a"]["v"] = 99  # a copy: the next read is untouched
    assert store.get("main", "a")["v"] == 2
    with pytest.raises(RefNotFound):
        store.get_many("nope", ["a"])
    with pytest.raises(InvalidName):
        store.get_many("main", ["bad id"])


def test_content_keys_read_bodies_back_at_every_commit_that_holds_them(store):
    """A store either keys bodies by content (the same key at every commit holding the
    document) or keeps no keys at all ("" for every document, and no reads by key)."""
    old, new = doc("a", v=1), doc("a", v=2)
    put(store, "main", old, doc("b", v=1))
    put(store, "main", new)
    keys = {store.content_key(canonical_json(d)) for d in (old, new)}
    if keys == {""}:
        assert store.content_texts([]) == {}
        with pytest.raises(CorruptStore):
            store.content_texts(["not-a-key"])
        return
    old_key, new_key = (store.content_key(canonical_json(d)) for d in (old, new))
    assert old_key != new_key and "" not in keys
    assert store.content_texts([old_key, new_key]) == {
        old_key: canonical_json(old), new_key: canonical_json(new)}  # fmt: skip
    with pytest.raises(CorruptStore):
        store.content_texts([store.content_key(canonical_json(doc("never", v=0)))])


def test_walk_yields_every_document_once_in_batches(store):
    put(store, "main", *(doc(f"d{i:03}", v=i) for i in range(23)))
    store.commit("main", [Delete("d007")], author="alice", message="drop one")
    batches = list(store.walk("main", batch_size=5))
    assert all(1 <= len(batch) <= 5 for batch in batches)
    walked = [d for batch in batches for d in batch]
    assert sorted(d["id"] for d in walked) == [f"d{i:03}" for i in range(23) if i != 7]
    assert {d["id"]: d for d in walked} == store.snapshot("main")
    assert list(store.walk(store.get_commit(store.resolve("main")).parents[0], batch_size=5))


def test_changes_lists_added_modified_and_deleted_documents(store):
    base = put(store, "main", doc("keep"), doc("edit", v=1), doc("drop"))
    store.commit(
        "main",
        [Put(doc("edit", v=2)), Delete("drop"), Put(doc("add"))],
        author="a",
        message="m",
    )
    changes = store.changes(base.id, "main")
    assert [(c.doc_id, c.before, c.after) for c in changes] == [
        ("add", None, doc("add")),
        ("drop", doc("drop"), None),
        ("edit", doc("edit", v=1), doc("edit", v=2)),
    ]
    assert store.changes("main", "main") == []
    reverse = store.changes("main", base.id)
    assert [(c.doc_id, c.before is None, c.after is None) for c in reverse] == [
        ("add", False, True),
        ("drop", True, False),
        ("edit", False, False),
    ]


def test_changes_between_branches_ignore_how_they_got_there(store):
    put(store, "main", *(doc(f"d{i}", v=0) for i in range(150)))
    store.create_branch("a", start="main")
    store.create_branch("b", start="main")
    put(store, "a", doc("d1", v=1))
    put(store, "b", doc("d1", v=1))  # the same content by another commit
    put(store, "b", doc("d2", v=2))
    assert [c.doc_id for c in store.changes("a", "b")] == ["d2"]


def test_rewriting_a_document_unchanged_changes_nothing(store):
    put(store, "main", doc("a", v=1))
    before = store.resolve("main")
    put(store, "main", doc("a", v=1))
    assert store.changes(before, "main") == []


# -- the DAG: merges and merge bases ----------------------------------------------------------


def test_merge_commits_have_two_parents_and_merge_base_follows_them(store):
    fork = put(store, "main", doc("a", v=1))
    store.create_branch("feature", start="main")
    side1 = put(store, "feature", doc("b", v=1))
    main1 = put(store, "main", doc("c", v=1))
    assert store.merge_base("main", "feature") == fork.id
    merge = store.commit(
        "main",
        [Put(doc("b", v=1))],
        author="bob",
        message="merge feature",
        merge_parent="feature",
    )
    assert merge.parents == (main1.id, side1.id)
    assert store.get_commit(merge.id).parents == (main1.id, side1.id)
    assert store.merge_base("main", "feature") == side1.id
    side2 = put(store, "feature", doc("b", v=2))
    assert store.merge_base("main", "feature") == side1.id
    assert store.merge_base("feature", "main") == side1.id
    assert store.merge_base(side2.id, side2.id) == side2.id
    assert store.snapshot("main") == {"a": doc("a", v=1), "b": doc("b", v=1), "c": doc("c", v=1)}


def test_merge_base_of_unrelated_commit_and_its_ancestor(store):
    first = put(store, "main", doc("a"))
    second = put(store, "main", doc("b"))
    assert store.merge_base(first.id, second.id) == first.id
    assert store.merge_base(second.id, first.id) == first.id


# -- logs -------------------------------------------------------------------------------------


def test_log_pages_newest_first_by_cursor(store):
    made = [put(store, "main", doc("a", v=i), message=f"c{i}").id for i in range(12)]
    root = store.resolve(made[0] + "") and store.get_commit(made[0]).parents[0]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = store.log("main", cursor=cursor, limit=5)
        seen.extend(c.id for c in page.commits)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 3
    assert seen == list(reversed(made)) + [root]
    assert store.log("main", limit=2).commits[0].message == "c11"


def test_log_over_a_merge_shows_each_commit_once_children_first(store):
    put(store, "main", doc("a"))
    store.create_branch("side", start="main")
    side = [put(store, "side", doc(f"s{i}")).id for i in range(3)]
    mine = [put(store, "main", doc(f"m{i}")).id for i in range(2)]
    merge = store.commit("main", [Put(doc("s2"))], author="a", message="merge", merge_parent="side")
    ids = []
    cursor = None
    while True:
        page = store.log("main", cursor=cursor, limit=2)
        ids.extend(c.id for c in page.commits)
        if not (cursor := page.next_cursor):
            break
    assert ids[0] == merge.id
    assert len(ids) == len(set(ids)) == 1 + 3 + 2 + 1 + 1  # merge, side, main, fork, root
    assert set(side + mine) <= set(ids)
    position = {commit_id: i for i, commit_id in enumerate(ids)}
    for commit_id in ids:
        for parent in store.get_commit(commit_id).parents:
            assert position[parent] > position[commit_id]


def test_log_rejects_a_forged_cursor(store):
    with pytest.raises(InvalidCursor):
        store.log("main", cursor="not-a-cursor!")


def test_document_history_lists_only_commits_that_changed_it(store):
    c1 = put(store, "main", doc("a", v=1), doc("b", v=1))
    put(store, "main", doc("b", v=2))
    c3 = put(store, "main", doc("a", v=2))
    put(store, "main", doc("b", v=3))
    c5 = store.commit("main", [Delete("a")], author="carol", message="drop a")
    c6 = put(store, "main", doc("a", v=3), message="bring a back")
    history = store.log("main", doc_id="a").commits
    assert [c.id for c in history] == [c6.id, c5.id, c3.id, c1.id]
    assert history[1].author == "carol"
    at_c3 = store.log(c3.id, doc_id="a").commits
    assert [c.id for c in at_c3] == [c3.id, c1.id]
    first = store.log("main", doc_id="a", limit=3)
    rest = store.log("main", doc_id="a", limit=3, cursor=first.next_cursor)
    assert [c.id for c in first.commits + rest.commits] == [c6.id, c5.id, c3.id, c1.id]
    assert rest.next_cursor is None
    assert store.log("main", doc_id="never").commits == []


def test_document_history_follows_the_merged_side(store):
    put(store, "main", doc("a", v=1))
    store.create_branch("side", start="main")
    edit = store.commit("side", [Put(doc("a", v=2))], author="dora", message="edit on side")
    store.commit("main", [Put(doc("a", v=2))], author="bob", message="merge", merge_parent="side")
    history = store.log("main", doc_id="a").commits
    assert history[0].id == edit.id
    assert history[0].author == "dora"


def test_reset_moves_a_branch_back_and_keeps_the_commits(store):
    first = put(store, "main", doc("a", v=1))
    second = put(store, "main", doc("a", v=2))
    store.create_branch("dev", start="main")
    moved = store.reset_branch("dev", to=first.id, expected_head=second.id)
    assert moved.head == first.id
    assert store.get("dev", "a")["v"] == 1
    assert store.get(second.id, "a")["v"] == 2
    with pytest.raises(HeadMoved):
        store.reset_branch("dev", to=second.id, expected_head=second.id)
    with pytest.raises(RefNotFound):
        store.reset_branch("nope", to=first.id)
    with pytest.raises(RefNotFound):
        store.reset_branch("dev", to="0" * 64)
    assert store.resolve("dev") == first.id


def test_a_merge_commit_may_change_nothing(store):
    put(store, "main", doc("a"))
    store.create_branch("side", start="main")
    side = put(store, "side", doc("b"))
    put(store, "main", doc("b"))  # main already has what side brings
    merge = store.commit("main", [], author="a", message="merge side", merge_parent="side")
    assert merge.parents[1] == side.id
    assert store.changes(merge.parents[0], merge.id) == []
    assert store.merge_base("main", "side") == side.id


def test_changed_ids_name_what_changes_lists(store):
    base = put(store, "main", doc("a"), doc("b"))
    store.commit("main", [Put(doc("b", v=2)), Delete("a"), Put(doc("c"))], author="a", message="m")
    assert store.changed_ids(base.id, "main") == ["a", "b", "c"]
    assert store.changed_ids(base.id, "main") == [c.doc_id for c in store.changes(base.id, "main")]
