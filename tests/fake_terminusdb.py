"""A stateful fake TerminusDB server, written from TerminusDB's public API reference.

It answers the subset of the HTTP API that ``ontology.storage.terminusdb`` uses, with the
paths, methods, JSON bodies, status codes, ``api:*`` error bodies and
``TerminusDB-Data-Version`` headers that the reference describes (``docs/openapi.yaml``,
``docs/reference/API.md``, the JS integration tests under ``tests/test/`` and the error table
``src/core/api/api_error.pl`` of the repository ``terminusdb/terminusdb``; the list of files
and of what the fake leaves out is in ``docs/terminusdb.md``). It is a real HTTP server on
``127.0.0.1`` in a daemon thread, so the backend talks to it through ``terminusdb_client`` and
``requests`` exactly as it would to a real server::

    with FakeTerminusDB() as server:
        store = TerminusDBStore(url=server.url, db="oms_test")

Knobs for tests: ``FakeTerminusDB(retrying=True)`` (a WOQL write's data-version check and
its transaction are not atomic, as on the real server), :meth:`FakeTerminusDB.race_next_write`
(a concurrent commit lands during the next write), :meth:`FakeTerminusDB.fail_next` (answer
server errors),
:meth:`FakeTerminusDB.delay_next` (answer slowly, for timeouts), :meth:`FakeTerminusDB.stop`
(the server goes away) and :attr:`FakeTerminusDB.requests` (what the server was sent).
"""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

DATA_BASE = "terminusdb:///data/"
ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
VERSION_HEADER = "TerminusDB-Data-Version"
# ``status_http_code/2`` in api_error.pl: the HTTP status follows the body's api:status.
STATUS_CODES = {
    "api:success": 200,
    "api:failure": 400,
    "api:unauthorized": 401,
    "api:forbidden": 403,
    "api:not_found": 404,
    "api:method_not_allowed": 405,
    "api:conflict": 409,
    "api:server_error": 500,
}

Json = Any


class ApiError(Exception):
    """An error answer with an ``api:ErrorResponse``-style body."""

    def __init__(
        self, kind: str, api_status: str, error: Json, message: str, *, status: int = 0
    ) -> None:
        super().__init__(message)
        self.status = status or STATUS_CODES[api_status]
        self.body: dict[str, Json] = {"api:status": api_status, "api:message": message}
        if kind:
            self.body["@type"] = kind
        if error is not None:
            self.body["api:error"] = error


def _error(
    kind: str, error_type: str, message: str, api_status: str = "api:failure", **fields: Json
) -> ApiError:
    """An ``api:<error_type>`` error with ``api:<field>`` members, as api_error.pl builds them."""
    detail = {"@type": f"api:{error_type}", **{f"api:{k}": v for k, v in fields.items()}}
    return ApiError(kind, api_status, detail, message)


@dataclass(frozen=True)
class Commit:
    """One commit of the commit graph with the full state of its schema and instance graphs."""

    id: str
    type: str
    parent: str | None
    author: str
    message: str
    timestamp: float
    schema: Mapping[str, Json]
    instance: Mapping[str, Json]

    def document(self) -> dict[str, Json]:
        """The commit as a document of the commit graph (``src/terminus-schema/ref.json``)."""
        doc: dict[str, Json] = {
            "@id": f"{self.type}/{self.id}",
            "@type": self.type,
            "author": self.author,
            "identifier": self.id,
            "instance": _layer_id(self.instance),
            "message": self.message,
            "schema": _layer_id(self.schema),
            "timestamp": self.timestamp,
        }
        if self.parent is not None:
            doc["parent"] = f"ValidCommit/{self.parent}"
        return doc


@dataclass
class Database:
    """A database: its commit graph and branch heads."""

    team: str
    name: str
    label: str
    comment: str
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str | None] = field(default_factory=dict)
    last_timestamp: float = 0.0


@dataclass(frozen=True)
class Resource:
    """A parsed resource path (the shapes of ``resolve_absolute_descriptor``)."""

    team: str
    db: str
    kind: str  # "branch" | "commit" | "commits" | "meta"
    name: str = ""

    @property
    def path(self) -> str:
        if self.kind == "meta":
            return f"{self.team}/{self.db}/_meta"
        if self.kind == "commits":
            return f"{self.team}/{self.db}/local/_commits"
        return f"{self.team}/{self.db}/local/{self.kind}/{self.name}"


