"""The persisted index: every door that moves a head moves its rows, and reads use them.

``maintain.verify`` is the oracle: it rebuilds each branch's expected rows from its head's
documents and compares them with the stored ones.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.user_service.principal import SYSTEM
from ontology import selectors
from ontology.catalog import Catalog, Page, catalog_for
from ontology.exceptions import ElementExists
from ontology.index import maintain
from ontology.index.models import IndexCount, IndexEntry, IndexFacet, IndexState
from ontology.services import Operation, elements_commit
from ontology.storage import get_store
from ontology.storage.base import Put
from tests.branches.conftest import main_with_customer  # noqa: F401 - a fixture
from tests.ontology.conftest import client_for, link_type, object_type, order_type

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def indexed(request) -> None:
    """The branches the fixtures made past the pipeline get their rows, as storage_init does."""
    if "terminus" in request.fixturenames:
        return
    for name in ("dev", "main_with_customer"):
        if name in request.fixturenames:
            request.getfixturevalue(name)
    call_command("storage_init", verbosity=0)


ELEMENTS = "/api/v1/branches/{}/object-types/"


def sound() -> None:
    assert maintain.verify(get_store()) == []


def create(client, branch: str, body: dict, kind: str = "object-types") -> dict:
    response = client.post(f"/api/v1/branches/{branch}/{kind}/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def listed(catalog: Catalog, **query: Any) -> Page:
    """A page of the catalog's object types, decoded."""
    choice = selectors.element_choice(catalog=catalog, kind="object-types", **query)
    return catalog.documents(choice)


def names(branch: str) -> list[str]:
    return list(
        IndexEntry.objects.filter(branch=branch)
        .order_by("api_name")
        .values_list("api_name", flat=True)
    )


def test_edits_through_the_api_move_the_rows(dev, curator):
    create(curator, dev, object_type())
    create(curator, dev, order_type())
    create(curator, dev, link_type(), kind="link-types")
    sound()
    curator.patch(ELEMENTS.format(dev) + "Customer/", {"apiName": "Client"}, format="json")
    sound()  # the rename cascaded into the link type: both rows moved
    assert "customerOrders" in names(dev) and "Client" in names(dev)
    facets = set(IndexFacet.objects.filter(branch=dev).values_list("facet", flat=True))
    assert "ref:object-types/Client" in facets and "ref:object-types/Customer" not in facets
    curator.delete(f"/api/v1/branches/{dev}/link-types/customerOrders/")
    curator.delete(ELEMENTS.format(dev) + "Order/")
    sound()
    assert names(dev) == ["Client"]


def test_branches_merges_reverts_and_resets_keep_every_branch_indexed(dev, curator):
    admin = client_for("admin")
    create(curator, dev, object_type())
    assert (
        curator.post("/api/v1/branches/", {"name": "side", "from": dev}, format="json").status_code
        == 201
    )
    sound()  # the new branch got the rows of its start
    assert names("side") == ["Customer"]
    create(curator, "side", order_type())
    start = get_store().branch_head(dev)
    merged = curator.post(f"/api/v1/branches/{dev}/merge/", {"source": "side"}, format="json")
    assert merged.status_code in (200, 201), merged.content
    sound()
    assert names(dev) == ["Customer", "Order"]
    head = get_store().branch_head(dev)
    reverted = curator.post(f"/api/v1/branches/{dev}/revert/", {"commit": head}, format="json")
    assert reverted.status_code in (200, 201), reverted.content
    sound()
    assert names(dev) == ["Customer"]
    reset = admin.post(f"/api/v1/branches/{dev}/reset/", {"to": start}, format="json")
    assert reset.status_code == 200, reset.content
    sound()
    assert admin.delete("/api/v1/branches/side/").status_code == 204
    sound()
    assert not IndexEntry.objects.filter(branch="side").exists()
    assert not IndexState.objects.filter(branch="side").exists()


def test_a_protected_branch_moves_its_rows_by_proposal(main_with_customer):  # noqa: F811
    curator, reviewer = client_for("editor"), client_for("reviewer")
    create(curator, "feature", order_type())
    proposal = curator.post(
        "/api/v1/proposals/", {"source": "feature", "target": "main", "title": "Orders"},
        format="json",
    ).json()  # fmt: skip
    reviewer.post(f"/api/v1/proposals/{proposal['id']}/reviews/", {"verdict": "approve"})
    assert curator.post(f"/api/v1/proposals/{proposal['id']}/merge/", {}).status_code == 201
    sound()
    assert names("main") == ["Customer", "Order"]


