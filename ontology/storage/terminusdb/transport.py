"""Talking to the TerminusDB server: ``terminusdb_client`` where it serves, ``requests`` else.

Every call goes through :meth:`Transport._call`, which turns what can go wrong on the wire
into typed store errors: no answer, a timeout, a 5xx or a missing database is
:class:`StoreUnavailable`, refused credentials are :class:`AccessDenied` (a
``StoreUnavailable`` that is not worth retrying), and any other ``api:*`` error is a
:class:`TerminusError` that the store translates (``RefNotFound``, ``RefExists`` ...) or lets
through.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter
from terminusdb_client import Client
from terminusdb_client.errors import DatabaseError, InterfaceError

from ontology.storage.exceptions import StoreError, StoreUnavailable
from ontology.storage.terminusdb.layout import DEFAULT_BRANCH

T = TypeVar("T")
VERSION_HEADER = "TerminusDB-Data-Version"
USER_AGENT = "oms-terminusdb-store"


class TerminusError(StoreError):
    """TerminusDB refused a request with an ``api:*`` error the store did not expect."""

    code = "terminusdb_error"
    title = "TerminusDB error"

    def __init__(self, status: int, error_type: str, message: str, body: Any = None) -> None:
        super().__init__(f"TerminusDB answered {status} {error_type or ''}: {message}".strip())
        self.http_status = status
        self.error_type = error_type
        self.body = body


@dataclass(frozen=True)
class WoqlAnswer:
    """How a WOQL write went: the branch's data version after it, how many solutions the
    query had (none: nothing was written and no commit made) and how many times the server
    re-ran the transaction on a newer head (``transaction_retry_count``)."""

    version: str
    solutions: int
    retries: int


class AccessDenied(StoreUnavailable):
    """TerminusDB refused the configured user and key (or their rights)."""

    code = "store_access_denied"
    title = "Store access denied"
    retryable = False


class _TimeoutAdapter(HTTPAdapter):
    """Applies a default timeout to requests made without one."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        # requests.Session.send passes everything but the request by keyword.
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, *args, **kwargs)


class _Client(Client):
    """``terminusdb_client.Client`` whose HTTP session has a default timeout.

    The client makes its requests without a timeout (a hung server would hang the caller
    forever) and creates its session inside ``connect()``, so the session is given the
    timeout adapters as the client stores it.
    """

    def __init__(self, server_url: str, timeout: float) -> None:
        self._oms_timeout = timeout
        super().__init__(server_url, user_agent=USER_AGENT)

    @property
    def _session(self) -> requests.Session:
        return self.__dict__["_oms_session"]

    @_session.setter
    def _session(self, session: requests.Session) -> None:
        adapter = _TimeoutAdapter(self._oms_timeout)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        self.__dict__["_oms_session"] = session


