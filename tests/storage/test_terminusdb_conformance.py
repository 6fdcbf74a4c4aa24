"""TerminusDB's own integration tests, ported: the fake must answer as the real server does.

Each case names the test of the server's repository (terminusdb/terminusdb, ``tests/test/``,
read at a7ca3c80) or the source it follows, with file and lines. They run against the fake
of ``tests/fake_terminusdb.py`` in ``make test`` and against a real server when
``TERMINUSDB_URL`` is set (``TERMINUSDB_USER``/``TERMINUSDB_KEY``, default admin/root).
Only what the OMS backend uses is ported; docs/terminusdb.md lists what the fake leaves out.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

TEAM = "admin"
VERSION = "TerminusDB-Data-Version"
SCHEMA = [
    {"@id": "Thing", "@type": "Class", "name": "xsd:string"},
    {"@id": "Stamp", "@type": "Class", "nonce": "xsd:string"},
]


class Server:
    """Plain HTTP calls to one fresh database (no OMS code between the test and the server)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.auth = (
            os.environ.get("TERMINUSDB_USER", "admin"),
            os.environ.get("TERMINUSDB_KEY", "root"),
        )
        self.db = f"conf_{uuid.uuid4().hex[:10]}"

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(
            method, f"{self.url}/api/{path}", auth=self.auth, timeout=10, **kwargs
        )

    def create(self) -> None:
        created = self.call("POST", f"db/{TEAM}/{self.db}", json={"label": "c", "comment": "c"})
        assert created.status_code == 200, created.text
        schema = self.call(
            "POST",
            f"document/{TEAM}/{self.db}",
            json=SCHEMA,
            params={"graph_type": "schema", "author": "a", "message": "s"},
        )
        assert schema.status_code == 200, schema.text

    def drop(self) -> None:
        self.call("DELETE", f"db/{TEAM}/{self.db}")

    def insert(
        self, *docs: dict[str, Any], branch: str = "main", **headers: str
    ) -> requests.Response:
        return self.call(
            "POST",
            f"document/{TEAM}/{self.db}/local/branch/{branch}",
            json=list(docs),
            params={"author": "a", "message": "i"},
            headers=headers,
        )

    def replace(self, doc: dict[str, Any], **params: str) -> requests.Response:
        return self.call(
            "PUT",
            f"document/{TEAM}/{self.db}",
            json=doc,
            params={"author": "a", "message": "r", **params},
        )

    def delete(self, doc_id: str) -> requests.Response:
        return self.call(
            "DELETE",
            f"document/{TEAM}/{self.db}",
            params={"author": "a", "message": "d", "id": doc_id},
        )

    def get(self, doc_id: str) -> requests.Response:
        return self.call("GET", f"document/{TEAM}/{self.db}", params={"id": doc_id})

    def woql(self, query: dict[str, Any], **headers: str) -> requests.Response:
        return self.call(
            "POST",
            f"woql/{TEAM}/{self.db}/local/branch/main",
            headers=headers,
            json={"query": query, "commit_info": {"author": "a", "message": "w"}},
        )

    def log(self, **params: Any) -> list[dict[str, Any]]:
        response = self.call("GET", f"log/{TEAM}/{self.db}", params=params)
        assert response.status_code == 200, response.text
        return list(response.json())

    def head(self) -> str:
        return str(self.log(count=1)[0]["identifier"])


@pytest.fixture
def server(terminusdb_url: str) -> Iterator[Server]:
    created = Server(terminusdb_url)
    created.create()
    yield created
    created.drop()


def thing(key: str, name: str = "n") -> dict[str, Any]:
    return {"@type": "Thing", "@id": f"Thing/{key}", "name": name}


def value(data: Any) -> dict[str, Any]:
    return {"@type": "Value", "data": data}


def document_value(doc: dict[str, Any]) -> dict[str, Any]:
    """A document as a WOQL ``Value`` dictionary template (as the Python client sends it)."""
    pairs = [
        {
            "@type": "FieldValuePair",
            "field": k,
            "value": value({"@type": "xsd:string", "@value": v}),
        }
        for k, v in doc.items()
    ]
    return {"@type": "Value", "dictionary": {"@type": "DictionaryTemplate", "data": pairs}}


def insert_document(doc: dict[str, Any]) -> dict[str, Any]:
    return {"@type": "InsertDocument", "document": document_value(doc)}


def update_document(doc: dict[str, Any]) -> dict[str, Any]:
    return {"@type": "UpdateDocument", "document": document_value(doc)}


def delete_document(doc_id: str) -> dict[str, Any]:
    return {"@type": "DeleteDocument", "identifier": {"@type": "NodeValue", "node": doc_id}}


def triple(subject: str, predicate: str, literal: str) -> dict[str, Any]:
    return {
        "@type": "Triple",
        "subject": {"@type": "NodeValue", "node": subject},
        "predicate": {"@type": "NodeValue", "node": predicate},
        "object": value({"@type": "xsd:string", "@value": literal}),
    }


def both(*steps: dict[str, Any]) -> dict[str, Any]:
    return {"@type": "And", "and": list(steps)}


