"""The User Service refuses OMS's own client credentials for a while (a rotated secret), then
accepts them again (issue 15). With real processes in remote mode (gunicorn and a Celery
worker with beat, both authenticating against the User Service): writes go on, their events
wait as pending (never dead, the Audit Service sees nothing), readiness warns, and once the
credentials work every event arrives exactly once, without anyone re-driving anything."""

from __future__ import annotations

import requests

from tests.e2e.peers.audit_service import FakeAuditService
from tests.e2e.peers.user_service import FakeUserService
from tests.served import BIN, embedded, gunicorn, start, wait_for

WRITES = 20


def test_refused_credentials_delay_events_and_lose_none(tmp_path):
    users, audit = FakeUserService().start(), FakeAuditService().start()
    users.clients["oms"] = "the-rotated-secret"  # OMS still has the old one: refused
    env = embedded(tmp_path)
    env.update(USER_SERVICE_URL=users.url, OMS_SERVICE_CLIENT_ID="oms",
               OMS_SERVICE_CLIENT_SECRET="oms-secret", AUDIT_SERVICE_URL=audit.url,
               OMS_AUDIT_BACKOFF_BASE="0.05", OMS_AUDIT_BACKOFF_MAX="0.5",
               OMS_AUDIT_SWEEP_INTERVAL="1", OMS_THROTTLE_WRITES="",
               OMS_LOG_LEVEL="WARNING")  # fmt: skip
    headers = {"Authorization": f"Bearer {users.issue('curator', roles=('admin',))}"}
    worker = start([str(BIN / "celery"), "-A", "oms_project", "worker", "--beat", "--pool",
                    "solo", "--loglevel", "WARNING"], env, tmp_path / "worker.log")  # fmt: skip
    try:
        with gunicorn(env, tmp_path / "web.log") as url:
            api = f"{url}/api/v1"
            created = requests.post(f"{api}/branches/", json={"name": "dev", "from": "main"},
                                    headers=headers, timeout=10)  # fmt: skip
            assert created.status_code == 201, created.text
            for index in range(WRITES):
                answer = requests.post(f"{api}/branches/dev/groups/",
                                       json={"apiName": f"G{index}"}, headers=headers,
                                       timeout=10)  # fmt: skip
                assert answer.status_code == 201, answer.text
            assert wait_for(lambda: users.calls["/token/exchange"] >= 3, 30)  # tried, refused

            def events(state: str) -> list[dict]:
                answer = requests.get(f"{api}/audit-events/", params={"state": state},
                                      headers=headers, timeout=10)  # fmt: skip
                assert answer.status_code == 200, answer.text
                return answer.json()["results"]

            assert audit.received == {} and events("dead") == []
            assert len(events("pending")) == WRITES + 1
            warnings = requests.get(f"{url}/health/ready", timeout=10).json()["warnings"]
            assert "service credentials" in warnings["audit_delivery"]

            users.clients["oms"] = "oms-secret"  # the secrets agree again
            assert wait_for(lambda: len(audit.received) >= WRITES + 1, 60), (
                tmp_path / "worker.log"
            ).read_text()[-2000:]
            assert events("dead") == [] and events("pending") == []
            assert set(audit.received.values()) == {1}  # each event once
            assert all("Bearer " in header for header in audit.auth_headers)
    finally:
        worker.terminate()
        worker.wait(30)
        users.stop()
        audit.stop()
