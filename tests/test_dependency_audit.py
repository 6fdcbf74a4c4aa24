"""`make audit` (tools/dependency_audit.py) against an index served on 127.0.0.1.

The index plays PyPI's JSON API as pypi/warehouse serves it: `GET /pypi/NAME/json` is the
project at its newest release with every release's files under `releases` (each file with
`yanked`) and that newest release's advisories under `vulnerabilities` (`id`, `fixed_in`,
`withdrawn`); `GET /pypi/NAME/VERSION/json` is one release with its own advisories, and the
index this project builds from answers it 404 (warehouse docs/api/json.md; pull request
pypi/warehouse#11775 limited the per-release page to its own release). The npm registry's
packument: `versions` (each with `deprecated` when withdrawn) and `dist-tags.latest`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.loopback import JsonHandler, LoopbackServer
from tools import dependency_audit as audit

ROOT = Path(__file__).resolve().parent.parent


class FakeIndex(LoopbackServer):
    def __init__(self) -> None:
        super().__init__()
        self.documents: dict[str, Any] = {}
        self.failing = False

    def handler(self) -> type[JsonHandler]:
        index = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:
                if index.failing:
                    self.answer(503, {"message": "down"})
                elif self.path in index.documents:
                    self.answer(200, index.documents[self.path])
                else:
                    self.answer(404, {"message": "Not Found"})

        return Handler


def project(latest: str, releases: dict[str, bool], advisories: list | None = None) -> dict:
    """A project document: releases maps version -> yanked."""
    return {
        "info": {"name": "pkg", "version": latest},
        "releases": {
            version: [{"filename": f"pkg-{version}.tar.gz", "yanked": yanked}]
            for version, yanked in releases.items()
        },
        "vulnerabilities": advisories or [],
    }


def advisory(ident: str, *fixed: str, withdrawn: str | None = None) -> dict:
    return {"id": ident, "fixed_in": list(fixed), "withdrawn": withdrawn, "aliases": []}


@pytest.fixture
def index():
    server = FakeIndex().start()
    yield server
    server.stop()


def kinds(index: FakeIndex, name: str, version: str) -> list[str]:
    return [f.kind for f in audit.audit_python(audit.Index(index.url), name, version)]


def test_the_head_of_the_newest_series_without_advisories_passes(index):
    index.documents["/pypi/pkg/json"] = project("2.1.3", {"2.1.2": False, "2.1.3": False})
    assert kinds(index, "pkg", "2.1.3") == []


def test_a_release_behind_its_series_is_refused_with_the_release_to_take(index):
    index.documents["/pypi/pkg/json"] = project(
        "3.0.0", {"2.1.2": False, "2.1.3": False, "2.2.0": False, "3.0.0": False}
    )
    [finding] = audit.audit_python(audit.Index(index.url), "pkg", "2.1.2")
    assert (finding.kind, finding.detail) == ("behind", "2.1.3 is out in the same series")
    # The head of an older series is current: fixes ship in the series they concern.
    assert kinds(index, "pkg", "2.2.0") == []


def test_prereleases_and_yanked_releases_do_not_count_as_newer(index):
    index.documents["/pypi/pkg/json"] = project(
        "2.1.2", {"2.1.2": False, "2.1.3": True, "2.1.4rc1": False}
    )
    assert kinds(index, "pkg", "2.1.2") == []


def test_a_yanked_release_is_refused(index):
    index.documents["/pypi/pkg/json"] = project("1.0.1", {"1.0.0": False, "1.0.1": True})
    assert kinds(index, "pkg", "1.0.1") == ["yanked"]


def test_the_newest_releases_advisories_refuse_it_and_expose_an_older_series(index):
    index.documents["/pypi/pkg/json"] = project(
        "2.0.0",
        {"1.4.0": False, "2.0.0": False},
        [advisory("PYSEC-1", "2.0.1"), advisory("GHSA-old", "1.9", withdrawn="2026-01-01")],
    )
    [finding] = audit.audit_python(audit.Index(index.url), "pkg", "2.0.0")
    assert (finding.kind, finding.detail) == ("vulnerable", "PYSEC-1 (fixed in 2.0.1)")
    assert kinds(index, "pkg", "1.4.0") == ["exposed"]


def test_a_per_release_document_is_the_audit_where_the_index_serves_it(index):
    index.documents["/pypi/pkg/json"] = project("2.0.0", {"1.4.0": False, "2.0.0": False})
    index.documents["/pypi/pkg/1.4.0/json"] = {"vulnerabilities": [advisory("PYSEC-2")]}
    [finding] = audit.audit_python(audit.Index(index.url), "pkg", "1.4.0")
    assert (finding.kind, finding.detail) == ("vulnerable", "PYSEC-2 (fixed in no release)")


def test_a_release_or_project_the_index_does_not_hold_is_refused(index):
    index.documents["/pypi/pkg/json"] = project("1.0.0", {"1.0.0": False})
    assert kinds(index, "pkg", "0.9.0") == ["missing"]
    assert kinds(index, "other", "1.0.0") == ["missing"]


def test_npm_packages_answer_to_the_same_rules_with_deprecation_as_withdrawal(index):
    index.documents["/cytoscape"] = {
        "dist-tags": {"latest": "3.31.0"},
        "versions": {"3.30.4": {}, "3.30.5": {"deprecated": "broken"}, "3.31.0": {}},
    }
    npm = audit.Index(index.url)
    assert audit.audit_npm(npm, "cytoscape", "3.30.4") == []
    assert [f.kind for f in audit.audit_npm(npm, "cytoscape", "3.30.5")] == ["yanked"]


def test_accepted_findings_are_shown_and_do_not_fail(index, capsys):
    index.documents["/pypi/pkg/json"] = project("1.0.1", {"1.0.0": False, "1.0.1": False})
    jobs = [(audit.audit_python, audit.Index(index.url), "pkg", "1.0.0")]
    assert audit.run(jobs, {}) == 1
    assert audit.run(jobs, {"pkg==1.0.0": "waiting for the 1.1 migration"}) == 0
    assert "accepted: waiting for the 1.1 migration" in capsys.readouterr().out


def audit_process(index_url: str, registry_url: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "PIP_INDEX_URL": f"{index_url}/simple/"}
    env["npm_config_registry"] = registry_url
    return subprocess.run(
        [sys.executable, "tools/dependency_audit.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_whole_environment_is_audited_and_an_index_that_errs_fails_it(index):
    """The command itself: every installed distribution and the npm lock reach the index."""
    from importlib import metadata

    for dist in metadata.distributions():
        name, version = audit.canonicalize_name(dist.metadata["Name"]), dist.version
        index.documents[f"/pypi/{name}/json"] = project(version, {version: False})
    lock = json.loads((ROOT / "assets" / "package-lock.json").read_text())
    for key, meta in lock["packages"].items():
        if key.startswith("node_modules/"):
            name = key.rsplit("node_modules/", 1)[1]
            index.documents[f"/{name}"] = {
                "dist-tags": {"latest": meta["version"]},
                "versions": {meta["version"]: {}},
            }
    clean = audit_process(index.url, index.url)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert " 0 refused" in clean.stdout

    first = next(iter(sorted(index.documents)))
    del index.documents[first]
    refused = audit_process(index.url, index.url)
    assert refused.returncode == 1 and "missing" in refused.stdout

    index.failing = True
    down = audit_process(index.url, index.url)
    assert down.returncode == 2 and "audit could not run" in down.stderr
