"""What only the TerminusDB backend does: its wire protocol, its layout, its failure modes.

The behaviour every backend shares is in ``test_contract.py``. These tests run against the
fake server of ``tests/fake_terminusdb.py``, whose knobs (failures, delays, stopping, the
request log, the server's state) a real server does not offer.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from ontology.storage import stores
from ontology.storage.base import Delete, Put
from ontology.storage.exceptions import HeadMoved, RefNotFound, StoreUnavailable
from ontology.storage.terminusdb import TerminusDBStore
from ontology.storage.terminusdb.layout import decode_branch, encode_branch
from ontology.storage.terminusdb.messages import decode_message, encode_message
from ontology.storage.terminusdb.transport import AccessDenied
from tests.fake_terminusdb import FakeTerminusDB


@pytest.fixture
def server() -> Iterator[FakeTerminusDB]:
    """A fake TerminusDB server of this test's own."""
    with FakeTerminusDB() as fake:
        yield fake


def new_store(server: FakeTerminusDB, db: str | None = None, **options: Any) -> TerminusDBStore:
    return TerminusDBStore("tdb", url=server.url, db=db or f"oms_{uuid.uuid4().hex[:8]}", **options)


@pytest.fixture
def store(server: FakeTerminusDB) -> TerminusDBStore:
    """An initialised store on the fake server."""
    created = new_store(server)
    created.initialize(author="system")
    return created


def doc(doc_id: str, **fields: object) -> dict[str, object]:
    return {"id": doc_id, "kind": "object-types", **fields}


def woql_writes(server: FakeTerminusDB) -> list[dict[str, str]]:
    """The headers of every WOQL request the server received."""
    return [headers for method, path, headers in server.requests if path.startswith("/api/woql/")]


def before_each_write(store: TerminusDBStore, action: Callable[[], None]) -> None:
    """Run ``action`` just before the store's next WOQL write reaches the server."""
    send = store.transport.woql_write

    def racing(*args: Any, **kwargs: Any) -> str:
        store.transport.woql_write = send  # type: ignore[method-assign]
        action()
        return send(*args, **kwargs)

    store.transport.woql_write = racing  # type: ignore[method-assign]


# -- compare-and-swap -------------------------------------------------------------------------


def test_a_commit_sends_the_branch_head_as_the_data_version(store, server):
    head = store.resolve("main")
    commit = store.commit("main", [Put(doc("a"))], author="alice", message="m")
    assert woql_writes(server)[-1]["terminusdb-data-version"] == f"branch:{head}"
    assert server.head("admin", store.transport.db) == commit.id


def test_a_stale_expected_head_is_refused_by_the_server_as_head_moved(store, server):
    head = store.resolve("main")
    other = new_store(server, db=store.transport.db)
    before_each_write(
        store, lambda: other.commit("main", [Put(doc("theirs"))], author="bob", message="b")
    )
    with pytest.raises(HeadMoved):
        store.commit("main", [Put(doc("mine"))], author="alice", message="a", expected_head=head)
    assert woql_writes(server)[-1]["terminusdb-data-version"] == f"branch:{head}"
    assert sorted(store.snapshot("main")) == ["theirs"]


def test_a_writer_that_loses_the_race_retries_on_the_new_head(store, server):
    other = new_store(server, db=store.transport.db)
    theirs: list[str] = []
    before_each_write(
        store,
        lambda: theirs.append(
            other.commit("main", [Put(doc("theirs"))], author="bob", message="b").id
        ),
    )
    mine = store.commit("main", [Put(doc("mine"))], author="alice", message="a")
    assert mine.parents == (theirs[0],)
    assert sorted(store.snapshot("main")) == ["mine", "theirs"]
    assert len(woql_writes(server)) == 3  # theirs, my stale attempt, my retry


def test_concurrent_writers_never_lose_an_update(store, server):
    def write(worker: int) -> None:
        writer = new_store(server, db=store.transport.db)
        for step in range(5):
            writer.commit("main", [Put(doc(f"w{worker}-{step}"))], author="w", message="m")

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store.snapshot("main")) == 30
    assert len(store.log("main", limit=100).commits) == 31  # 30 commits and the root


# -- resetting a branch ----------------------------------------------------------------------


def resets(server: FakeTerminusDB) -> list[str]:
    """The paths of every reset request the server received."""
    return [path for method, path, _ in server.requests if path.startswith("/api/reset/")]