def test_imports_move_the_rows(dev, curator):
    bundle = {
        "format": "oms-bundle",
        "formatVersion": 1,
        "elements": [
            {"kind": "object-types", **object_type()},
            {"kind": "object-types", **order_type()},
        ],
    }
    response = curator.post(f"/api/v1/branches/{dev}/import/", bundle, format="json")
    assert response.status_code in (200, 201), response.content
    sound()
    assert names(dev) == ["Customer", "Order"]


def test_a_list_page_and_a_lookup_read_a_few_rows_not_the_ontology(dev):
    operations = [Operation("create", "object-types", body=object_type(f"T{i:03}"))
                  for i in range(120)]  # fmt: skip
    elements_commit(branch=dev, operations=operations, actor=SYSTEM, message="many")
    catalog = selectors.catalog_at(branch=dev)
    with CaptureQueriesContext(connection) as queries:
        page = listed(catalog, after="T049", limit=10)
        found = catalog.get("object-types", "T100")
    assert [d["apiName"] for d in page.documents] == [f"T{i:03}" for i in range(50, 60)]
    assert page.count == 120 and page.more
    assert found is not None and found["apiName"] == "T100"
    assert len(queries) <= 12, [q["sql"][:80] for q in queries]


def test_a_page_reads_its_bodies_by_content_key_without_walking_the_tree(dev, monkeypatch):
    operations = [Operation("create", "object-types", body=object_type(f"K{i:03}"))
                  for i in range(60)]  # fmt: skip
    elements_commit(branch=dev, operations=operations, actor=SYSTEM, message="many")
    store = get_store()
    assert not IndexEntry.objects.filter(branch=dev, content="").exists()
    walked: list[list[str]] = []
    get_many = type(store).get_many

    def counted(self, ref, doc_ids):  # type: ignore[no-untyped-def]
        walked.append(list(doc_ids))
        return get_many(self, ref, walked[-1])

    monkeypatch.setattr(type(store), "get_many", counted)
    store.objects.cache.clear()  # cold bodies: they come from the database by key
    page = listed(selectors.catalog_at(branch=dev), after="K009", limit=20)
    found = selectors.catalog_at(branch=dev).get("object-types", "K055")
    assert [d["apiName"] for d in page.documents] == [f"K{i:03}" for i in range(10, 30)]
    assert found is not None and found["apiName"] == "K055"
    assert walked == []

    # Rows written before they kept the key are still sound and read through the tree.
    IndexEntry.objects.filter(branch=dev).update(content="")
    sound()
    page = listed(selectors.catalog_at(branch=dev), after="K009", limit=20)
    assert [d["apiName"] for d in page.documents] == [f"K{i:03}" for i in range(10, 30)]
    assert walked and len(walked[0]) == 20
    # A key that is not its body's is damage fsck finds and reindex repairs.
    IndexEntry.objects.filter(branch=dev, api_name="K002").update(content="0" * 64)
    assert any("K002: row differs" in p for p in maintain.verify(store))
    call_command("storage_reindex", verbosity=0)
    sound()
    assert not IndexEntry.objects.filter(branch=dev, content="").exists()


def test_search_and_filters_match_as_before(dev, curator):
    create(curator, dev, object_type(description="Buyers of 100% cotton"))
    create(curator, dev, order_type(groups=[]))
    create(curator, dev, {"apiName": "Sales", "displayName": "Sales"}, kind="groups")
    curator.patch(ELEMENTS.format(dev) + "Order/", {"groups": ["Sales"]}, format="json")

    def listed(query: str) -> list[str]:
        response = curator.get(ELEMENTS.format(dev) + query)
        assert response.status_code == 200, response.content
        return [d["apiName"] for d in response.json()["results"]]

    assert listed("?search=COTTON") == ["Customer"]
    assert listed("?search=100%25") == ["Customer"]  # LIKE wildcards are literal
    assert listed("?search=_") == []
    assert listed("?group=Sales") == ["Order"]
    assert listed("?status=experimental") == ["Customer", "Order"]
    assert listed("?status=active") == []


