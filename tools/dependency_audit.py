"""Audit the installed dependencies against the package indexes (`make audit`, part of lint).

pip-audit reads a release's advisories from the index's per-release JSON document (or from
OSV). Where that document answers, its `vulnerabilities` are this audit too. Where it does not
(the index this project is built from answers 404 for it, and OSV is out of reach), the
project document still holds what the audit needs, through one rule: security fixes are
published as releases of the affected series, so a release that is the newest of its
major.minor series carries every fix the index has for that series. Each distribution of the
environment is therefore refused when it is

- vulnerable: its own advisories (the per-release document, or the project document when it
  is the newest release);
- yanked: every file of the release withdrawn;
- behind: a newer final release of the same series is on the index;
- exposed: it is an older series' head and the newest release lists unfixed advisories, which
  an older release is assumed to share;
- missing: the release is not on the index at all.

The admin's vendored JavaScript (assets/package-lock.json) is held to the same rules against
the npm registry, with `deprecated` as its withdrawal. An unreachable index fails the audit:
it never passes for want of an answer. Accepted findings go in pyproject.toml under
[tool.oms-audit.ignore] as "name==version" = "reason". docs/dependencies.md explains it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import requests
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 20
ATTEMPTS = 4


class IndexUnavailable(Exception):
    """The index did not answer a question the audit needs answered."""


@dataclass(frozen=True)
class Finding:
    name: str
    version: str
    kind: str
    detail: str


@dataclass(frozen=True)
class Release:
    """What an index says about one project, reduced to what the rules read."""

    versions: dict[Version, bool]  # every parsable version -> withdrawn (yanked or deprecated)
    latest: Version
    latest_advisories: list[str]  # the newest release's advisories, "ID (fixed in ...)"


def series(version: Version) -> tuple[int, int]:
    return version.major, version.minor


def judge(name: str, pinned: str, release: Release, own: list[str] | None) -> list[Finding]:
    """The rules of the module docstring for one distribution.

    `own` is the pinned release's advisories when the index gave them (per-release document).
    """
    version = Version(pinned)
    if version not in release.versions:
        return [Finding(name, pinned, "missing", "this release is not on the index")]
    findings = []
    if own is None and version == release.latest:
        own = release.latest_advisories
    if own:
        findings.append(Finding(name, pinned, "vulnerable", "; ".join(own)))
    if release.versions[version]:
        findings.append(Finding(name, pinned, "yanked", "the index withdrew this release"))
    newer = [
        v
        for v, withdrawn in release.versions.items()
        if not withdrawn and not v.is_prerelease and series(v) == series(version) and v > version
    ]
    if newer:
        findings.append(Finding(name, pinned, "behind", f"{max(newer)} is out in the same series"))
    elif own is None and series(version) != series(release.latest) and release.latest_advisories:
        detail = f"{release.latest} has unfixed advisories: " + "; ".join(release.latest_advisories)
        findings.append(Finding(name, pinned, "exposed", detail))
    return findings


def parse_versions(raw: Iterable[tuple[str, bool]]) -> dict[Version, bool]:
    versions = {}
    for text, withdrawn in raw:
        try:
            versions[Version(text)] = withdrawn
        except InvalidVersion:
            continue  # pre-PEP 440 history: never a release this environment can hold
    return versions


def advisories(entries: list[dict]) -> list[str]:
    return [
        f"{entry.get('id')} (fixed in {', '.join(entry.get('fixed_in') or []) or 'no release'})"
        for entry in entries
        if not entry.get("withdrawn")
    ]


class Index:
    """One HTTP session against an index, answering JSON documents or None for 404."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.http = requests.Session()

    def document(self, path: str) -> dict | None:
        url = f"{self.base}/{path}"
        for attempt in range(ATTEMPTS):
            if attempt:
                time.sleep(2**attempt / 4)  # 0.5 s, 1 s, 2 s: ride out a hiccup
            try:
                response = self.http.get(url, timeout=TIMEOUT)
            except requests.RequestException as error:
                failure = f"{url}: {error}"
                continue
            if response.status_code == 404:
                return None
            if response.status_code == 200:
                return response.json()
            failure = f"{url}: HTTP {response.status_code}"
            if response.status_code < 500 and response.status_code != 429:
                break
        raise IndexUnavailable(failure)


