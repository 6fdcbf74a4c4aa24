"""Concurrent writers on one branch (PostgreSQL): every write lands, none is lost."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from integrations.user_service.principal import Principal
from ontology.services import Operation, elements_commit
from ontology.storage import get_store
from tests.storage.conftest import STORE_DATABASES

WRITERS, EACH = 6, 5


@pytest.mark.postgres
@pytest.mark.django_db(databases=STORE_DATABASES, transaction=True)
def test_concurrent_element_writes_on_one_branch_lose_nothing(on_postgres, settings):
    settings.OMS_STORAGES = {
        "default": {"BACKEND": "ontology.storage.sql.SQLStore", "OPTIONS": {"using": "default"}}
    }
    store = get_store()
    store.initialize()
    store.create_branch("dev", start="main")
    failures: list[BaseException] = []

    def writer(number: int) -> None:
        actor = Principal(id=f"w{number}", username=f"writer{number}")
        try:
            for n in range(EACH):
                elements_commit(
                    branch="dev",
                    operations=[Operation("create", "groups", body={"apiName": f"G{number}x{n}"})],
                    actor=actor,
                    message=f"{number}/{n}",
                )
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures, failures
    names = sorted(d["apiName"] for d in store.list("dev", kind="groups"))
    assert names == sorted(f"G{i}x{n}" for i in range(WRITERS) for n in range(EACH))
    log = store.log("dev", limit=100).commits
    assert len(log) == WRITERS * EACH + 1