@dataclass
class Request:
    """What a handler needs from an HTTP request."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    user: str = ""

    def json(self) -> Json:
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            raise ApiError("", "api:failure", None, "Submitted object was not valid JSON") from None

    def flag(self, name: str) -> bool:
        return self.query.get(name, "false").lower() == "true"


@dataclass
class Reply:
    """An HTTP answer: a JSON body, or raw bytes."""

    status: int
    body: Json = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None


class FakeTerminusDB:
    """A TerminusDB server in-process: any number of teams and databases, thread-safe."""

    def __init__(self, *, users: Mapping[str, str] | None = None, retrying: bool = False) -> None:
        self.users = dict(users or {"admin": "root"})
        #: Check a WOQL write's data version, then let other requests in before running its
        #: transaction on the head as it is then: the real server's non-atomic check and
        #: transaction retry (query_response.pl:40-41, database.pl:245-264).
        self.retrying = retrying
        self.teams = set(self.users)
        self.databases: dict[tuple[str, str], Database] = {}
        #: (method, path, lower-cased headers) of every request, oldest first.
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.url = ""
        self._lock = threading.RLock()
        self._failures: deque[int] = deque()
        self._delays: deque[float] = deque()
        self._races: deque[Callable[[Database, str], None]] = deque()
        self._server: ThreadingHTTPServer | None = None
        self._routes: dict[str, Callable[[Request, list[str]], Reply]] = {
            "info": self._info,
            "ok": self._ok,
            "db": self._db,
            "document": self._document,
            "woql": self._woql,
            "branch": self._branch,
            "reset": self._reset,
            "log": self._log,
            "history": self._history,
            "diff": self._diff,
        }

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeTerminusDB:
        """Listen on a free port of 127.0.0.1 in a daemon thread."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening: from now on connections are refused (the server is "down")."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeTerminusDB:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- knobs -----------------------------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 500) -> None:
        """Answer the next ``n`` requests with ``status`` and a server-error body."""
        with self._lock:
            self._failures.extend([status] * n)

    def delay_next(self, n: int = 1, seconds: float = 1.0) -> None:
        """Wait ``seconds`` before answering each of the next ``n`` requests."""
        with self._lock:
            self._delays.extend([seconds] * n)

    def race_next_write(self, commit: Callable[[dict[str, Json]], None]) -> None:
        """Let a concurrent commit land while the next WOQL write runs.

        After that write's data-version check, ``commit`` edits a copy of the branch's
        instance graph (short id -> stored document) and the fake commits it, as another
        writer whose commit won would; then the write's transaction runs on that new head,
        not comparing the data version again, and answers ``transaction_retry_count: 1``:
        what TerminusDB does when ``nb_set_head`` meets a concurrent commit
        (src/core/transaction/database.pl:245-264, src/library/terminus_store.pl:193-197).
        """
        with self._lock:
            self._races.append(lambda database, branch: self._race(database, branch, commit))

    def _race(
        self, database: Database, branch: str, commit: Callable[[dict[str, Json]], None]
    ) -> None:
        schema, instance = self._head_graphs(database, branch)
        changed = copy.deepcopy(dict(instance))
        commit(changed)
        self._commit_to(database, branch, "racer", "A concurrent commit", schema, changed)

    def add_team(self, name: str) -> None:
        """Create an organization (a team) in which databases may be created."""
        with self._lock:
            self.teams.add(name)

    def head(self, team: str, db: str, branch: str = "main") -> str | None:
        """The head commit id of a branch (for assertions)."""
        with self._lock:
            return self.databases[(team, db)].branches.get(branch)

    # -- dispatch --------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        """Answer one request (called by the HTTP handler threads)."""
        with self._lock:
            self.requests.append((request.method, request.path, dict(request.headers)))
            failure = self._failures.popleft() if self._failures else None
            delay = self._delays.popleft() if self._delays else 0.0
        if delay:
            time.sleep(delay)
        if failure is not None:
            body = {"api:status": "api:server_error", "api:message": "Injected failure (fake)."}
            return Reply(failure, body)
        segments = request.path.split("/")
        if len(segments) < 3 or segments[1] != "api" or segments[2] not in self._routes:
            return _not_found(request.path)
        try:
            if segments[2] != "ok":
                self._authenticate(request)
            with self._lock:
                return self._routes[segments[2]](request, [s for s in segments[3:] if s])
        except ApiError as error:
            return Reply(error.status, error.body)

    def _authenticate(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            # No credentials: the anonymous user, who may do nothing here.
            message = "Access is not authorised with auth 'terminusdb://system/data/User/anonymous'"
            raise ApiError("", "api:forbidden", None, message)
        try:
            user, _, key = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            user, key = "", ""
        if not user or self.users.get(user) != key:
            raise ApiError(
                "api:ErrorResponse",
                "api:failure",
                {"@type": "api:IncorrectAuthenticationError"},
                "Incorrect authentication information",
                status=401,
            )
        request.user = user

    # -- /api/info, /api/ok ----------------------------------------------------------------

    def _info(self, request: Request, rest: list[str]) -> Reply:
        info = {
            "authority": f"terminusdb://system/data/User/{request.user}",
            "storage": {"version": "2"},
            "terminusdb": {"git_hash": "fake", "version": "11.1.0"},
            "terminusdb_store": {"version": "0.19.0"},
        }
        body = {"@type": "api:InfoResponse", "api:info": info, "api:status": "api:success"}
        return Reply(200, body)

    def _ok(self, request: Request, rest: list[str]) -> Reply:
        return Reply(200, raw=b"")

    # -- /api/db ---------------------------------------------------------------------------

    def _db(self, request: Request, rest: list[str]) -> Reply:
        if len(rest) != 2:
            return _not_found(request.path)
        team, name = rest
        if request.method == "HEAD":
            if (team, name) in self.databases:
                return Reply(200, {"@type": "api:DbExistsResponse", "api:status": "api:success"})
            message = "Database does not exist, or you do not have permission"
            raise ApiError("api:DbExistsErrorResponse", "api:failure", None, message, status=404)
        if request.method == "POST":
            return self._db_create(request, team, name)
        if request.method == "DELETE":
            if self.databases.pop((team, name), None) is None:
                raise _unknown_database("api:DbDeleteErrorResponse", team, name)
            return Reply(200, {"@type": "api:DbDeleteResponse", "api:status": "api:success"})
        return _method_not_allowed(request)

    def _db_create(self, request: Request, team: str, name: str) -> Reply:
        kind = "api:DbCreateErrorResponse"
        body = request.json() or {}
        label = body.get("label")
        if not isinstance(label, str) or not label:
            raise _error(kind, "MissingParameter", "Missing parameter: label", parameter="label")
        if team not in self.teams:
            message = f"Unknown organization name: {team}"
            raise _error(
                kind, "UnknownOrganizationName", message, "api:not_found", organization_name=team
            )
        if not name or len(name) > 100 or not all(c.isalnum() or c in "_-" for c in name):
            message = f"Invalid database name: {name!r}"
            raise _error(kind, "InvalidDatabaseName", message, database_name=name)
        if (team, name) in self.databases:
            raise _error(
                kind,
                "DatabaseAlreadyExists",
                "Database already exists.",
                database_name=name,
                organization_name=team,
            )
        database = Database(team, name, label, str(body.get("comment", "")))
        # A new database has an InitialCommit on main that the first real commit replaces
        # (ref.json: "A special initial commit which is replaced when data exists"), which
        # is why the log of main never shows it once data exists (tests/test/log.js).
        initial = self._new_commit(
            database, "InitialCommit", None, "system", "create initial schema", {}, {}
        )
        database.branches["main"] = initial.id
        self.databases[(team, name)] = database
        digest = hashlib.sha256(f"{team}/{name}".encode()).hexdigest()
        return Reply(
            200,
            {
                "@type": "api:DbCreateResponse",
                "api:database_uri": f"UserDatabase/{digest}",
                "api:status": "api:success",
            },
        )

    # -- /api/document ---------------------------------------------------------------------

    def _document(self, request: Request, rest: list[str]) -> Reply:
        method = request.method
        if request.headers.get("x-http-method-override", "").upper() == "GET":
            method = "GET"
        if method == "GET":
            return self._document_get(request, rest)
        if method in ("POST", "PUT"):
            return self._document_write(request, rest, "insert" if method == "POST" else "replace")
        if method == "DELETE":
            return self._document_delete(request, rest)
        return _method_not_allowed(request)

    def _document_get(self, request: Request, rest: list[str]) -> Reply:
        kind = "api:GetDocumentErrorResponse"
        resource = _resource(rest, kind)
        database = self._database(resource, kind)
        # Parameters come from the query string or from a JSON body (GET with a body, or
        # POST with X-HTTP-Method-Override: GET), as in routes.pl's document_handler.
        params: dict[str, Json] = dict(request.query)
        body = request.json()
        if isinstance(body, dict):
            params.update(body)
        version, documents = self._readable(database, resource, kind, params.get("graph_type"))
        self._check_requested_version(request, version)
        if params.get("id") is not None:
            doc_id = _short_id(str(params["id"]))
            if doc_id not in documents:
                raise _document_not_found(kind, doc_id)
            return _documents_reply([documents[doc_id]], version, as_list=False)
        selected = [documents[key] for key in sorted(documents)]
        if params.get("type"):
            selected = [d for d in selected if d.get("@type") == params["type"]]
        if isinstance(params.get("query"), dict):
            selected = [d for d in selected if _matches(d, params["query"])]
        skip = int(params.get("skip") or 0)
        count = params.get("count")
        selected = selected[skip : skip + int(count)] if count is not None else selected[skip:]
        as_list = str(params.get("as_list", "false")).lower() == "true"
        return _documents_reply(selected, version, as_list=as_list)

    def _readable(
        self, database: Database, resource: Resource, kind: str, graph_type: Json
    ) -> tuple[str | None, dict[str, Json]]:
        """The data version and the documents that a read of ``resource`` sees."""
        if resource.kind == "commits":
            return _commits_version(database), _commit_graph_documents(database)
        if resource.kind == "meta":
            message = "The _meta graph is not served by this fake."
            raise _error(kind, "DocumentAccessImpossible", message, resource_path=resource.path)
        commit = self._resource_commit(database, resource, kind, "api:not_found")
        if commit is None:
            return None, {}
        label = "branch" if resource.kind == "branch" else "commit"
        graph = commit.schema if graph_type == "schema" else commit.instance
        return f"{label}:{commit.id}", dict(graph)

    def _document_write(self, request: Request, rest: list[str], mode: str) -> Reply:
        kind = f"api:{mode.capitalize()}DocumentErrorResponse"
        resource, database = self._writable(rest, kind)
        author, message = _commit_params(request, kind)
        graph_type = request.query.get("graph_type", "instance")
        schema, instance = self._head_graphs(database, resource.name)
        self._check_requested_version(request, _branch_version(database, resource.name))
        target = dict(schema if graph_type == "schema" else instance)
        ids: list[str] = []
        for document in _json_stream(request.body):
            doc_id = self._prepare(document, graph_type, schema, kind)
            if mode == "insert" and doc_id in target:
                raise _already_exists(kind, doc_id, document)
            if mode == "replace" and doc_id not in target and not request.flag("create"):
                raise _error(
                    kind,
                    "DocumentNotFound",
                    f"Document not found: {doc_id!r}",
                    "api:not_found",
                    document_id=doc_id,
                    document=document,
                )
            target[doc_id] = _stored(document, doc_id)
            ids.append(doc_id if graph_type == "schema" else DATA_BASE + doc_id)
        graphs = (target, instance) if graph_type == "schema" else (schema, target)
        version = self._commit_to(database, resource.name, author, message, *graphs)
        return Reply(200, ids, {VERSION_HEADER: version})

    def _document_delete(self, request: Request, rest: list[str]) -> Reply:
        kind = "api:DeleteDocumentErrorResponse"
        resource, database = self._writable(rest, kind)
        author, message = _commit_params(request, kind)
        graph_type = request.query.get("graph_type", "instance")
        if "id" in request.query:
            ids: list[Json] = [request.query["id"]]
        elif request.body:
            ids = _json_stream(request.body)
        else:
            raise _error(kind, "MissingTargets", "Missing target(s) for deletion")
        schema, instance = self._head_graphs(database, resource.name)
        self._check_requested_version(request, _branch_version(database, resource.name))
        target = dict(schema if graph_type == "schema" else instance)
        for raw_id in ids:
            doc_id = _short_id(str(raw_id))
            if doc_id not in target:
                raise _document_not_found(kind, DATA_BASE + doc_id)  # document-delete.js:46-49
            del target[doc_id]
        graphs = (target, instance) if graph_type == "schema" else (schema, target)
        version = self._commit_to(database, resource.name, author, message, *graphs)
        return Reply(204, headers={VERSION_HEADER: version}, raw=b"")

    # -- /api/woql -------------------------------------------------------------------------

    def _woql(self, request: Request, rest: list[str]) -> Reply:
        """A WOQL query as TerminusDB runs one that writes (src/core/query/query_response.pl).

        The data version is compared once, before the transaction (query_response.pl:40-41).
        The steps run as one conjunction: a ``Triple`` that matches nothing leaves the query
        without a solution, so no write runs and no commit is made (the writes are frozen
        until the whole query succeeded, woql_compile.pl:2145-2184; validate.pl:309-337):
        the answer is 200 with no bindings and the old head as the data version. With
        :meth:`FakeTerminusDB.race_next_write`, a concurrent commit lands after the check and
        the transaction is re-run on the new head without comparing again, as
        ``retry_transaction`` does (src/core/transaction/database.pl:245-264).
        """
        kind = "api:WoqlErrorResponse"
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("query"), dict):
            raise _error(kind, "MissingParameter", "Missing parameter: query", parameter="query")
        resource, database = self._writable(rest, kind)
        self._check_requested_version(request, _branch_version(database, resource.name))
        checked_head = database.branches.get(resource.name)
        if self._races:
            self._races.popleft()(database, resource.name)
        elif self.retrying:
            # The real server checks the version, then opens the transaction: another
            # request may commit in between (the lock is this fake's whole-server lock).
            self._lock.release()
            try:
                time.sleep(0.02)
            finally:
                self._lock.acquire()
        retries = int(database.branches.get(resource.name) != checked_head)
        schema, instance = self._head_graphs(database, resource.name)
        target = dict(instance)
        solved = all(
            self._woql_step(step, target, schema, kind) for step in _woql_steps(body["query"])
        )
        if not solved:
            target = dict(instance)
        inserts, deletes = _triple_counts(instance, target)
        commit_info = body.get("commit_info") or {}
        author = str(commit_info.get("author", ""))
        message = str(commit_info.get("message", ""))
        version = self._commit_to(database, resource.name, author, message, schema, target)
        response = {
            "@type": "api:WoqlResponse",
            "api:status": "api:success",
            "api:variable_names": [],
            "bindings": [{}] if solved else [],
            "deletes": deletes,
            "inserts": inserts,
            "transaction_retry_count": retries,
        }
        return Reply(200, response, {VERSION_HEADER: version})

    def _woql_step(
        self, step: Json, target: dict[str, Json], schema: Mapping[str, Json], kind: str
    ) -> bool:
        """Apply one step to ``target``; False when it has no solution (a Triple that does
        not match), which ends the conjunction with nothing written."""
        operation = step.get("@type") if isinstance(step, dict) else None
        if operation == "Triple":
            return _triple_matches(step, target, kind)
        if operation in ("InsertDocument", "UpdateDocument"):
            document = _woql_value(step.get("document"), kind)
            if not isinstance(document, dict):
                raise _woql_syntax(kind, step)
            doc_id = self._prepare(document, "instance", schema, kind)
            if operation == "InsertDocument" and doc_id in target:
                # insert_document/9 (src/core/document/json.pl:3356-3363): api_error.pl:1578
                raise _already_exists(kind, doc_id, document)
            if operation == "UpdateDocument" and doc_id not in target:
                # UpdateDocument is replace_document/3 with Create=false (json_woql.pl:551-566,
                # json.pl:3429-3482): a missing id is an error, never a create.
                raise _document_not_found(kind, DATA_BASE + doc_id, document=document)
            target[doc_id] = _stored(document, doc_id)
        elif operation == "DeleteDocument":
            doc_id = _short_id(str((step.get("identifier") or {}).get("node", "")))
            if doc_id not in target:
                raise _document_not_found(kind, DATA_BASE + doc_id)
            del target[doc_id]
        else:
            raise _woql_syntax(kind, step)
        return True

    # -- /api/branch -----------------------------------------------------------------------

    def _branch(self, request: Request, rest: list[str]) -> Reply:
        kind = "api:BranchErrorResponse"
        resource = _resource(rest, kind, error="BadTargetAbsoluteDescriptor")
        if resource.kind != "branch":
            message = f"The target {resource.path!r} is not a branch descriptor"
            raise _error(
                kind, "NotATargetBranchDescriptorError", message, absolute_descriptor=resource.path
            )
        database = self._database(resource, kind)
        if request.method == "POST":
            if resource.name in database.branches:
                message = f"Branch {resource.name} already exists"
                raise _error(kind, "BranchExistsError", message, branch_name=resource.name)
            origin = (request.json() or {}).get("origin")
            head = None if origin is None else self._origin_head(database, str(origin), kind)
            database.branches[resource.name] = head
        elif request.method == "DELETE":
            if resource.name not in database.branches:
                message = f"Branch {resource.name} does not exist"
                raise _error(kind, "BranchDoesNotExistError", message, branch_name=resource.name)
            del database.branches[resource.name]
        else:
            return _method_not_allowed(request)
        return Reply(200, {"@type": "api:BranchResponse", "api:status": "api:success"})

    def _origin_head(self, database: Database, origin: str, kind: str) -> str | None:
        parts = [p for p in origin.split("/") if p]
        if len(parts) == 1:  # a bare branch name is relative to the target's database
            parts = [database.team, database.name, "local", "branch", parts[0]]
        try:
            source = _parse_resource(parts)
        except ValueError:
            message = f"Invalid origin absolute resource descriptor: {origin!r}"
            raise _error(
                kind, "BadOriginAbsoluteDescriptor", message, absolute_descriptor=origin
            ) from None
        if (source.team, source.db) != (database.team, database.name) or source.kind not in (
            "branch",
            "commit",
        ):
            message = f"Origin is not a branchable path {origin!r}"
            raise _error(kind, "NotBranchableError", message, absolute_descriptor=origin)
        if source.kind == "branch":
            if source.name not in database.branches:
                message = f"Origin branch does not exist as specified {source.name}"
                raise _error(kind, "OriginBranchDoesNotExist", message, branch=source.name)
            return database.branches[source.name]
        if source.name not in database.commits:
            # generic_exception_jsonld(origin_commit_does_not_exist(...)): no api:error.
            message = f"origin commit {source.name} does not exist"
            raise ApiError("", "api:failure", None, message)
        return source.name

    # -- /api/reset ------------------------------------------------------------------------

    def _reset(self, request: Request, rest: list[str]) -> Reply:
        """``reset_handler`` (routes.pl) and ``api_reset/4`` (api_reset.pl), in their order.

        No ``TerminusDB-Data-Version`` is read or answered: the reset is unconditional.
        """
        if request.method != "POST":
            return _method_not_allowed(request)
        kind = "api:ResetErrorResponse"
        body = request.json()
        if not isinstance(body, dict) or "commit_descriptor" not in body:
            # Checked by the handler before api_reset runs.
            raise _error(
                "api:BadAPIDocumentErrorResponse",
                "RequiredFieldsMissing",
                "The input API document was missing required fields: ['commit_descriptor']",
                document=body,
                expected=["commit_descriptor"],
            )
        resource = _resource(rest, kind)
        if resource.kind != "branch":
            message = f"The path {resource.path} is not a branch descriptor"
            raise _error(
                kind, "NotABranchDescriptorError", message, absolute_descriptor=resource.path
            )
        repository = f"{resource.team}/{resource.db}/local/_commits"
        database = self.databases.get((resource.team, resource.db))
        if database is None:  # askable_context on the repository fails
            raise _unresolvable(kind, repository, "api:failure")
        ref = str(body["commit_descriptor"])
        try:
            target = _parse_resource([p for p in ref.split("/") if p])
        except ValueError:  # not an absolute path: a commit id relative to the repository
            target = Resource(resource.team, resource.db, "commit", ref)
        if target.kind != "commit":
            message = f"The path {target.path} is not a commit descriptor"
            raise _error(
                kind, "NotACommitDescriptorError", message, absolute_descriptor=target.path
            )
        if (target.team, target.db) != (resource.team, resource.db):
            message = (
                f"The repository of the path to be reset {repository} is not in the same "
                f"repository as the commit which is in {target.team}/{target.db}/local/_commits"
            )
            raise _error(
                kind,
                "DifferentRepositoriesError",
                message,
                source_absolute_descriptor=repository,
                target_absolute_descriptor=f"{target.team}/{target.db}/local/_commits",
            )
        if target.name not in database.commits:
            raise _error(
                kind, "UnresolvableCommitId", f"Invalid ref path: {target.name}", commit=target.name
            )
        if resource.name not in database.branches:
            message = f"The branch does not exist for {json.dumps(resource.path)}"
            raise _error(
                kind, "UnresolvableAbsoluteDescriptor", message, absolute_descriptor=resource.path
            )
        database.branches[resource.name] = target.name
        return Reply(200, {"@type": "api:ResetResponse", "api:status": "api:success"})

    # -- /api/log, /api/history ------------------------------------------------------------

    def _log(self, request: Request, rest: list[str]) -> Reply:
        kind = "api:LogErrorResponse"
        resource = _resource(rest, kind)
        database = self._database(resource, kind)
        if resource.kind not in ("branch", "commit"):
            message = f"Resource has no history, so log unavailable: {resource.path}"
            raise _error(kind, "ResourceHasNoHistory", message, absolute_descriptor=resource.path)
        head = self._resource_commit(database, resource, kind, "api:failure")
        chain = _first_parent_chain(database, head.id if head else None)
        return Reply(200, [database.commits[c].document() for c in _page(request, kind, chain)])

    def _history(self, request: Request, rest: list[str]) -> Reply:
        kind = "api:HistoryErrorResponse"
        resource = _resource(rest, kind)
        database = self._database(resource, kind)
        if resource.kind != "branch":
            message = f"The path {resource.path} is not a branch descriptor"
            raise _error(
                kind, "NotABranchDescriptorError", message, absolute_descriptor=resource.path
            )
        if not request.query.get("id"):
            raise _error(kind, "MissingParameter", "Missing parameter: id", parameter="id")
        doc_id = _short_id(request.query["id"])
        head = self._resource_commit(database, resource, kind, "api:failure")
        # walk_history_ (src/core/document/history.pl:232-253): ``start`` skips commits of
        # the walk, touched or not; ``count`` (default: all) limits the entries answered.
        start, count = _paging(request, kind)
        entries = []
        for walked, commit_id in enumerate(
            _first_parent_chain(database, head.id if head else None)
        ):
            if count >= 0 and len(entries) >= count:
                break
            if walked < start:
                continue
            commit = database.commits[commit_id]
            parent = database.commits[commit.parent] if commit.parent else None
            if commit.instance.get(doc_id) != (parent.instance.get(doc_id) if parent else None):
                entries.append(
                    {
                        "author": commit.author,
                        "identifier": commit.id,
                        "message": commit.message,
                        "timestamp": commit.timestamp,
                        "user": f"terminusdb://system/data/User/{request.user}",
                    }
                )
        return Reply(200, entries)

    # -- /api/diff -------------------------------------------------------------------------

    def _diff(self, request: Request, rest: list[str]) -> Reply:
        kind = "api:DiffErrorResponse"
        body = request.json()
        if not isinstance(body, dict) or not {"before_data_version", "after_data_version"} <= set(
            body
        ):
            message = (
                "The input API document was missing required fields from one of the "
                "following lists (this fake answers only data-version diffs)"
            )
            expected = [["before_data_version", "after_data_version"]]
            raise _error(
                "api:BadAPIDocumentErrorResponse",
                "RequiredFieldsChoiceMissing",
                message,
                document=body,
                expected=expected,
            )
        resource = _resource(rest, kind)
        database = self._database(resource, kind)
        before = self._version_commit(database, body["before_data_version"], kind)
        after = self._version_commit(database, body["after_data_version"], kind)
        if "document_id" in body:
            doc_id = _short_id(str(body["document_id"]))
            return Reply(200, _document_diff(doc_id, before.instance, after.instance) or {})
        ids = sorted(set(before.instance) | set(after.instance))
        patches = [_document_diff(i, before.instance, after.instance) for i in ids]
        return Reply(200, [p for p in patches if p])

    def _version_commit(self, database: Database, version: Json, kind: str) -> Commit:
        """``coerce_to_commit``: a ``branch:``/``commit:`` data version or a bare commit id."""
        text = str(version)
        label, sep, value = text.partition(":")
        if sep:
            if label not in ("branch", "commit"):
                raise _error(kind, "BadDataVersion", f"Bad data version: {text}", data_version=text)
            text = value
        if text not in database.commits:
            message = f"The specified commit or branch {text!r} is not valid."
            raise _error(kind, "NotValidRefError", message, ref=text)
        return database.commits[text]

    # -- state helpers ---------------------------------------------------------------------

    def _database(self, resource: Resource, kind: str) -> Database:
        database = self.databases.get((resource.team, resource.db))
        if database is None:
            raise _unknown_database(kind, resource.team, resource.db)
        return database

    def _writable(self, rest: list[str], kind: str) -> tuple[Resource, Database]:
        resource = _resource(rest, kind)
        database = self._database(resource, kind)
        if resource.kind != "branch":
            message = (
                f"action 'write' on graph type instance is impossible on resource {resource.path!r}"
            )
            raise _error(
                kind,
                "DocumentAccessImpossible",
                message,
                resource_path=resource.path,
                graph_type="instance",
                access_type="write",
            )
        if resource.name not in database.branches:
            raise _unresolvable(kind, resource.path, "api:not_found")
        return resource, database

    def _resource_commit(
        self, database: Database, resource: Resource, kind: str, missing_status: str
    ) -> Commit | None:
        """The commit a branch or commit resource names (None for an empty branch)."""
        if resource.kind == "branch":
            if resource.name not in database.branches:
                raise _unresolvable(kind, resource.path, missing_status)
            head = database.branches[resource.name]
            return database.commits[head] if head else None
        if resource.name not in database.commits:
            raise _unresolvable(kind, resource.path, missing_status)
        return database.commits[resource.name]

    def _head_graphs(
        self, database: Database, branch: str
    ) -> tuple[dict[str, Json], dict[str, Json]]:
        head = database.branches[branch]
        if head is None:
            return {}, {}
        commit = database.commits[head]
        return dict(commit.schema), dict(commit.instance)

    def _check_requested_version(self, request: Request, actual: str | None) -> None:
        """``read_data_version_header`` then ``compare_data_versions`` (data_version.pl)."""
        requested = request.headers.get(VERSION_HEADER.lower())
        if requested is None:
            return
        label, sep, value = requested.partition(":")
        if not sep or len(label) <= 3 or len(value) <= 3 or ":" in value:
            raise _error(
                "", "BadDataVersion", f"Bad data version: {requested}", data_version=requested
            )
        if requested != actual:
            message = "Requested data version in header does not match actual data version."
            raise _error(
                "",
                "DataVersionMismatch",
                message,
                requested_data_version=requested,
                actual_data_version=actual or "",
            )

    def _commit_to(
        self,
        database: Database,
        branch: str,
        author: str,
        message: str,
        schema: dict[str, Json],
        instance: dict[str, Json],
    ) -> str:
        """Commit on ``branch`` if anything changed; the branch's data version afterwards."""
        head_id = database.branches[branch]
        head = database.commits[head_id] if head_id else None
        if head is not None and head.schema == schema and head.instance == instance:
            return f"branch:{head.id}"
        parent = head.id if head is not None and head.type != "InitialCommit" else None
        commit = self._new_commit(
            database, "ValidCommit", parent, author, message, schema, instance
        )
        database.branches[branch] = commit.id
        return f"branch:{commit.id}"

    def _new_commit(
        self,
        database: Database,
        type_: str,
        parent: str | None,
        author: str,
        message: str,
        schema: Mapping[str, Json],
        instance: Mapping[str, Json],
    ) -> Commit:
        timestamp = max(time.time(), database.last_timestamp + 1e-6)
        database.last_timestamp = timestamp
        commit_id = "".join(secrets.choice(ID_ALPHABET) for _ in range(31))
        commit = Commit(
            commit_id,
            type_,
            parent,
            author,
            message,
            timestamp,
            copy.deepcopy(dict(schema)),
            copy.deepcopy(dict(instance)),
        )
        database.commits[commit_id] = commit
        return commit

    def _prepare(
        self, document: Json, graph_type: str, schema: Mapping[str, Json], kind: str
    ) -> str:
        """Check a submitted document against the schema; return its short ``@id``."""
        if not isinstance(document, dict):
            raise _error(kind, "JSONInvalid", "Submitted JSON data is invalid")
        if graph_type == "schema":
            return _schema_id(document, kind)
        type_name = document.get("@type")
        cls = schema.get(str(type_name))
        if not isinstance(cls, dict) or cls.get("@type") != "Class":
            message = f"Type in submitted document not found in the schema: {type_name!r}"
            raise _error(kind, "TypeNotFound", message, type=type_name, document=document)
        doc_id = document.get("@id")
        if not isinstance(doc_id, str) or not doc_id:
            message = "No '@id' field found in document (this fake needs explicit ids)"
            raise _error(kind, "IdCouldNotBeDetermined", message, document=document)
        doc_id = _short_id(doc_id)
        if not doc_id.startswith(f"{type_name}/"):
            message = f"Document id {doc_id!r} does not have expected prefix"
            raise _error(
                kind,
                "SubmittedDocumentIdDoesNotHaveExpectedPrefix",
                message,
                submitted_id=DATA_BASE + doc_id,
                prefix=f"{DATA_BASE}{type_name}/",
                document=document,
            )
        _check_fields(document, cls, kind)
        return doc_id