def test_reads_at_an_old_commit_add_what_differs_to_the_head_rows(dev, curator):
    create(curator, dev, object_type())
    old = get_store().branch_head(dev)
    curator.patch(ELEMENTS.format(dev) + "Customer/", {"apiName": "Client"}, format="json")
    create(curator, dev, order_type())
    response = curator.get(ELEMENTS.format(dev) + f"?at={old}")
    assert [d["apiName"] for d in response.json()["results"]] == ["Customer"]
    assert response.json()["count"] == 1
    assert curator.get(ELEMENTS.format(dev) + f"Customer/?at={old}").status_code == 200
    assert curator.get(ELEMENTS.format(dev) + f"Client/?at={old}").status_code == 404
    assert curator.get(ELEMENTS.format(dev) + "Client/").status_code == 200


def test_rows_left_behind_are_caught_up_by_reads_and_the_next_write(dev, curator):
    create(curator, dev, object_type())
    store = get_store()
    # A commit past the pipeline (as after a crash between a TerminusDB commit and its rows).
    behind = store.branch_head(dev)
    store.commit(dev, [Put({**store.get(dev, selectors.catalog_at(branch=dev).get(
        "object-types", "Customer")["id"]), "description": "changed behind"})],
        author="x", message="behind")  # fmt: skip
    assert IndexState.objects.get(branch=dev).head == behind
    got = curator.get(ELEMENTS.format(dev) + "Customer/").json()
    assert got["description"] == "changed behind"  # the read added the difference
    assert IndexState.objects.get(branch=dev).head == behind  # and wrote nothing
    create(curator, dev, order_type())
    sound()


def test_reindex_rebuilds_damaged_rows_and_fsck_finds_the_damage(dev, curator, capsys):
    create(curator, dev, object_type())
    create(curator, dev, order_type())
    IndexEntry.objects.filter(branch=dev, api_name="Order").update(api_name="Wrong")
    IndexFacet.objects.filter(branch=dev).delete()
    IndexState.objects.create(branch="ghost", head="x" * 64)
    problems = maintain.verify(get_store())
    assert any("row differs" in p for p in problems)
    assert any("facets differ" in p for p in problems)
    assert any("ghost" in p for p in problems)
    with pytest.raises(Exception, match="problem"):
        call_command("storage_fsck")
    call_command("storage_reindex")
    call_command("storage_reindex")  # idempotent
    out = capsys.readouterr().out
    assert f"branch {dev}: 2 element(s) indexed." in out
    sound()
    call_command("storage_fsck")


def test_a_branch_with_no_rows_anywhere_is_still_read_whole(dev):
    store = get_store()
    store.commit(dev, [Put({"id": "ot-x", **object_type("Loose"), "kind": "object-types"})],
                 author="x", message="past the pipeline")  # fmt: skip
    IndexState.objects.all().delete()
    catalog = selectors.catalog_at(branch=dev)
    assert catalog.get("object-types", "Loose") is not None
    assert [d["apiName"] for d in catalog.of_kind("object-types")] == ["Loose"]
    # A write plans on the whole commit too (under its lock it stands on the branch's rows
    # until a read finds none), and leaves the branch indexed.
    again = Operation("create", "object-types", body=object_type("Loose"))
    with pytest.raises(ElementExists, match="Loose"):
        elements_commit(branch=dev, operations=[again], actor=SYSTEM, message="taken")
    other = Operation("create", "object-types", body=object_type("Other"))
    elements_commit(branch=dev, operations=[other], actor=SYSTEM, message="other")
    catalog = selectors.catalog_at(branch=dev)
    assert [d["apiName"] for d in catalog.of_kind("object-types")] == ["Loose", "Other"]
    assert IndexState.objects.get(branch=dev).head == store.branch_head(dev)


@pytest.fixture
def terminus(settings):
    import uuid

    from tests.fake_terminusdb import FakeTerminusDB

    server = FakeTerminusDB().start()
    settings.OMS_STORAGES = {"default": {
        "BACKEND": "ontology.storage.terminusdb.TerminusDBStore",
        "OPTIONS": {"url": server.url, "db": f"oms_{uuid.uuid4().hex[:8]}"}}}  # fmt: skip
    call_command("storage_init", verbosity=0)
    yield get_store()
    server.stop()


