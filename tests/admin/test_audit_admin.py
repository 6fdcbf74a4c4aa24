"""Curators see audit delivery state in the admin and re-drive dead letters from it."""

from __future__ import annotations

import pytest

from history.models import AuditEvent
from history.services import audit_event_record
from integrations.user_service.principal import SYSTEM

pytestmark = pytest.mark.django_db(transaction=True)


def dead_letter(subject: str) -> AuditEvent:
    event = audit_event_record(type="oms.group.created", subject=subject, actor=SYSTEM, data={})
    AuditEvent.objects.filter(pk=event.pk).update(
        state=AuditEvent.DEAD, attempts=8, last_error="Audit Service answered 400"
    )
    return event


def test_dead_letters_are_listed_with_their_error_and_re_driven(signed_in, live_server, tmp_path):
    page = signed_in
    event = dead_letter("groups/Sales")
    audit_event_record(type="oms.group.created", subject="groups/Other", actor=SYSTEM, data={})
    page.goto(f"{live_server.url}/admin/history/auditevent/?state__exact=dead")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "groups/Sales" in rows.first.inner_text()
    assert "Audit Service answered 400" in rows.first.inner_text()
    rows.first.locator("input.action-select").check()
    page.select_option("select[name=action]", "redeliver")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist")
    assert "1 event(s) back to pending." in page.locator(".messagelist").inner_text()
    page.screenshot(path=str(tmp_path / "audit-admin.png"))
    event.refresh_from_db()
    assert (event.state, event.attempts) == (AuditEvent.PENDING, 0)


def test_audit_events_are_read_only_in_the_admin(signed_in, live_server):
    page = signed_in
    event = dead_letter("groups/Sales")
    page.goto(f"{live_server.url}/admin/history/auditevent/{event.pk}/change/")
    assert page.locator("input[name=_save]").count() == 0
    assert "groups/Sales" in page.locator("#content").inner_text()
    assert page.goto(f"{live_server.url}/admin/history/auditevent/add/").status == 403