def before_the_reset(store: TerminusDBStore, action: Callable[[], None]) -> None:
    """Run ``action`` between the store's head check and its reset request."""
    send = store.transport.reset_branch

    def racing(*args: Any, **kwargs: Any) -> None:
        store.transport.reset_branch = send  # type: ignore[method-assign]
        action()
        send(*args, **kwargs)

    store.transport.reset_branch = racing  # type: ignore[method-assign]


def test_a_reset_uses_the_reset_endpoint_and_keeps_the_branch_metadata(store, server):
    first = store.commit("main", [Put(doc("a", v=1))], author="a", message="one")
    store.create_branch("feature/x_y", start="main", author="bob")
    second = store.commit("feature/x_y", [Put(doc("a", v=2))], author="a", message="two")
    moved = store.reset_branch("feature/x_y", to=first.id, expected_head=second.id)
    db = store.transport.db
    assert resets(server) == [f"/api/reset/admin/{db}/local/branch/feature_2fx_5fy"]
    assert server.head("admin", db, "feature_2fx_5fy") == first.id
    assert (moved.head, moved.created_by) == (first.id, "bob")
    assert moved == store.get_branch("feature/x_y")
    assert store.get(second.id, "a")["v"] == 2  # left behind, still readable by id


def test_a_reset_resolves_tags_and_branches_to_their_commit(store):
    first = store.commit("main", [Put(doc("a", v=1))], author="a", message="one")
    store.create_tag("v1", target="main")
    store.commit("main", [Put(doc("a", v=2))], author="a", message="two")
    store.create_branch("dev", start="main")
    assert store.reset_branch("dev", to="v1").head == first.id
    assert store.reset_branch("dev", to="main").head == store.resolve("main")


def test_a_stale_expected_head_is_refused_before_any_reset_request(store, server):
    first = store.commit("main", [Put(doc("a", v=1))], author="a", message="one")
    second = store.commit("main", [Put(doc("a", v=2))], author="a", message="two")
    with pytest.raises(HeadMoved):
        store.reset_branch("main", to=first.id, expected_head=first.id)
    assert resets(server) == []
    assert store.resolve("main") == second.id


def test_a_reset_to_the_expected_head_sends_nothing(store, server):
    head = store.resolve("main")
    assert store.reset_branch("main", to=head, expected_head=head).head == head
    assert resets(server) == []


def test_a_commit_racing_the_reset_is_left_off_the_branch(store, server):
    """The documented window: the endpoint takes no data version, so this is not caught."""
    first = store.commit("main", [Put(doc("a", v=1))], author="a", message="one")
    second = store.commit("main", [Put(doc("a", v=2))], author="a", message="two")
    other = new_store(server, db=store.transport.db)
    racer: list[str] = []
    before_the_reset(
        store,
        lambda: racer.append(
            other.commit("main", [Put(doc("a", v=3))], author="b", message="race").id
        ),
    )
    store.reset_branch("main", to=first.id, expected_head=second.id)
    assert store.resolve("main") == first.id
    assert store.get(racer[0], "a")["v"] == 3


def test_a_branch_deleted_before_the_reset_is_ref_not_found(store, server):
    root = store.resolve("main")
    store.commit("main", [Put(doc("a"))], author="a", message="one")
    store.create_branch("dev", start="main")
    before_the_reset(store, lambda: store.delete_branch("dev"))
    with pytest.raises(RefNotFound):
        store.reset_branch("dev", to=root)
    assert [b.name for b in store.branches()] == ["main"]