# -- pure helpers ------------------------------------------------------------------------------


def _not_found(path: str) -> Reply:
    body = {
        "api:status": "api:not_found",
        "api:path": path,
        "api:message": f"Path not found: {path}",
    }
    return Reply(404, body)


def _method_not_allowed(request: Request) -> Reply:
    message = f"Method {request.method} not allowed on {request.path}"
    return Reply(405, {"api:status": "api:method_not_allowed", "api:message": message})


def _unknown_database(kind: str, team: str, name: str) -> ApiError:
    return _error(
        kind,
        "UnknownDatabase",
        f"Unknown database: {team}/{name}",
        "api:not_found",
        database_name=name,
        organization_name=team,
    )


def _unresolvable(kind: str, path: str, api_status: str) -> ApiError:
    message = f"Unable to resolve an invalid absolute path for descriptor {path!r}"
    return _error(
        kind, "UnresolvableAbsoluteDescriptor", message, api_status, absolute_descriptor=path
    )


def _already_exists(kind: str, doc_id: str, document: Json) -> ApiError:
    message = (
        f"Tried to insert a new document with id {doc_id!r}, but an object with that id "
        "already exists"
    )
    return _error(
        kind, "DocumentIdAlreadyExists", message, document_id=DATA_BASE + doc_id, document=document
    )


