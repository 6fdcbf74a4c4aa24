"""A curator journey: an editor opens a proposal in the admin, a reviewer approves it, the
editor settles its conflict in the page and merges; the API sees the result and its events."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from branches.models import BranchPolicy, Proposal
from branches.services import branch_create
from integrations.user_service.principal import SYSTEM
from ontology.examples import example_ontology_load
from ontology.services import Operation, elements_commit
from tests.admin.conftest import screenshot, sign_in
from tests.ontology.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)


def describe(branch: str, text: str) -> None:
    elements_commit(branch=branch, actor=SYSTEM, message=f"Describe customers: {text}",
                    operations=[Operation("patch", "object-types", api_name="Customer",
                                          body={"description": text})])  # fmt: skip


@pytest.fixture
def diverged(main_branch) -> None:
    """main changed Customer's description since dev forked (main is protected with one
    approval; it is opened for the one setup write)."""
    call_command("storage_init", verbosity=0)
    BranchPolicy.objects.update_or_create(branch="main", defaults={"protected": False})
    example_ontology_load()
    branch_create(name="dev", start="main", actor=SYSTEM)
    describe("main", "Customers, as finance sees them.")
    BranchPolicy.objects.filter(branch="main").update(protected=True, required_approvals=1)


def signed_in(page, live_server, role: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, role)
    page.wait_for_selector("#content")


def test_open_approve_resolve_and_merge_a_proposal_in_the_admin(
    page, live_server, local_users, diverged
):
    signed_in(page, live_server, "editor")  # edits Customer on dev in the admin
    page.goto(f"{live_server.url}/admin/ontology/object-types/Customer/?ref=dev")
    page.click("#edit summary")
    document = json.loads(page.input_value("#id_document"))
    document["description"] = "Customers, as sales sees them."
    document["properties"][1]["description"] = "What sales calls them."
    page.fill("#id_document", json.dumps(document))
    page.fill("#id_message", "Sales wording")
    page.click("#element-edit input[type=submit]")
    page.wait_for_selector(".messagelist")
    assert "Saved on dev" in page.locator(".messagelist").inner_text()
    assert "What sales calls them." in page.locator("#members").inner_text()
    page.goto(f"{live_server.url}/admin/ontology/object-types/Customer/?ref=main")
    page.click("#edit summary")  # main is protected: the pipeline's guard refuses
    page.click("#element-edit input[type=submit]")
    assert "protected" in page.locator(".messagelist").inner_text().lower()
    page.click("text=Branches")
    dev = page.locator("[data-branch=dev]")
    assert "1 ahead, 1 behind" in dev.inner_text() and "edit" not in dev.inner_text()
    page.click("text=Open a proposal")
    page.select_option("#id_source", "dev")
    page.select_option("#id_target", "main")
    page.fill("#id_title", "Sales wording for customers")
    page.click("#proposal-new input[type=submit]")
    page.wait_for_selector("#checks")
    proposal = Proposal.objects.get()
    assert proposal.author == "editor" and page.url.endswith(f"/proposals/{proposal.pk}/")
    assert page.locator("#conflicts tbody tr").count() == 1
    assert "✘ approvals" in page.locator("#checks").inner_text()
    assert page.locator("#approve").count() == 0  # editors do not approve

    signed_in(page, live_server, "reviewer")
    page.goto(f"{live_server.url}/admin/branches/proposals/{proposal.pk}/")
    assert page.locator("#merge").count() == 0  # reviewers do not merge
    page.fill("#id_body", "Reads well.")
    page.click("#approve")
    page.wait_for_selector(".messagelist")
    assert "reviewer: approve" in page.locator("#reviews").inner_text()

    signed_in(page, live_server, "editor")
    page.goto(f"{live_server.url}/admin/branches/proposals/{proposal.pk}/")
    page.click("#merge")  # the conflict is not settled yet: refused, nothing written
    page.wait_for_selector(".messagelist")
    assert "conflict" in page.locator(".messagelist").inner_text().lower()
    assert Proposal.objects.get().state == Proposal.OPEN
    row = page.locator("#conflicts tbody tr").first
    row.locator("input[value=source]").check()
    screenshot(page, "proposal")
    page.click("#merge")
    page.wait_for_selector(".messagelist")
    assert "Merged into main" in page.locator(".messagelist").inner_text()
    assert Proposal.objects.get().state == Proposal.MERGED

    api = client_for("viewer")
    customer = api.get("/api/v1/branches/main/object-types/Customer/").json()
    assert customer["description"] == "Customers, as sales sees them."
    events = client_for("admin").get("/api/v1/audit-events/?limit=200").json()["results"]
    by_type = {e["event"]["type"]: e["event"] for e in events}
    assert {"oms.proposal.opened", "oms.proposal.reviewed", "oms.proposal.merged",
            "oms.objectType.updated"} <= set(by_type)  # fmt: skip
    assert by_type["oms.proposal.merged"]["data"]["actor"]["username"] == "editor"

    page.click("text=Commit log")  # the merge in main's history, found by its author
    page.select_option("#id_branch", "main")
    page.fill("#id_author", "editor")
    page.click("#log-filters input[type=submit]")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2  # the merge, and the edit it brought
    assert "Merge proposal" in rows.first.inner_text()
    rows.first.locator("a").click()
    page.wait_for_selector("#commit-id")
    assert f"proposal #{proposal.pk}" in page.content()
    assert page.locator("[data-element='object-types/Customer']").count() == 1
    page.goto(f"{live_server.url}/admin/ontology/object-types/Customer/?ref=main")
    page.click("#blame-link")  # the description's last change came with the proposal
    row = page.locator("#blame tr", has_text="$.description")
    assert f"#{proposal.pk}" in row.inner_text()
    page.goto(f"{live_server.url}/admin/history/log/?branch=main&author=nobody")
    assert "No commits match." in page.content()
    response = page.goto(f"{live_server.url}/admin/history/log/?branch=main&since=yesterday")
    assert response is not None and response.status == 400  # an HTML page saying why
    assert "not a date" in page.content()


def test_release_notes_are_rendered_from_markdown_without_scripts(
    page, live_server, local_users, diverged
):
    from branches.models import Release
    from branches.releases import release_create

    release = release_create(target="main", actor=SYSTEM)
    Release.objects.filter(pk=release.pk).update(
        notes=release.notes + "\n\n<script>window.pwned = 1</script><img src=x onerror=alert(1)>"
    )
    signed_in(page, live_server, "viewer")
    page.click("text=Tags and releases")
    tag = page.locator(f"[data-tag='{release.tag}']")
    assert release.version in tag.locator("h2").first.inner_text()
    assert tag.locator(".oms-notes h1, .oms-notes h2, .oms-notes h3, .oms-notes li").count() >= 1
    assert page.evaluate("window.pwned") is None
    assert tag.locator(".oms-notes script").count() == 0
    assert tag.locator(".oms-notes img[onerror]").count() == 0
    screenshot(page, "releases")
