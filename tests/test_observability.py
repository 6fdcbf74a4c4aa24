"""What an operator sees (issue 17): OMS's own metrics on /metrics, added up over every worker
of an app server, and log lines that say who asked about which branch."""

from __future__ import annotations

import json
import logging
import re
import subprocess
from pathlib import Path

import pytest
import requests
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from oms_project.logging import JsonFormatter, RequestIdFilter
from tests.identity.conftest import api, bearer, local_users  # noqa: F401 - fixtures
from tests.ontology.conftest import curator, dev, object_type, url  # noqa: F401 - fixtures
from tests.served import BIN, ROOT, demo, embedded, gunicorn, token

pytestmark = pytest.mark.django_db


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_commits_refusals_and_store_operations_are_counted(curator, dev):  # noqa: F811
    commits = sample("oms_commits_total", door="edit")
    refused = sample("oms_writes_refused_total", door="edit", reason="ElementExists")
    stored = sample("oms_store_operation_seconds_count", backend="sql", operation="commit")

    assert curator.post(url("object-types"), object_type(), format="json").status_code == 201
    again = curator.post(url("object-types"), object_type(), format="json")
    assert again.status_code == 409, again.json()

    assert sample("oms_commits_total", door="edit") == commits + 1
    assert sample("oms_writes_refused_total", door="edit", reason="ElementExists") == refused + 1
    assert sample("oms_store_operation_seconds_count", backend="sql", operation="commit") == (
        stored + 1
    )
    page = curator.get("/metrics")
    assert page.status_code == 200
    names = {f.name for f in text_string_to_metric_families(page.content.decode())}
    assert {"oms_commits", "oms_writes_refused", "oms_store_operation_seconds"} <= names
    assert {"oms_audit_events", "oms_audit_events_retrying"} <= names  # asked at the scrape


def test_a_request_log_line_names_the_request_principal_and_branch(
    api,  # noqa: F811
    local_users,  # noqa: F811
    dev,  # noqa: F811
    caplog,
):
    access = api.post(
        "/api/v1/auth/token/", {"username": "viewer", "password": "pw-viewer"}, format="json"
    ).json()["access"]
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.INFO, logger="oms.request"):
        response = bearer(api, access).get(url("object-types"), HTTP_X_REQUEST_ID="req-17")
    assert response.status_code == 200
    (record,) = [r for r in caplog.records if r.name == "oms.request"]
    line = json.loads(JsonFormatter().format(record))
    assert (line["request_id"], line["principal"], line["branch"]) == ("req-17", "viewer", "dev")
    assert (line["method"], line["status"]) == ("GET", 200)


def test_an_app_server_adds_up_its_workers_metrics(tmp_path: Path):
    """gunicorn with two workers: /metrics counts the commits both made, whichever answers."""
    with demo(tmp_path / "var") as (base, passwords):
        headers = {"Authorization": f"Bearer {token(base, 'editor', passwords['editor'])}"}
        requests.post(f"{base}/api/v1/branches/", json={"name": "obs", "from": "main"},
                      headers=headers, timeout=10).raise_for_status()  # fmt: skip
        for n in range(12):  # keep-alive off: the connections land on both workers
            created = requests.post(
                f"{base}/api/v1/branches/obs/object-types/",
                json=object_type(f"Thing{n}"), headers={**headers, "Connection": "close"},
                timeout=10,
            )  # fmt: skip
            assert created.status_code == 201, created.text
        counted = [_commits(base) for _ in range(6)]
        sockets = sorted(p.name for p in (tmp_path / "var" / "run").glob("gunicorn-*.ctl"))
    assert set(counted) == {12.0}, counted  # every answer adds up both workers
    assert len(sockets) == 1  # this instance's own control socket, under its var dir


def test_two_app_servers_keep_their_own_control_sockets(tmp_path: Path):
    env = embedded(tmp_path / "var")
    with gunicorn(env, tmp_path / "a.log"), gunicorn(env, tmp_path / "b.log"):
        sockets = sorted((tmp_path / "var" / "run").glob("gunicorn-*.ctl"))
        assert len(sockets) == 2
        for socket in sockets:
            answer = subprocess.run(
                [str(BIN / "gunicornc"), "-s", str(socket), "-c", "show workers", "-j"],
                capture_output=True, text=True, timeout=20, check=True,
            )  # fmt: skip
            assert len(json.loads(answer.stdout)["workers"]) == 2, answer.stdout


def _commits(base: str) -> float:
    page = requests.get(f"{base}/metrics", headers={"Connection": "close"}, timeout=10).text
    for family in text_string_to_metric_families(page):
        if family.name == "oms_commits":
            return sum(s.value for s in family.samples if s.name == "oms_commits_total")
    return 0.0


def test_the_dashboard_asks_only_for_metrics_oms_serves(curator, dev):  # noqa: F811
    dashboard = json.loads((ROOT / "docs" / "grafana" / "oms-dashboard.json").read_text())
    assert curator.post(url("object-types"), object_type(), format="json").status_code == 201
    served = curator.get("/metrics").content.decode()
    asked = {
        re.sub(r"_(bucket|count|sum)$", "", name)
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\b((?:oms|django)_[a-z_]+)", target["expr"])
    }
    assert len(asked) >= 10
    assert not {name for name in asked if name not in served}