def _woql_syntax(kind: str, step: Json) -> ApiError:
    message = (
        "Unknown syntax error in WOQL (this fake answers only And, Triple, InsertDocument, "
        "UpdateDocument and DeleteDocument)"
    )
    return _error(kind, "WOQLSyntaxError", message, error_term=json.dumps(step))


def _parse_resource(parts: list[str]) -> Resource:
    """The resource a path names, for the shapes the backend uses; ValueError otherwise."""
    if len(parts) == 2:
        return Resource(parts[0], parts[1], "branch", "main")
    if len(parts) == 3 and parts[2] == "_meta":
        return Resource(parts[0], parts[1], "meta")
    if len(parts) == 3 and parts[2] == "local":
        return Resource(parts[0], parts[1], "branch", "main")
    if len(parts) == 4 and parts[2:] == ["local", "_commits"]:
        return Resource(parts[0], parts[1], "commits")
    if len(parts) == 5 and parts[2] == "local" and parts[3] in ("branch", "commit"):
        return Resource(parts[0], parts[1], parts[3], parts[4])
    raise ValueError(parts)


def _resource(rest: list[str], kind: str, error: str = "BadDescriptorPath") -> Resource:
    try:
        return _parse_resource(rest)
    except ValueError:
        path = "/".join(rest)
        member = "descriptor" if error == "BadDescriptorPath" else "absolute_descriptor"
        raise _error(kind, error, f"Bad descriptor path: {path}", **{member: path}) from None


