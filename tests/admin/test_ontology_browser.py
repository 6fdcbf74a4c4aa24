"""Curators browse the ontology in the admin: any ref, each kind, an element and its links."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command

from branches.releases import tag_create
from branches.services import branch_create
from integrations.user_service.principal import SYSTEM
from ontology import selectors
from ontology.examples import example_ontology_load
from ontology.services import Operation, elements_commit
from tests.admin.conftest import screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def example(main_branch) -> None:
    """The logistics example on main, a tag of it, and a branch where Customer changed."""
    call_command("storage_init", verbosity=0)
    example_ontology_load()
    tag_create(name="v1", target="main", actor=SYSTEM)
    branch_create(name="dev", start="main", actor=SYSTEM)
    elements_commit(branch="dev", actor=SYSTEM, message="Describe customers anew", operations=[
        Operation("patch", "object-types", api_name="Customer", body={"description": "Buyers."})
    ])  # fmt: skip


def signed_in_viewer(page, live_server, local_users):  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "viewer")
    page.wait_for_selector("#content")
    return page


def test_a_viewer_browses_a_kind_opens_an_element_and_follows_a_link(
    page, live_server, local_users, example
):
    signed_in_viewer(page, live_server, local_users)
    page.click("text=Browse elements")
    page.wait_for_selector("#result_list")
    assert "Customer" in page.locator("#result_list").inner_text()
    screenshot(page, "browser-list")
    page.click("#result_list >> text=Customer")
    page.wait_for_selector("#members")
    screenshot(page, "browser-element")
    assert page.locator("#element-edit").count() == 0  # viewers read only
    csrf = page.evaluate("document.cookie.split('csrftoken=')[1]")
    refused = page.request.post(page.url, form={"document": "{}", "csrfmiddlewaretoken": csrf},
                                headers={"X-CSRFToken": csrf, "Referer": page.url})  # fmt: skip
    assert refused.status == 403
    members = page.locator("#members").inner_text()
    assert "customerId" in members or "id" in members
    assert "None." in page.locator("#actions").inner_text()  # no action uses customers
    incoming = page.locator("#links-in").inner_text()
    assert "link-types/customerOrders" in incoming
    page.click("#links-in >> text=link-types/customerOrders")
    page.wait_for_selector("#links-out")
    assert "object-types/Order" in page.locator("#links-out").inner_text()
    page.click("#links-out >> text=object-types/Order")
    page.wait_for_selector("#members")
    assert "Order" in page.locator("h1").inner_text()
    assert "cancelOrder" in page.locator("#actions").inner_text()
    assert page.locator("#history tbody tr").count() >= 1


def test_the_ref_switcher_shows_a_branch_a_tag_and_a_commit_and_stays_across_pages(
    page, live_server, local_users, example
):
    from ontology.storage import get_store

    signed_in_viewer(page, live_server, local_users)
    base = f"{live_server.url}/admin/ontology/object-types/Customer/"
    page.goto(f"{base}?ref=dev")
    assert "Buyers." in page.content()
    page.fill("#id_ref", "v1")
    page.click("#ref-switcher input[type=submit]")
    page.wait_for_selector("#members")
    assert "ref=v1" in page.url and "Buyers." not in page.content()
    page.click("#links-in >> text=link-types/customerOrders")
    assert "ref=v1" in page.url  # the ref travels with the links
    head = get_store().branch_head("dev")
    page.goto(f"{base}?ref={head[:12]}")
    assert "Buyers." in page.content()
    assert page.goto(f"{base}?ref=no-such-ref").status == 404


def test_lists_search_filter_and_page(page, live_server, local_users, example):
    signed_in_viewer(page, live_server, local_users)
    page.goto(f"{live_server.url}/admin/ontology/?kind=object-types&search=customer")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() >= 1 and "Customer" in rows.first.inner_text()
    page.goto(f"{live_server.url}/admin/ontology/?kind=link-types&status=deprecated")
    assert "Nothing here." in page.locator("#result_list").inner_text() or all(
        "deprecated" in t for t in page.locator("#result_list tbody tr").all_inner_texts()
    )
    page.goto(f"{live_server.url}/admin/ontology/?kind=object-types")
    page.fill("#id_filter_implements", "Billable")  # a kind's own filter
    page.click("#changelist-search input[type=submit]")
    names = page.locator("#result_list tbody tr td:first-child").all_inner_texts()
    assert "Customer" in names and "Product" not in names
    response = page.goto(f"{live_server.url}/admin/ontology/?kind=nonsense")
    assert response is not None and response.status == 404


def test_a_user_without_read_cannot_open_the_browser(page, live_server):
    response = page.goto(f"{live_server.url}/admin/ontology/")
    assert response is not None and "/admin/login/" in page.url


def test_two_refs_compared_show_each_element_coloured_and_breaking_changes_marked(
    page, live_server, local_users, example
):
    product = selectors.element_get(catalog=selectors.catalog_at(branch="dev"),
                                    kind="object-types", api_name="Product")  # fmt: skip
    kept = [p for p in product["properties"] if p["apiName"] != "datasheet"]
    elements_commit(branch="dev", actor=SYSTEM, message="Drop a property", operations=[
        Operation("patch", "object-types", api_name="Product", body={"properties": kept}),
    ])  # fmt: skip
    signed_in_viewer(page, live_server, local_users)
    page.click("text=Compare two refs")
    page.fill("#id_base", "main")
    page.fill("#id_head", "dev")
    page.click("#compare-form input[type=submit]")
    page.wait_for_selector("#diff-elements")
    customer = page.locator("[data-element='object-types/Customer']")
    assert "oms-changed" in (customer.get_attribute("class") or "")
    assert "Buyers." in customer.inner_text()
    product = page.locator("[data-element='object-types/Product']")
    assert "breaking" in product.locator("h3").inner_text()
    assert "OMS-C" in product.locator("tbody .oms-breaking").first.inner_text()
    screenshot(page, "diff")
    page.goto(f"{live_server.url}/admin/ontology/diff/?base=main&head=main")
    assert "No differences." in page.content()
    response = page.goto(f"{live_server.url}/admin/ontology/diff/?base=main&head=nope")
    assert response is not None and response.status == 404


def until(page, expression: str, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    """Poll a page expression through DevTools: ``wait_for_function`` compiles its predicate
    inside the page, which the admin's Content-Security-Policy (no eval) refuses."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"Boolean({expression})"):
        assert time.monotonic() < deadline, f"never true: {expression}"
        time.sleep(0.1)