def test_the_reset_endpoint_answers_as_terminusdb_does(store, server):
    """Statuses and bodies from ``api_reset.pl``, ``routes.pl`` and ``api_error.pl``."""
    db = store.transport.db
    root = store.resolve("main")
    head = store.commit("main", [Put(doc("a"))], author="a", message="one").id
    url = f"{server.url}/api/reset/admin/{db}/local/branch/main"

    def post(body: Any, path: str = url, **headers: str) -> requests.Response:
        return requests.post(path, json=body, auth=("admin", "root"), headers=headers)

    stale = {"TerminusDB-Data-Version": "branch:somethingelse"}
    answer = post({"commit_descriptor": f"admin/{db}/local/commit/{root}"}, **stale)
    assert answer.status_code == 200  # no data-version precondition, none answered
    assert answer.json() == {"@type": "api:ResetResponse", "api:status": "api:success"}
    assert "TerminusDB-Data-Version" not in answer.headers
    assert server.head("admin", db) == root
    assert post({"commit_descriptor": head}).status_code == 200  # a bare id is relative
    assert server.head("admin", db) == head

    def error(answer: requests.Response) -> tuple[int, str, str]:
        body = answer.json()
        return answer.status_code, body["@type"], body["api:error"]["@type"]

    assert error(post({})) == (
        400,
        "api:BadAPIDocumentErrorResponse",
        "api:RequiredFieldsMissing",
    )
    assert error(post({"commit_descriptor": "0" * 31})) == (
        400,
        "api:ResetErrorResponse",
        "api:UnresolvableCommitId",
    )
    assert error(post({"commit_descriptor": f"admin/{db}/local/branch/main"})) == (
        400,
        "api:ResetErrorResponse",
        "api:NotACommitDescriptorError",
    )
    assert error(post({"commit_descriptor": root}, path=f"{url}x")) == (
        400,
        "api:ResetErrorResponse",
        "api:UnresolvableAbsoluteDescriptor",
    )
    commit_path = f"{server.url}/api/reset/admin/{db}/local/commit/{root}"
    assert error(post({"commit_descriptor": root}, path=commit_path)) == (
        400,
        "api:ResetErrorResponse",
        "api:NotABranchDescriptorError",
    )
    assert server.head("admin", db) == head


# -- failures ---------------------------------------------------------------------------------


def test_a_server_that_is_down_is_unavailable(store, server):
    server.stop()
    with pytest.raises(StoreUnavailable):
        store.get("main", "a")
    with pytest.raises(StoreUnavailable):
        store.check()
    with pytest.raises(StoreUnavailable):
        new_store(server).initialize()


def test_server_errors_are_unavailable_and_pass(store, server):
    store.commit("main", [Put(doc("a"))], author="alice", message="m")
    server.fail_next(1, status=500)
    with pytest.raises(StoreUnavailable) as caught:
        store.get("main", "a")
    assert caught.value.retryable
    server.fail_next(1, status=503)
    with pytest.raises(StoreUnavailable):
        store.branches()
    assert store.get("main", "a") == doc("a")


def test_a_write_answered_with_a_server_error_writes_nothing(store, server):
    head = store.resolve("main")
    before_each_write(store, lambda: server.fail_next(1, status=500))
    with pytest.raises(StoreUnavailable):
        store.commit("main", [Put(doc("a"))], author="alice", message="m")
    assert store.resolve("main") == head


def test_a_slow_server_times_out_as_unavailable(server):
    slow = new_store(server, timeout=0.3)
    slow.initialize()
    server.delay_next(1, seconds=1.0)
    with pytest.raises(StoreUnavailable, match="did not answer"):
        slow.get("main", "a")


def test_refused_credentials_are_access_denied_and_not_retryable(server):
    with pytest.raises(AccessDenied) as caught:
        new_store(server, key="wrong").initialize()
    assert isinstance(caught.value, StoreUnavailable)
    assert not caught.value.retryable


def test_check_needs_an_initialised_database(server):
    fresh = new_store(server)
    with pytest.raises(StoreUnavailable, match="initialized"):
        fresh.check()
    fresh.initialize()
    fresh.check()


# -- configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"url": ""},
        {"url": "localhost:6363"},
        {"url": "ftp://example.org"},
        {"url": "http://x", "db": "bad name"},
        {"url": "http://x", "db": ""},
        {"url": "http://x", "team": "a/b"},
        {"url": "http://x", "user": ""},
        {"url": "http://x", "timeout": 0},
        {"url": "http://x", "timeout": "10"},
        {"url": "http://x", "timeout": True},
    ],
)
def test_unusable_options_are_improperly_configured_naming_the_alias(options):
    with pytest.raises(ImproperlyConfigured, match="'tdb'"):
        TerminusDBStore("tdb", **options)


def test_a_settings_entry_without_url_is_improperly_configured():
    entry = {"BACKEND": "ontology.storage.terminusdb.TerminusDBStore", "OPTIONS": {}}
    with (
        override_settings(OMS_STORAGES={"tdb": entry}),
        pytest.raises(ImproperlyConfigured, match="'tdb'"),
    ):
        stores.create("tdb")


def test_building_a_store_does_not_contact_the_server(server):
    new_store(server)
    assert server.requests == []