def _short_id(doc_id: str) -> str:
    return doc_id.removeprefix(DATA_BASE)


def _stored(document: dict[str, Json], doc_id: str) -> dict[str, Json]:
    stored = copy.deepcopy(document)
    stored["@id"] = doc_id
    return stored


def _schema_id(document: dict[str, Json], kind: str) -> str:
    if document.get("@type") == "@context":
        message = "Inserting contexts is not allowed without using a 'full replace'."
        raise _error(kind, "InsertingContext", message, document=document)
    doc_id = document.get("@id")
    if document.get("@type") != "Class" or not isinstance(doc_id, str):
        message = "The '@type' field referred to an unimplemented schema type (fake: Class only)."
        raise _error(kind, "UnknownSchemaType", message, type=document.get("@type"))
    return doc_id


def _check_fields(document: dict[str, Json], cls: Mapping[str, Json], kind: str) -> None:
    """Unknown properties, strings that are not strings and missing required fields fail."""
    for name, value in document.items():
        if name in ("@id", "@type"):
            continue
        range_ = cls.get(name)
        if range_ is None or name.startswith("@"):
            message = f"Submitted document contained unrecognized property {name!r}"
            raise _error(
                kind,
                "UnrecognizedProperty",
                message,
                property=name,
                type=document["@type"],
                document=document,
            )
        base_type = range_.get("@class") if isinstance(range_, dict) else range_
        if base_type == "xsd:string" and not isinstance(value, str):
            message = f"value {value!r} could not be casted to a 'xsd:string'"
            raise _error(
                kind, "BadCast", message, value=value, type="xsd:string", document=document
            )
    for name, range_ in cls.items():
        optional = isinstance(range_, dict) and range_.get("@type") in ("Optional", "Set")
        if name.startswith("@") or optional or name in document:
            continue
        witness = {"@type": "required_field_does_not_exist_in_document", "field": name}
        raise _error(kind, "SchemaCheckFailure", "Schema check failure", witnesses=[witness])