def test_the_graph_shows_types_links_and_interfaces_and_a_click_opens_an_element(
    page, live_server, local_users, example
):
    signed_in_viewer(page, live_server, local_users)
    page.click("text=Graph")
    until(page, "window.omsGraph && window.omsGraph.nodes().length > 0")
    kinds = page.evaluate("window.omsGraph.nodes().map(n => n.data('kind'))")
    assert "object-type" in kinds and "interface" in kinds
    labels = page.evaluate("window.omsGraph.edges().map(e => e.data('label'))")
    assert any(label.startswith("customerOrders (") for label in labels)
    screenshot(page, "graph")
    # the node's own tap handler, run after evaluate returns (it navigates away)
    page.evaluate("setTimeout(() => window.omsGraph.getElementById('Customer').emit('tap'))")
    page.wait_for_url("**/admin/ontology/object-types/Customer/**")
    page.wait_for_selector("#members")
    assert "Customer" in page.locator("h1").inner_text()
    page.goto(f"{live_server.url}/admin/ontology/graph/?search=order")
    until(page, "window.omsGraph !== undefined")
    names = page.evaluate("window.omsGraph.nodes('[kind = \"object-type\"]').map(n => n.id())")
    assert "Order" in names and "Customer" not in names  # search: names and descriptions


def test_an_edit_saved_over_a_newer_version_is_refused_and_loses_nothing(
    page, live_server, local_users, example
):
    sign_in(page, live_server, "editor")
    page.wait_for_selector("#content")
    page.goto(f"{live_server.url}/admin/ontology/object-types/Customer/?ref=dev")
    page.click("#edit summary")
    document = page.input_value("#id_document")
    elements_commit(branch="dev", actor=SYSTEM, message="Meanwhile", operations=[
        Operation("patch", "object-types", api_name="Customer", body={"description": "Newer."})
    ])  # fmt: skip
    page.fill("#id_document", document.replace("Buyers.", "Mine."))
    page.click("#element-edit input[type=submit]")
    assert "version" in page.locator(".messagelist").inner_text().lower()
    assert "Mine." in page.input_value("#id_document")  # the curator's text is kept
    current = selectors.element_get(catalog=selectors.catalog_at(branch="dev"),
                                    kind="object-types", api_name="Customer")  # fmt: skip
    assert current["description"] == "Newer."


def test_an_imported_element_shows_where_it_came_from(page, live_server, local_users, main_branch):
    from pathlib import Path

    call_command("storage_init", verbosity=0)
    owl = Path(__file__).parent.parent / "ontology" / "owl" / "zoo-2.ttl"
    call_command("ontology_import", str(owl), "--branch", "main")
    signed_in_viewer(page, live_server, local_users)
    page.goto(f"{live_server.url}/admin/ontology/object-types/Keeper/?ref=main")
    page.wait_for_selector("#origin")

    origin = page.locator("#origin").inner_text()
    assert "https://example.org/zoo#Keeper" in origin and "version 2.0" in origin
    assert "Soigneur" in page.locator("#translations").inner_text()
    assert "https://example.org/zoo#keeperId" in page.locator("#members").inner_text()