def error_type(response: requests.Response) -> str:
    return str(response.json()["api:error"]["@type"])


# -- documents --------------------------------------------------------------------------------


def test_insert_answers_the_ids_and_a_new_data_version(server):
    # document-auth.js:99-105 (ids), data-version.js:42-84 (a branch: data version)
    response = server.insert(thing("a"))
    assert response.status_code == 200
    assert [i.rpartition("/")[2] for i in response.json()] == ["a"]
    assert response.headers[VERSION] == f"branch:{server.head()}"


def test_inserting_an_existing_id_fails_with_document_id_already_exists(server):
    # document-auth.js:666-681 (400 on a second insert of the same @id); api_error.pl:1578
    server.insert(thing("a"))
    response = server.insert(thing("a"))
    assert response.status_code == 400
    assert error_type(response) == "api:DocumentIdAlreadyExists"


def test_replacing_a_missing_document_is_not_found(server):
    # document-auth.js:33-36: 404 api:DocumentNotFound for a replace of a missing id
    response = server.replace(thing("missing"))
    assert response.status_code == 404
    assert error_type(response) == "api:DocumentNotFound"


def test_replace_with_create_inserts_a_missing_document(server):
    # document-auth.js:287-302 "passes replace create if instance does not exist (#705)"
    assert server.replace(thing("new", "made"), create="true").status_code == 200
    assert server.get("Thing/new").json()["name"] == "made"


def test_deleting_a_missing_document_is_not_found_with_the_full_iri(server):
    # document-delete.js:46-49: 404, api:document_id terminusdb:///data/<id>
    response = server.delete("Thing/missing")
    assert response.status_code == 404
    assert error_type(response) == "api:DocumentNotFound"
    assert response.json()["api:error"]["api:document_id"] == "terminusdb:///data/Thing/missing"


def test_getting_a_missing_document_is_not_found(server):
    # document-auth.js:776-780
    response = server.get("Thing/missing")
    assert response.status_code == 404
    assert error_type(response) == "api:DocumentNotFound"


# -- WOQL document writes ---------------------------------------------------------------------


def test_woql_insert_update_and_delete_count_their_triples(server):
    # woql-auth.js:140-214: insert 2 triples, update 1 out 1 in, delete 2
    inserted = server.woql(insert_document(thing("w", "one")))
    assert (inserted.json()["inserts"], inserted.json()["deletes"]) == (2, 0)
    updated = server.woql(update_document(thing("w", "two")))
    assert (updated.json()["inserts"], updated.json()["deletes"]) == (1, 1)
    deleted = server.woql(delete_document("Thing/w"))
    assert (deleted.json()["inserts"], deleted.json()["deletes"]) == (0, 2)


def test_woql_update_of_a_missing_document_is_not_found_not_a_create(server):
    # woql-auth.js:333-338; UpdateDocument is replace_document with Create=false
    # (src/core/query/json_woql.pl:551-566, src/core/document/json.pl:3470-3482)
    before = server.head() if server.log() else None
    response = server.woql(update_document(thing("missing")))
    assert response.status_code == 404
    assert error_type(response) == "api:DocumentNotFound"
    assert (server.head() if server.log() else None) == before


def test_woql_double_insert_fails_with_document_id_already_exists(server):
    # woql-auth.js:259-263
    server.woql(insert_document(thing("w")))
    response = server.woql(insert_document(thing("w")))
    assert response.status_code == 400
    assert error_type(response) == "api:DocumentIdAlreadyExists"


def test_woql_delete_of_a_missing_document_is_not_found(server):
    # src/rust/terminusdb-community/src/doc/delete.rs:67-80 → api_error.pl:236-244
    response = server.woql(delete_document("Thing/missing"))
    assert response.status_code == 404
    assert error_type(response) == "api:DocumentNotFound"


def test_a_woql_write_without_a_solution_writes_nothing_and_makes_no_commit(server):
    # query_response.pl:42-65 (no solution: bindings [], counts 0), validate.pl:309-337 (no
    # commit when nothing changed), data_version.pl:151-159 (the old head is answered)
    server.insert({"@type": "Stamp", "@id": "Stamp/s", "nonce": "current"})
    head = server.head()
    response = server.woql(both(triple("Stamp/s", "nonce", "stale"), insert_document(thing("x"))))
    assert response.status_code == 200
    body = response.json()
    assert (body["bindings"], body["inserts"], body["deletes"]) == ([], 0, 0)
    assert response.headers[VERSION] == f"branch:{head}"
    assert server.head() == head
    assert server.get("Thing/x").status_code == 404


def test_a_woql_write_whose_guard_matches_commits(server):
    # woql-auth.js:26-37 (a solved query answers one binding); the Triple's literal object
    # is {"@type":"Value","data":{"@type":"xsd:string",...}} (json_woql.pl:118-119, 196-210)
    server.insert({"@type": "Stamp", "@id": "Stamp/s", "nonce": "current"})
    response = server.woql(both(triple("Stamp/s", "nonce", "current"), insert_document(thing("x"))))
    assert response.status_code == 200
    assert len(response.json()["bindings"]) == 1
    assert server.get("Thing/x").status_code == 200