def _commit_params(request: Request, kind: str) -> tuple[str, str]:
    for name in ("author", "message"):
        if name not in request.query:
            raise _error(kind, "MissingParameter", f"Missing parameter: {name}", parameter=name)
    return request.query["author"], request.query["message"]


def _json_stream(body: bytes) -> list[Json]:
    """The values of a body: a JSON list, or JSON values one after the other."""
    text = body.decode()
    decoder = json.JSONDecoder()
    values: list[Json] = []
    index = 0
    while index < len(text):
        if text[index].isspace():
            index += 1
            continue
        value, index = decoder.raw_decode(text, index)
        values.extend(value if isinstance(value, list) else [value])
    return values


def _woql_steps(query: Json) -> list[Json]:
    if isinstance(query, dict) and query.get("@type") == "And":
        return [step for part in query.get("and", []) for step in _woql_steps(part)]
    return [query]


def _woql_value(value: Json, kind: str) -> Json:
    """A WOQL ``Value`` (data, node, list or dictionary template) as plain JSON."""
    if not isinstance(value, dict):
        raise _woql_syntax(kind, value)
    if "data" in value:
        data = value["data"]
        return data["@value"] if isinstance(data, dict) and "@value" in data else data
    if "node" in value:
        return value["node"]
    if "list" in value:
        return [_woql_value(v, kind) for v in value["list"]]
    if "dictionary" in value:
        pairs = value["dictionary"].get("data", [])
        return {pair["field"]: _woql_value(pair["value"], kind) for pair in pairs}
    raise _woql_syntax(kind, value)


