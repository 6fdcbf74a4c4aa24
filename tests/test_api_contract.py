"""The OpenAPI document is the contract: Schemathesis drives every operation of a live server
(gunicorn, as `make run` starts it), signed in as each role, and fails on any 5xx or any
answer the document does not describe (status, content type, headers, body).

Path parameters are either the ones Schemathesis invents (mostly 404s, with every kind of
malformed query and body) or pinned to a branch, element and kind that exist (``dev`` holds
the logistics example), so that the 200s of reads and the 4xx of writes are checked against
their schemas too. Examples are bounded and seeded: a run is repeatable.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.served import demo, token

ROLES = ("viewer", "editor", "reviewer", "admin")
CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_headers_conformance", "response_schema_conformance",
])  # fmt: skip
EXISTING = """
[parameters]
"path.branch" = "dev"
"path.name" = "dev"
"path.api_name" = "Customer"
"path.kind" = "object-types"
"path.id" = 1

# Stateful: chains of calls along the links Schemathesis infers (a created element is then
# read, patched, deleted ...), bounded like the rest.
[phases.stateful]
max-steps = 10

[phases.stateful.generation]
max-examples = 40
"""
SCHEMATHESIS = Path(sys.executable).parent / "st"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """The demo set-up with a branch ``dev`` one change ahead of main and proposal #1 from it;
    yields its URL and a token per role."""
    with demo(tmp_path_factory.mktemp("contract")) as (url, passwords):
        tokens = {role: token(url, role, passwords[role]) for role in ROLES}
        admin = requests.Session()
        admin.headers["Authorization"] = f"Bearer {tokens['admin']}"
        api = f"{url}/api/v1"
        for method, path, body in [
            ("POST", "branches/", {"name": "dev", "from": "main"}),
            ("PATCH", "branches/dev/object-types/Customer/", {"description": "Who buys."}),
            ("POST", "proposals/", {"source": "dev", "target": "main", "title": "Buyers"}),
        ]:
            answer = admin.request(method, f"{api}/{path}", json=body, timeout=10)
            assert answer.status_code in (200, 201), answer.text
        assert answer.json()["id"] == 1
        yield url, tokens


def schemathesis(url: str, bearer: str, config: str, phases: str, tmp_path: Path) -> str:
    """Run Schemathesis with ``bearer``; the failures it reports, or "" when there are none."""
    config_file = tmp_path / "schemathesis.toml"
    config_file.write_text(config)
    done = subprocess.run(
        [str(SCHEMATHESIS), "--config-file", str(config_file), "run", f"{url}/api/schema/",
         "--header", f"Authorization: Bearer {bearer}", "--checks", CHECKS, "--phases", phases,
         "--max-examples", "5", "--seed", "20261127", "--no-shrink",
         "--suppress-health-check", "all",
         # One worker: hypothesis on worker threads meets a CPython 3.11 bug (SystemError
         # "AST constructor recursion depth mismatch") describing deep strategies.
         "--workers", "1"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "NO_COLOR": "1"},
        cwd=tmp_path,  # its cache (.schemathesis/) goes there, not into the checkout
    )  # fmt: skip
    return "" if done.returncode == 0 else done.stdout[-20_000:] + done.stderr[-5_000:]


# Every phase (the coverage phase sends each boundary and each kind of malformed value; the
# stateful one chains calls along inferred links) as the admin, who may call everything,
# against existing resources; invented path parameters with the examples and random values
# (their coverage phase, 11k cases of mostly 404s, took two minutes and found nothing the
# other passes do not); the other roles, whose difference is what they may call, against
# existing resources with the examples and random values. The longest pass first.
PASSES = [
    ("admin", EXISTING, "examples,coverage,fuzzing,stateful"),
    ("admin", "", "examples,fuzzing"),
    *[(role, EXISTING, "examples,fuzzing") for role in ROLES if role != "admin"],
]
IDS = [f"{role}-{'existing' if config else 'invented'}" for role, config, _ in PASSES]
# Passes run two at a time against the one server (its two workers): the server, not
# Schemathesis, is most of the work, and the machine has two cores. Concurrent passes see
# each other's writes, as consecutive ones did; every answer must still be documented.
AT_ONCE = 2


@pytest.fixture(scope="module")
def failures(served, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What each pass reported (every pass run once, the first time a test asks)."""
    url, tokens = served
    with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        running = {
            name: pool.submit(schemathesis, url, tokens[role], config, phases,
                              tmp_path_factory.mktemp(name))
            for name, (role, config, phases) in zip(IDS, PASSES, strict=True)
        }  # fmt: skip
        return {name: future.result() for name, future in running.items()}


@pytest.mark.parametrize("name", IDS)
def test_every_operation_answers_as_documented(failures, name):
    assert not failures[name], failures[name]