def test_the_terminusdb_store_keeps_the_same_index(terminus):
    curator, admin = client_for("editor"), client_for("admin")
    assert curator.post("/api/v1/branches/", {"name": "dev", "from": "main"},
                        format="json").status_code == 201  # fmt: skip
    create(curator, "dev", object_type())
    create(curator, "dev", order_type())
    create(curator, "dev", link_type(), kind="link-types")
    curator.patch(ELEMENTS.format("dev") + "Customer/", {"apiName": "Client"}, format="json")
    sound()
    start = terminus.branch_head("dev")
    create(curator, "dev", object_type("Extra"))
    assert (
        admin.post("/api/v1/branches/dev/reset/", {"to": start}, format="json").status_code == 200
    )
    sound()
    listed = curator.get(ELEMENTS.format("dev")).json()
    assert [d["apiName"] for d in listed["results"]] == ["Client", "Order"]


def test_terminusdb_rows_left_behind_by_a_crash_are_read_around_then_caught_up(terminus):
    from ontology.signals import commit_created

    class Crash(Exception):
        pass

    def crash(**kwargs):  # type: ignore[no-untyped-def]
        raise Crash

    curator = client_for("editor")
    curator.post("/api/v1/branches/", {"name": "dev", "from": "main"}, format="json")
    create(curator, "dev", object_type())
    commit_created.connect(crash, dispatch_uid="crash-after-commit")
    try:
        with pytest.raises(Crash):
            elements_commit(branch="dev", actor=SYSTEM, message="crash", operations=[
                Operation("create", "object-types", body=order_type())])  # fmt: skip
    finally:
        commit_created.disconnect(dispatch_uid="crash-after-commit")
    assert IndexState.objects.get(branch="dev").head != terminus.branch_head("dev")
    assert curator.get(ELEMENTS.format("dev") + "Order/").status_code == 200
    assert curator.get(ELEMENTS.format("dev")).json()["count"] == 2
    create(curator, "dev", object_type("Third"))
    sound()


def test_counts_are_kept_with_the_rows_and_filtered_counts_stop_at_a_cap(dev, curator, monkeypatch):
    from ontology.index import queries

    for name in ("Alpha", "Beta", "Gamma"):
        create(curator, dev, object_type(name, description="shared words"))
    curator.delete(ELEMENTS.format(dev) + "Beta/")
    listed = curator.get(ELEMENTS.format(dev) + "?limit=1").json()
    assert (listed["count"], listed["countExact"]) == (2, True)
    assert IndexCount.objects.get(branch=dev, kind="object-types").count == 2
    monkeypatch.setattr(queries, "COUNT_CAP", 1)
    searched = curator.get(ELEMENTS.format(dev) + "?search=shared").json()
    assert (searched["count"], searched["countExact"]) == (1, False)
    assert [d["apiName"] for d in searched["results"]] == ["Alpha", "Gamma"]  # all still listed
    IndexCount.objects.filter(branch=dev).update(count=7)
    assert any("counts 7 object-types, its rows 2" in p for p in maintain.verify(get_store()))
    call_command("storage_reindex", verbosity=0)
    sound()


def test_facets_an_older_projection_left_are_corrected_by_the_next_write(dev, curator):
    """The rows of a changed element are made right whatever they held: a stray facet goes,
    a facet already there is no conflict."""
    created = create(curator, dev, object_type())
    IndexFacet.objects.create(branch=dev, doc_id=created["id"], facet="status=stray")
    IndexFacet.objects.create(branch=dev, doc_id=created["id"], facet="status=deprecated")
    answer = curator.patch(ELEMENTS.format(dev) + "Customer/", {"status": "deprecated"},
                           format="json")  # fmt: skip
    assert answer.status_code == 200, answer.content
    sound()


def test_a_read_that_moves_to_newer_rows_keeps_no_referrers_of_the_old(dev, curator):
    create(curator, dev, object_type())
    create(curator, dev, order_type())
    create(curator, dev, link_type(), kind="link-types")
    catalog = catalog_for(get_store(), get_store().branch_head(dev), branch=dev)
    customer, order = ("object-types", "Customer"), ("object-types", "Order")
    catalog.prefetch([customer], referrers=True)
    create(curator, dev, object_type("Other"))  # the rows move on under the catalog
    found = catalog.referring_to_many([customer, order])
    assert [d["apiName"] for d in found[customer]] == ["customerOrders"], found
    assert [d["apiName"] for d in found[order]] == ["customerOrders"], found


def test_a_write_on_rows_of_a_commit_the_store_lacks_loads_it_whole(dev, curator):
    create(curator, dev, object_type())
    IndexState.objects.filter(branch=dev).update(head="f" * 64)  # a restored store's rows
    create(curator, dev, order_type())
    sound()
