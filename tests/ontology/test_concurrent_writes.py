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


@pytest.mark.postgres
@pytest.mark.django_db(databases=STORE_DATABASES, transaction=True)
def test_writers_of_one_branch_are_served_in_arrival_order(dev_on_postgres):
    """Waiters queue on the branch's advisory lock (served first come, first served) before
    the ref row's lock (where every waiter wakes at each commit and they race)."""
    import time

    store = get_store()
    order: list[int] = []
    release = threading.Event()

    def waiter(number: int) -> None:
        try:
            with store.write_lock(dev_on_postgres):
                order.append(number)
        finally:
            connections.close_all()

    def waiting_on_the_advisory_lock() -> int:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                           "AND NOT granted")  # fmt: skip
            return int(cursor.fetchone()[0])

    def holder() -> None:
        try:
            with store.write_lock(dev_on_postgres):
                order.append(0)
                release.wait(20)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=holder)]
    threads[0].start()
    while not order:
        time.sleep(0.01)
    try:
        for number in range(1, 5):
            threads.append(threading.Thread(target=waiter, args=(number,)))
            threads[-1].start()
            deadline = time.monotonic() + 10
            while waiting_on_the_advisory_lock() < number and time.monotonic() < deadline:
                time.sleep(0.01)
            assert waiting_on_the_advisory_lock() == number
    finally:
        release.set()
    for thread in threads:
        thread.join(30)
    assert order == [0, 1, 2, 3, 4]