def audit_python(index: Index, name: str, pinned: str) -> list[Finding]:
    project = index.document(f"pypi/{name}/json")
    if project is None:
        return [Finding(name, pinned, "missing", "the project is not on the index")]
    per_release = index.document(f"pypi/{name}/{pinned}/json")
    own = advisories(per_release.get("vulnerabilities", [])) if per_release else None
    release = Release(
        versions=parse_versions(
            (text, bool(files) and all(f.get("yanked") for f in files))
            for text, files in project.get("releases", {}).items()
        ),
        latest=Version(project["info"]["version"]),
        latest_advisories=advisories(project.get("vulnerabilities", [])),
    )
    return judge(name, pinned, release, own)


def audit_npm(index: Index, name: str, pinned: str) -> list[Finding]:
    project = index.document(name.replace("/", "%2F"))
    if project is None:
        return [Finding(name, pinned, "missing", "the package is not on the registry")]
    release = Release(
        versions=parse_versions(
            (text, bool(meta.get("deprecated"))) for text, meta in project["versions"].items()
        ),
        latest=Version(project["dist-tags"]["latest"]),
        latest_advisories=[],
    )
    return judge(name, pinned, release, None)


def installed() -> list[tuple[str, str]]:
    """Every distribution of the running environment (the one `make install-dev` built)."""
    seen: dict[str, str] = {}
    for dist in metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"])
        seen.setdefault(name, dist.version)
    return sorted(seen.items())


def locked_npm(lock: Path) -> list[tuple[str, str]]:
    packages = json.loads(lock.read_text())["packages"]
    return sorted(
        (key.rsplit("node_modules/", 1)[1], meta["version"])
        for key, meta in packages.items()
        if key.startswith("node_modules/")
    )


def python_index() -> str:
    """The index pip installs from: PIP_INDEX_URL, pip's configuration, else pip's default."""
    simple = os.environ.get("PIP_INDEX_URL")
    if not simple:
        answer = subprocess.run(
            [sys.executable, "-m", "pip", "config", "get", "global.index-url"],
            capture_output=True,
            text=True,
        )
        simple = answer.stdout.strip() if answer.returncode == 0 else ""
    if not simple:
        from pip._internal.models.index import PyPI

        simple = PyPI.simple_url
    return simple.rstrip("/").removesuffix("/simple")


def npm_registry() -> str:
    answer = subprocess.run(["npm", "config", "get", "registry"], capture_output=True, text=True)
    if answer.returncode != 0 or not answer.stdout.strip():
        raise IndexUnavailable(f"npm config get registry: {answer.stderr.strip()}")
    return answer.stdout.strip()


def ignored() -> dict[str, str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config.get("tool", {}).get("oms-audit", {}).get("ignore", {})


Audit = tuple[Callable[[Index, str, str], list[Finding]], Index, str, str]


def run(audits: list[Audit], accepted: dict[str, str]) -> int:
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda job: job[0](job[1], job[2], job[3]), audits))
    findings = [finding for result in results for finding in result]
    refused = [f for f in findings if f"{f.name}=={f.version}" not in accepted]
    for finding in findings:
        key = f"{finding.name}=={finding.version}"
        mark = f"accepted: {accepted[key]}" if key in accepted else finding.detail
        print(f"{finding.kind:<10} {key:<45} {mark}")
    accepted_count = len(findings) - len(refused)
    print(f"audited {len(audits)} distributions: {len(refused)} refused, {accepted_count} accepted")
    return 1 if refused else 0


def main() -> int:
    try:
        python = Index(python_index())
        npm = Index(npm_registry())
        jobs: list[Audit] = [(audit_python, python, n, v) for n, v in installed()]
        lock = ROOT / "assets" / "package-lock.json"
        jobs += [(audit_npm, npm, n, v) for n, v in locked_npm(lock)]
        return run(jobs, ignored())
    except IndexUnavailable as error:
        print(f"audit could not run, so it fails: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
