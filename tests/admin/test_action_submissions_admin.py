"""Action submissions in the admin (issue 18): their states and side effects, read-only; a
curator sees their own, an auditor every one."""

from __future__ import annotations

import pytest

from actions.models import Submission
from tests.admin.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def submission(by: str, state: str, error: str = "") -> Submission:
    return Submission.objects.create(
        branch="main", action_type="createShipment", action_type_id="at-1", action_version="v1",
        commit="c1", parameters={"shipmentId": "S-1"}, submitted_by=by,
        idempotency_key=f"k-{by}-{state}", state=state, last_error=error,
        effects=[{"type": "webhook", "target": "https://tms.example.com/h", "state": state,
                  "attempts": 5, "lastError": error}],
    )  # fmt: skip


def test_auditors_see_every_submission_and_curators_their_own(
    page, live_server, local_users, tmp_path
):
    submission("admin", "failed", "the receiver answered 500")
    submission("editor", "succeeded")
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/admin/actions/submission/?state__exact=failed")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1 and "the receiver answered 500" in rows.first.inner_text()
    page.goto(f"{live_server.url}/admin/actions/submission/")
    assert page.locator("#result_list tbody tr").count() == 2
    page.screenshot(path=str(tmp_path / "submissions-admin.png"))
    assert page.locator("a.addlink").count() == 0  # submitted through the API only
    sign_in(page, live_server, "editor")
    page.goto(f"{live_server.url}/admin/actions/submission/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1 and "succeeded" in rows.first.inner_text()
