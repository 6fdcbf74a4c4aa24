"""Two merges into one target at once: one lands, the other lands after it or is refused."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from branches.services import branch_merge
from integrations.user_service.principal import SYSTEM
from ontology.services import Operation, elements_commit
from ontology.storage import get_store
from tests.ontology.conftest import object_type
from tests.storage.conftest import STORE_DATABASES


def update(branch: str, **fields) -> None:  # type: ignore[no-untyped-def]
    elements_commit(
        branch=branch, actor=SYSTEM, message=f"edit {branch}",
        operations=[Operation("update", "object-types", "Customer",
                              body={**object_type(), **fields})],
    )  # fmt: skip


@pytest.mark.postgres
@pytest.mark.django_db(databases=STORE_DATABASES, transaction=True)
@pytest.mark.parametrize("same_field", [False, True])
def test_two_merges_at_once_never_lose_a_change(on_postgres, settings, same_field):
    settings.OMS_STORAGES = {"default": {"BACKEND": "ontology.storage.sql.SQLStore"}}
    store = get_store()
    store.initialize()
    store.create_branch("dev", start="main")
    elements_commit(
        branch="dev", actor=SYSTEM, message="seed",
        operations=[Operation("create", "object-types", body=object_type())],
    )  # fmt: skip
    for name in ("a", "b"):
        store.create_branch(name, start="dev")
    update("a", description="from a")
    update("b", **({"description": "from b"} if same_field else {"icon": "from-b"}))
    outcomes: dict[str, str] = {}
    barrier = threading.Barrier(2)

    def run(source: str) -> None:
        barrier.wait()
        try:
            branch_merge(source=source, target="dev", actor=SYSTEM)
            outcomes[source] = "merged"
        except Exception as exc:  # noqa: BLE001 - the outcome is what is asserted
            outcomes[source] = getattr(exc, "code", repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(s,)) for s in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    final = store.list("dev", kind="object-types")[0]
    if same_field:
        assert sorted(outcomes.values()) == ["merge_conflict", "merged"]
        winner = next(s for s, o in outcomes.items() if o == "merged")
        assert final["description"] == f"from {winner}"
    else:
        assert outcomes == {"a": "merged", "b": "merged"}
        assert (final["description"], final["icon"]) == ("from a", "from-b")