# -- data versions ----------------------------------------------------------------------------


def test_a_woql_write_with_the_current_data_version_applies(server):
    # data-version.js:133-135 and :145-182 (h0 → h1, a new version)
    server.insert(thing("a"))
    head = server.head()
    response = server.woql(insert_document(thing("b")), **{VERSION: f"branch:{head}"})
    assert response.status_code == 200
    assert response.headers[VERSION] != f"branch:{head}"


def test_a_stale_data_version_is_400_data_version_mismatch(server):
    # data-version.js:137-143 (400, api:DataVersionMismatch; api_error.pl:101-114)
    server.insert(thing("a"))
    stale = server.head()
    server.insert(thing("b"))
    response = server.woql(insert_document(thing("c")), **{VERSION: f"branch:{stale}"})
    assert response.status_code == 400
    assert error_type(response) == "api:DataVersionMismatch"
    assert response.json()["api:error"]["api:actual_data_version"] == f"branch:{server.head()}"


def test_a_malformed_data_version_is_400_bad_data_version(server):
    # data-version.js:115-121
    response = server.woql(insert_document(thing("c")), **{VERSION: "abc"})
    assert response.status_code == 400
    assert error_type(response) == "api:BadDataVersion"


# -- branches, reset, log, history, diff ------------------------------------------------------


def test_a_branch_is_created_from_main_and_deleted(server):
    # branch-auth.js:30-44 (200 api:BranchResponse); :46-48 (main exists: 400)
    server.insert(thing("a"))
    path = f"branch/{TEAM}/{server.db}/local/branch/dev"
    origin = {"origin": f"{TEAM}/{server.db}/local/branch/main"}
    created = server.call("POST", path, json=origin)
    assert created.status_code == 200
    assert created.json()["@type"] == "api:BranchResponse"
    again = server.call("POST", f"branch/{TEAM}/{server.db}/local/branch/main", json=origin)
    assert again.status_code == 400
    assert error_type(again) == "api:BranchExistsError"
    assert server.call("DELETE", path).status_code == 200


def test_reset_points_the_branch_at_an_older_commit(server):
    # reset.js:13-31: three inserts, reset to the second commit of the log → two documents
    for key in ("a", "b", "c"):
        server.insert(thing(key))
    target = server.log()[1]["identifier"]
    response = server.call(
        "POST",
        f"reset/{TEAM}/{server.db}/local/branch/main",
        json={"commit_descriptor": f"{TEAM}/{server.db}/local/commit/{target}"},
    )
    assert response.json() == {"@type": "api:ResetResponse", "api:status": "api:success"}
    assert server.head() == target
    assert server.get("Thing/c").status_code == 404


def test_the_log_pages_newest_first(server):
    # log.js:22-42 (newest first, identifier = last data version); log.js:88-107 (start/count)
    versions = [server.insert(thing(k)).headers[VERSION] for k in ("a", "b", "c")]
    entries = server.log()
    assert [f"branch:{e['identifier']}" for e in entries[:3]] == versions[::-1]
    assert server.log(start=1, count=1)[0]["identifier"] == entries[1]["identifier"]


def test_history_lists_only_the_commits_that_touched_the_document(server):
    # history.js:22-42 (2 of 4 commits)
    server.insert(thing("a"))
    server.insert(thing("b"))
    server.replace(thing("a", "changed"))
    server.insert(thing("c"))
    entries = server.call("GET", f"history/{TEAM}/{server.db}", params={"id": "Thing/a"}).json()
    assert len(entries) == 2
    assert {"identifier", "author", "message", "timestamp"} <= set(entries[0])


def test_history_start_skips_commits_of_the_walk_not_entries(server):
    # src/core/document/history.pl:232-253 (walk_history_: start counts commits walked,
    # count limits entries); history.js:202-242 cannot tell the two readings apart
    server.insert(thing("a"))
    server.insert(thing("b"))
    server.insert(thing("c"))
    server.replace(thing("a", "changed"))  # newest commits: replace a, c, b, insert a
    path = f"history/{TEAM}/{server.db}"
    everything = server.call("GET", path, params={"id": "Thing/a"}).json()
    assert len(everything) == 2
    skipped = server.call("GET", path, params={"id": "Thing/a", "start": 1, "count": 5}).json()
    assert [e["identifier"] for e in skipped] == [everything[1]["identifier"]]
    counted = server.call("GET", path, params={"id": "Thing/a", "start": 0, "count": 1}).json()
    assert [e["identifier"] for e in counted] == [everything[0]["identifier"]]


def test_diff_between_data_versions_lists_changed_documents(server):
    # diff-id.js:20-48: /api/diff/<org>/<db> with before/after data versions
    before = server.insert(thing("a", "one")).headers[VERSION]
    after = server.replace(thing("a", "two")).headers[VERSION]
    response = server.call(
        "POST",
        f"diff/{TEAM}/{server.db}",
        json={"before_data_version": before, "after_data_version": after},
    )
    assert response.status_code == 200
    patches = response.json()
    assert len(patches) == 1
    assert patches[0]["name"] == {"@op": "SwapValue", "@before": "one", "@after": "two"}