# -- layout on the server ---------------------------------------------------------------------


def test_documents_branches_and_tags_are_laid_out_as_documented(store, server):
    store.create_branch("feature/x_y", start="main", author="bob")
    store.commit("feature/x_y", [Put(doc("b:c", n=1.5))], author="bob", message="m")
    store.create_tag("v1", target="feature/x_y", author="carol")
    database = server.databases[("admin", store.transport.db)]
    assert set(database.branches) == {"main", "feature_2fx_5fy", "_oms_refs"}
    head = database.commits[database.branches["feature_2fx_5fy"]]
    stored = head.instance["OmsDocument/b%3Ac"]
    assert stored["oms_id"] == "b:c"
    assert stored["body"] == '{"id":"b:c","kind":"object-types","n":1.5}'
    refs = database.commits[database.branches["_oms_refs"]].instance
    assert refs["OmsTag/v1"]["commit"] == head.id
    assert refs["OmsBranchInfo/feature%2Fx_y"]["created_by"] == "bob"
    assert [b.name for b in store.branches()] == ["feature/x_y", "main"]


def test_a_merge_parent_travels_in_the_commit_message(store, server):
    store.create_branch("side", start="main")
    side = store.commit("side", [Put(doc("a"))], author="bob", message="side")
    merge = store.commit(
        "main", [Put(doc("a"))], author="alice", message="merge side", merge_parent="side"
    )
    database = server.databases[("admin", store.transport.db)]
    assert database.commits[merge.id].message == f"merge side\n\nOMS-Merge-Parent: {side.id}"
    assert store.get_commit(merge.id).message == "merge side"


def test_a_message_that_looks_like_a_trailer_round_trips(store):
    message = "notes\n\nOMS-Merge-Parent: abc123"
    commit = store.commit("main", [Put(doc("a"))], author="alice", message=message)
    assert store.get_commit(commit.id).message == message
    assert len(store.get_commit(commit.id).parents) == 1


@pytest.mark.parametrize(
    ("message", "parent"),
    [("m", None), ("m", "abc"), ("x\n\nOMS-Merge-Parent: abc", None), ("", "zz9")],
)
def test_messages_decode_to_what_was_encoded(message, parent):
    assert decode_message(encode_message(message, parent)) == (message, parent)


@pytest.mark.parametrize("name", ["main", "feature/x", "a_b", "a_2fb", "x/y_z/w", "v1.0"])
def test_branch_names_round_trip_through_their_terminusdb_form(name):
    encoded = encode_branch(name)
    assert "/" not in encoded
    assert decode_branch(encoded) == name


def test_two_stores_initialise_one_database_once(server):
    db = f"oms_{uuid.uuid4().hex[:8]}"
    first = new_store(server, db=db).initialize(author="system")
    second = new_store(server, db=db).initialize(author="someone else")
    assert second == first
    assert len(new_store(server, db=db).log("main").commits) == 1


def test_document_history_asks_terminusdb_for_the_branch_history(store, server):
    store.commit("main", [Put(doc("a", v=1))], author="a", message="one")
    store.commit("main", [Delete("a")], author="a", message="two")
    history = store.log("main", doc_id="a").commits
    assert [c.message for c in history] == ["two", "one"]
    assert any(path.startswith("/api/history/") for _, path, _ in server.requests)


def test_changes_come_from_the_server_diff(store, server):
    base = store.commit("main", [Put(doc("a", v=1))], author="a", message="one")
    store.commit("main", [Put(doc("a", v=2))], author="a", message="two")
    [change] = store.changes(base.id, "main")
    assert (change.before, change.after) == (doc("a", v=1), doc("a", v=2))
    diffs = [p for method, p, _ in server.requests if method == "POST" and "/api/diff/" in p]
    assert diffs


def test_error_bodies_are_terminusdb_style(server):
    answer = requests.get(f"{server.url}/api/log/admin/nowhere", auth=("admin", "root"))
    body = answer.json()
    assert answer.status_code == 404
    assert body["api:status"] == "api:not_found"
    assert body["api:error"]["@type"] == "api:UnknownDatabase"
    denied = requests.get(f"{server.url}/api/info", auth=("admin", "nope"))
    assert denied.status_code == 401
    assert json.loads(denied.text)["api:error"]["@type"] == "api:IncorrectAuthenticationError"