class Transport:
    """The requests a :class:`TerminusDBStore` makes, one method per endpoint it uses."""

    def __init__(
        self, *, url: str, team: str, user: str, key: str, db: str, timeout: float
    ) -> None:
        self.url = url.rstrip("/")
        self.team = team
        self.user = user
        self.db = db
        self.timeout = timeout
        self._key = key
        self._local = threading.local()

    # -- server and database ---------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        """``GET /api/info``."""
        return self._call(lambda: self._client().info())

    def create_database(self, *, label: str, comment: str) -> None:
        """``POST /api/db/<team>/<db>`` with a schema (``api:DatabaseAlreadyExists`` if there)."""
        self._call(
            lambda: self._client().create_database(
                self.db, team=self.team, label=label, description=comment, include_schema=True
            )
        )

    # -- branches --------------------------------------------------------------------------

    def branch_documents(self) -> list[dict[str, Any]]:
        """The ``Branch`` documents of ``local/_commits`` (name and head of every branch)."""
        with self._at() as client:
            return self._call(lambda: client.get_all_branches())

    def create_branch(self, name: str, commit_id: str) -> None:
        """``POST /api/branch/<team>/<db>/local/branch/<name>`` from ``local/commit/<id>``."""
        with self._at(commit=commit_id) as client:
            self._call(lambda: client.create_branch(name))

    def delete_branch(self, name: str) -> None:
        """``DELETE /api/branch/<team>/<db>/local/branch/<name>``."""
        with self._at() as client:
            self._call(lambda: client.delete_branch(name))

    def reset_branch(self, name: str, commit_id: str) -> None:
        """``POST /api/reset/<team>/<db>/local/branch/<name>`` to ``local/commit/<id>``.

        The body is ``{"commit_descriptor": "<team>/<db>/local/commit/<id>"}``. The server
        neither reads nor answers a ``TerminusDB-Data-Version`` here (``reset_handler`` in
        ``routes.pl``), so the move is unconditional: the caller checks the head first.
        """
        with self._at(branch=name) as client:
            self._call(lambda: client.reset(commit_id))

    # -- commits ---------------------------------------------------------------------------

    def log(self, descriptor: str, *, start: int = 0, count: int = 1) -> list[dict[str, Any]]:
        """``GET /api/log/<team>/<db>/<descriptor>``: a first-parent chain, newest first."""
        path = f"{self.db}/{descriptor}"
        return self._call(
            lambda: self._client().log(team=self.team, db=path, start=start, count=count)
        )

    def history(self, branch: str, iri: str, *, start: int, count: int) -> list[dict[str, Any]]:
        """``GET /api/history/<team>/<db>/local/branch/<branch>?id=``: commits changing ``iri``."""
        path = f"{self.db}/local/branch/{branch}"
        return self._call(
            lambda: self._client().get_document_history(
                iri, team=self.team, db=path, start=start, count=count
            )
        )

    def diff(self, before: str, after: str) -> list[dict[str, Any]]:
        """``POST /api/diff/<team>/<db>``: one patch per document that differs."""
        with self._at(branch=DEFAULT_BRANCH) as client:
            return self._call(lambda: client.diff_version(before, after))

    # -- documents -------------------------------------------------------------------------

    def get_document(
        self,
        iri: str,
        *,
        branch: str | None = None,
        commit: str | None = None,
        graph_type: str = "instance",
    ) -> dict[str, Any]:
        """``GET /api/document/...?id=`` at a branch or commit."""
        with self._at(branch=branch, commit=commit) as client:
            return self._call(lambda: client.get_document(iri, graph_type=graph_type))

    def get_documents(
        self, doc_type: str, *, branch: str | None = None, commit: str | None = None
    ) -> list[dict[str, Any]]:
        """``GET /api/document/...?type=``: every document of a class at a branch or commit."""
        with self._at(branch=branch, commit=commit) as client:
            return self._call(lambda: client.get_all_documents(doc_type=doc_type, as_list=True))

    def insert_documents(
        self, documents: list[dict[str, Any]], *, branch: str, message: str
    ) -> None:
        """``POST /api/document/...`` (``api:DocumentIdAlreadyExists`` if an id is taken)."""
        with self._at(branch=branch) as client:
            self._call(lambda: client.insert_document(documents, commit_msg=message))

    def put_documents(self, documents: list[dict[str, Any]], *, branch: str, message: str) -> None:
        """``PUT /api/document/...?create=true``: create or replace."""
        with self._at(branch=branch) as client:
            self._call(lambda: client.replace_document(documents, commit_msg=message, create=True))

    def delete_document(self, iri: str, *, branch: str, message: str) -> None:
        """``DELETE /api/document/...`` of one document."""
        with self._at(branch=branch) as client:
            self._call(lambda: client.delete_document(iri, commit_msg=message))

    def insert_schema(
        self, classes: list[dict[str, Any]], *, branch: str, author: str, message: str
    ) -> str:
        """``POST /api/document/...?graph_type=schema``; the new data version.

        Sent with ``requests``: the client's ``insert_document`` records the connected user
        as the commit's author and drops the ``TerminusDB-Data-Version`` answer.
        """
        version, _ = self._request(
            "POST",
            f"document/{self.team}/{self.db}/local/branch/{branch}",
            params={"graph_type": "schema", "author": author, "message": message},
            json_body=classes,
        )
        return version

    def woql_write(
        self, query: dict[str, Any], *, branch: str, author: str, message: str, version: str
    ) -> WoqlAnswer:
        """``POST /api/woql/...`` as one commit, sent with ``version`` as its data version.

        Sent with ``requests``: the client's ``query`` cannot set the commit's author and,
        for a query that writes, drops the ``TerminusDB-Data-Version`` answer that names the
        new commit. The server compares ``version`` once, before the transaction; the answer
        says how the transaction went (see :class:`WoqlAnswer`).
        """
        version, body = self._request(
            "POST",
            f"woql/{self.team}/{self.db}/local/branch/{branch}",
            json_body={
                "query": query,
                "commit_info": {"author": author, "message": message},
                "all_witnesses": False,
            },
            version=version,
        )
        answer = body if isinstance(body, dict) else {}
        bindings = answer.get("bindings")
        return WoqlAnswer(
            version=version,
            solutions=len(bindings) if isinstance(bindings, list) else 0,
            retries=int(answer.get("transaction_retry_count") or 0),
        )

    # -- plumbing --------------------------------------------------------------------------

    def _client(self) -> _Client:
        """This thread's connected client (clients carry per-call state, so one per thread)."""
        client: _Client | None = getattr(self._local, "client", None)
        if client is None:
            client = _Client(self.url, self.timeout)
            self._call(lambda: client.connect(team=self.team, user=self.user, key=self._key))
            client.db = self.db
            self._local.client = client
        return client

    @contextmanager
    def _at(self, *, branch: str | None = None, commit: str | None = None) -> Iterator[_Client]:
        """The client pointed at a branch or a commit of the database."""
        client = self._client()
        client.db = self.db
        client.branch = branch or DEFAULT_BRANCH
        client.ref = commit
        try:
            yield client
        finally:
            client.ref = None

    def _request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any,
        params: dict[str, str] | None = None,
        version: str | None = None,
    ) -> tuple[str, Any]:
        """A write request; the data version it answers and its JSON body."""
        headers = {"User-Agent": USER_AGENT}
        if version is not None:
            headers[VERSION_HEADER] = version

        def send() -> tuple[str, Any]:
            response = requests.request(
                method,
                f"{self.url}/api/{path}",
                params=params,
                json=json_body,
                headers=headers,
                auth=(self.user, self._key),
                timeout=self.timeout,
            )
            if response.status_code != 200:
                raise _error_from(response.status_code, _json_or_text(response))
            new_version = response.headers.get(VERSION_HEADER)
            if not new_version:
                raise StoreUnavailable(f"TerminusDB answered {path} without a data version.")
            return new_version, _json_or_text(response)

        return self._call(send)

    def _call(self, call: Callable[[], T]) -> T:
        try:
            return call()
        except (requests.RequestException, DatabaseError, InterfaceError) as exc:
            raise self._translate(exc) from exc

    def _translate(self, exc: Exception) -> StoreError:
        if isinstance(exc, InterfaceError):
            # connect() re-raises whatever failed (refused, timed out, bad credentials) as
            # InterfaceError "from None"; the original is still its __context__.
            cause = exc.__context__
            if isinstance(cause, requests.RequestException | DatabaseError):
                return self._translate(cause)
            return StoreUnavailable(exc.message)
        if isinstance(exc, DatabaseError):
            return _error_from(exc.status_code, getattr(exc, "error_obj", None) or exc.message)
        if isinstance(exc, requests.Timeout):
            return StoreUnavailable(
                f"TerminusDB at {self.url} did not answer within {self.timeout}s."
            )
        return StoreUnavailable(f"Cannot reach TerminusDB at {self.url}: {exc}")


def _error_from(status: int, body: Any) -> StoreError:
    """The typed error for a non-200 answer."""
    error = body.get("api:error") if isinstance(body, dict) else None
    error_type = error.get("@type", "") if isinstance(error, dict) else ""
    message = body.get("api:message", "") if isinstance(body, dict) else str(body)
    if status >= 500:
        return StoreUnavailable(f"TerminusDB answered {status}: {message}")
    if status in (401, 403):
        return AccessDenied(f"TerminusDB refused the request ({status}): {message}")
    if error_type == "api:UnknownDatabase":
        return StoreUnavailable(f"{message} (has the store been initialized?)")
    return TerminusError(status, error_type, message, body)


def _json_or_text(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text
