"""Concurrent clients on one branch (PostgreSQL, real threads): every acknowledged change stays.

Each thread has its own API client and database connection; writes of one branch queue on
its ref row, and a merge patch is applied to the element as it is under that lock.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

import pytest
from django.db import connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from integrations.user_service.principal import SYSTEM
from ontology.index import maintain
from ontology.selectors import catalog_at
from ontology.services import Operation, elements_commit
from ontology.storage import get_store
from tests.ontology.conftest import client_for, object_type, url
from tests.storage.conftest import STORE_DATABASES

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(databases=STORE_DATABASES,
                                                          transaction=True)]  # fmt: skip
FIELDS = ["description", "displayName", "pluralDisplayName", "icon", "titleProperty"]
ROUNDS = 4


def in_threads(jobs: list[Callable[[], None]]) -> list[BaseException]:
    """Run the jobs at once (released together) and return what they raised."""
    failures: list[BaseException] = []
    barrier = threading.Barrier(len(jobs))

    def run(job: Callable[[], None]) -> None:
        barrier.wait()
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return failures


def value(field: str, writer: int, n: int) -> str:
    return "name" if field == "titleProperty" else f"{field}-{writer}-{n}"


def test_concurrent_patches_of_different_fields_keep_every_field(dev_on_postgres):
    curator = client_for("editor")
    assert curator.post(url("object-types"), object_type(), format="json").status_code == 201
    commits_before = len(get_store().log("dev", limit=500).commits)
    acknowledged: list[str] = []

    def patcher(writer: int) -> Callable[[], None]:
        field = FIELDS[writer]

        def job() -> None:
            client = client_for("editor")
            for n in range(ROUNDS):
                response = client.patch(
                    url("object-types", "Customer"), {field: value(field, writer, n)},
                    format="json",
                )  # fmt: skip
                assert response.status_code == 200, response.json()
                acknowledged.append(response["X-Commit-Id"])

        return job

    assert in_threads([patcher(w) for w in range(len(FIELDS))]) == []
    document = curator.get(url("object-types", "Customer")).json()
    for writer, field in enumerate(FIELDS):
        assert document[field] == value(field, writer, ROUNDS - 1), field
    log = get_store().log("dev", limit=500).commits
    assert len(log) - commits_before == len(FIELDS) * ROUNDS == len(set(acknowledged))
    assert set(acknowledged) <= {c.id for c in log}


# -- many kinds of writer at once -------------------------------------------------------------

WRITER = st.sampled_from(["patch", "put", "batch", "merge"])


class ConcurrentWriters(RuleBasedStateMachine):
    """Rounds of writers released together through different doors (merge patches of one
    shared element's fields, PUTs, batch commits, merges of side branches); after every
    round, every change that was acknowledged is on the branch."""

    def __init__(self) -> None:
        super().__init__()
        self.tag = uuid.uuid4().hex[:8].upper()  # the database outlives one example
        self.rounds = 0
        self.expected: dict[tuple[str, str], str] = {}  # (apiName, field) -> value

    @rule(writers=st.lists(WRITER, min_size=2, max_size=4))
    def a_round_of_concurrent_writers(self, writers: list[str]) -> None:
        number, self.rounds = self.rounds, self.rounds + 1
        shared = f"S{self.tag}r{number}"  # the patches of a round share one element
        seed(shared)
        jobs = []
        for slot, kind in enumerate(writers):
            name = shared if kind == "patch" else f"T{self.tag}r{number}w{slot}"
            field = FIELDS[slot] if kind == "patch" else "description"
            text = value(field, number, slot)
            if name != shared:
                seed(name)
            side = f"side{self.tag}x{number}x{slot}".lower()
            jobs.append(_job(kind, name, field, text, side))
            self.expected[(name, field)] = text
        assert in_threads(jobs) == []

    @invariant()
    def every_acknowledged_change_is_kept(self) -> None:
        documents = {d["apiName"]: d for d in get_store().list("dev", kind="object-types")}
        for (name, field), text in self.expected.items():
            assert documents[name][field] == text, (name, field)

    @invariant()
    def every_branch_index_matches_its_head(self) -> None:
        assert maintain.verify(get_store()) == []
        listed = {d["id"]: d for d in catalog_at(branch="dev").of_kind("object-types")}
        assert listed == {d["id"]: d for d in get_store().list("dev", kind="object-types")}


def test_concurrent_patch_put_batch_and_merge_keep_every_acknowledged_change(dev_on_postgres):
    run_state_machine_as_test(
        ConcurrentWriters,
        settings=settings(
            max_examples=4, stateful_step_count=3, deadline=None, derandomize=True,
            suppress_health_check=[HealthCheck.function_scoped_fixture],
        ),
    )  # fmt: skip


def seed(name: str) -> None:
    elements_commit(
        branch="dev", actor=SYSTEM, message=f"seed {name}",
        operations=[Operation("create", "object-types", body=object_type(name))],
    )  # fmt: skip


def _job(kind: str, name: str, field: str, text: str, side: str) -> Callable[[], None]:
    """A writer that sets ``field`` of ``name`` to ``text`` through one door (only a
    patch sets another field than ``description``)."""
    client = client_for("editor")

    def patch() -> None:
        response = client.patch(url("object-types", name), {field: text}, format="json")
        assert response.status_code == 200, response.json()

    def put() -> None:
        body = object_type(name, description=text)
        response = client.put(url("object-types", name), body, format="json")
        assert response.status_code == 200, response.json()

    def batch() -> None:
        response = client.post(
            "/api/v1/branches/dev/commits/",
            {"message": "batch", "changes": [{"op": "update", "kind": "object-types",
             "apiName": name, "document": object_type(name, description=text)}]},
            format="json",
        )  # fmt: skip
        assert response.status_code == 201, response.json()

    def merge() -> None:
        assert client.post("/api/v1/branches/", {"name": side, "from": "dev"}).status_code == 201
        response = client.patch(
            url("object-types", name, branch=side), {"description": text}, format="json"
        )
        assert response.status_code == 200, response.json()
        merged = client.post("/api/v1/branches/dev/merge/", {"source": side}, format="json")
        assert merged.status_code == 201, merged.json()

    return {"patch": patch, "put": put, "batch": batch, "merge": merge}[kind]