def _triple_counts(before: Mapping[str, Json], after: Mapping[str, Json]) -> tuple[int, int]:
    """Triples added and removed: one per field value, ``rdf:type`` included."""

    def triples(graph: Mapping[str, Json]) -> set[tuple[str, str, str]]:
        return {
            (doc_id, name, json.dumps(value, sort_keys=True))
            for doc_id, doc in graph.items()
            for name, value in doc.items()
            if name != "@id"
        }

    old, new = triples(before), triples(after)
    return len(new - old), len(old - new)


def _matches(document: Mapping[str, Json], template: Mapping[str, Json]) -> bool:
    return all(document.get(k) == v for k, v in template.items())


def _document_diff(
    doc_id: str, before: Mapping[str, Json], after: Mapping[str, Json]
) -> dict[str, Json] | None:
    """The patch of one document between two commits (None: unchanged), as in api_patch.pl."""
    old, new = before.get(doc_id), after.get(doc_id)
    if old == new:
        return None
    if old is None:
        return {"@op": "Insert", "@insert": copy.deepcopy(new)}
    if new is None:
        return {"@op": "Delete", "@delete": copy.deepcopy(old)}
    patch: dict[str, Json] = {"@id": doc_id}
    for name in sorted(set(old) | set(new)):
        if name != "@id" and old.get(name) != new.get(name):
            patch[name] = {"@op": "SwapValue", "@before": old.get(name), "@after": new.get(name)}
    return patch


