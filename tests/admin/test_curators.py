"""Every role signs in to the admin and sees only what its scopes allow; errors are pages."""

from __future__ import annotations

import pytest

from branches.models import BranchPolicy
from history.models import AuditEvent
from history.services import audit_event_record
from tests.admin.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def policies(main_branch) -> None:
    BranchPolicy.objects.update_or_create(branch="main", defaults={"protected": True})


SEES_AUDIT = {"viewer": False, "editor": False, "reviewer": False, "admin": True}
CHANGES_POLICY = {"viewer": False, "editor": False, "reviewer": False, "admin": True}


@pytest.mark.parametrize("role", ["viewer", "editor", "reviewer", "admin"])
def test_every_role_signs_in_and_sees_what_its_scopes_allow(
    page,
    live_server,
    local_users,
    policies,
    role,
):
    sign_in(page, live_server, role, f"pw-{role}")
    page.wait_for_selector("#content")
    index = page.content()
    assert "Branch policies" in index and "Proposals" in index and "Releases" in index
    assert ("Audit events" in index) is SEES_AUDIT[role]
    response = page.goto(f"{live_server.url}/admin/history/auditevent/")
    assert response is not None and response.status == (200 if SEES_AUDIT[role] else 403)
    page.goto(f"{live_server.url}/admin/branches/branchpolicy/main/change/")
    assert (page.locator("input[name=_save]").count() == 1) is CHANGES_POLICY[role]
    if role == "admin":  # the re-drive of dead letters is the admins' alone
        audit_event_record(type="oms.test", subject="x", actor="t", data={})
        AuditEvent.objects.update(state=AuditEvent.DEAD)
        page.goto(f"{live_server.url}/admin/history/auditevent/")
        assert "redeliver" in page.locator("select[name=action]").inner_html()


def test_a_user_without_a_role_cannot_sign_in(page, live_server, local_users):
    sign_in(page, live_server, "outsider", "pw-outsider")
    assert "has no OMS role" in page.locator(".errornote").inner_text()
    response = page.goto(f"{live_server.url}/admin/")
    assert response is not None and "/admin/login/" in page.url


def test_errors_inside_the_admin_are_pages_in_its_look(page, live_server, local_users):
    sign_in(page, live_server, "viewer", "pw-viewer")
    page.wait_for_selector("#content")
    response = page.goto(f"{live_server.url}/admin/branches/nothing-here/")
    assert response is not None and response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "OMS curators" in page.content() and "404" in page.locator("h1").inner_text()
    assert "Nothing is served at /admin/branches/nothing-here/" in page.content()  # no internals
    response = page.goto(f"{live_server.url}/admin/branches/branchpolicy/add/")
    assert response is not None and response.status == 403
    assert "Permission denied" in page.locator("h1").inner_text()
    api = page.request.get(f"{live_server.url}/api/v1/nothing-here/")
    assert api.status == 404 and api.headers["content-type"] == "application/problem+json"


def test_view_site_leads_to_a_landing_page_with_the_api_docs(page, live_server, local_users):
    sign_in(page, live_server, "viewer", "pw-viewer")
    page.click("text=View site")
    page.wait_for_selector("h1")
    assert page.url.rstrip("/") == live_server.url
    assert page.locator("a[href='/api/docs/']").count() == 1
    assert page.locator("a[href='/admin/']").count() == 1


def test_with_a_user_service_a_curator_signs_in_with_a_token(
    page,
    live_server,
    user_service,
    policies,
):
    from django.contrib.auth.models import User

    token = user_service.issue("carol", roles=("admin",))
    sign_in(page, live_server, "mallory", token)  # somebody else's token
    assert page.locator(".errornote").count() == 1
    sign_in(page, live_server, "carol", token)
    page.wait_for_selector("#content")
    assert "Audit events" in page.content()
    carol = User.objects.get(username="carol")
    assert not carol.has_usable_password()
    assert list(carol.groups.values_list("name", flat=True)) == ["admin"]
    user_service.fail_status = 503
    page.context.clear_cookies()
    sign_in(page, live_server, "carol", user_service.issue("carol", roles=("viewer",)))
    assert "User Service is unavailable" in page.locator(".errornote").inner_text()