def _first_parent_chain(database: Database, head: str | None) -> list[str]:
    chain: list[str] = []
    while head is not None:
        chain.append(head)
        head = database.commits[head].parent
    return chain


def _paging(request: Request, kind: str) -> tuple[int, int]:
    """``start`` and ``count`` (count -1, the default, means all)."""
    values = []
    for name, default in (("start", 0), ("count", -1)):
        raw = request.query.get(name)
        try:
            values.append(default if raw is None else int(raw))
        except ValueError:
            message = f"Expected parameter '{name}' of type 'integer' but found: {raw!r}"
            raise _error(
                kind,
                "BadParameterType",
                message,
                parameter=name,
                expected_type="integer",
                value=raw,
            ) from None
    return values[0], values[1]


def _page(request: Request, kind: str, items: list[Json]) -> list[Json]:
    """``start``/``count`` paging of a list (the log: log.js:88-107)."""
    start, count = _paging(request, kind)
    return items[start:] if count < 0 else items[start : start + count]


def _branch_version(database: Database, branch: str) -> str | None:
    head = database.branches.get(branch)
    return f"branch:{head}" if head else None


def _commits_version(database: Database) -> str:
    state = json.dumps(sorted(database.branches.items()), default=str)
    return f"repo:{hashlib.sha1(state.encode()).hexdigest()}"


def _commit_graph_documents(database: Database) -> dict[str, Json]:
    """The ``local/_commits`` graph: Branch and commit documents of the ``ref.json`` schema."""
    documents: dict[str, Json] = {}
    for name, head in database.branches.items():
        branch: dict[str, Json] = {"@id": f"Branch/{name}", "@type": "Branch", "name": name}
        if head is not None:
            branch["head"] = f"{database.commits[head].type}/{head}"
        documents[branch["@id"]] = branch
    for commit in database.commits.values():
        doc = commit.document()
        documents[doc["@id"]] = doc
    return documents


def _layer_id(graph: Mapping[str, Json]) -> str:
    digest = hashlib.sha1(json.dumps(graph, sort_keys=True).encode()).hexdigest()
    return f"layer_data:Layer_{digest}"


def _documents_reply(documents: list[Json], version: str | None, *, as_list: bool) -> Reply:
    """Documents as a JSON list, or as JSON values one per line (the default stream)."""
    headers = {VERSION_HEADER: version} if version else {}
    if as_list:
        return Reply(200, documents, headers)
    return Reply(200, headers=headers, raw="\n".join(json.dumps(d) for d in documents).encode())


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP requests into :class:`Request` objects for the fake and writes replies."""

    # One request per connection: once the fake stops, no kept-alive connection answers.
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve()

    def do_POST(self) -> None:  # noqa: N802
        self._serve()

    def do_PUT(self) -> None:  # noqa: N802
        self._serve()

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve()

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Keep test output quiet."""

    def _serve(self) -> None:
        fake: FakeTerminusDB = self.server.fake  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.headers.get("Content-Encoding", "").lower() == "gzip":
            body = gzip.decompress(body)
        request = Request(
            method=self.command,
            path=unquote(url.path),
            query={k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        try:
            reply = fake.handle(request)
        except Exception as exc:  # noqa: BLE001 - a bug in the fake answers 500, like the server
            reply = Reply(500, {"api:status": "api:server_error", "api:message": repr(exc)})
        payload = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD" and reply.status != 204:
            self.wfile.write(payload)


def _document_not_found(kind: str, doc_id: str, **extra: Json) -> ApiError:
    """The server's answer for a document id that is not in the graph (api_error.pl:236-254:
    404, ``api:document_id`` and, for a replace, ``api:document``)."""
    return _error(
        kind,
        "DocumentNotFound",
        f"Document not found: {doc_id!r}",
        "api:not_found",
        document_id=doc_id,
        **extra,
    )


def _triple_matches(step: Json, graph: Mapping[str, Json], kind: str) -> bool:
    """Whether a ``Triple`` of a node, a property and a literal holds in ``graph``: the
    subject resolves against ``@base``, the predicate against ``@schema``
    (woql_compile.pl:260-267, 332-338)."""
    subject = (step.get("subject") or {}).get("node")
    predicate = (step.get("predicate") or {}).get("node")
    if not isinstance(subject, str) or not isinstance(predicate, str):
        raise _woql_syntax(kind, step)
    value = _woql_value(step.get("object"), kind)
    document = graph.get(_short_id(subject))
    return isinstance(document, dict) and document.get(predicate.removeprefix("@schema:")) == value
