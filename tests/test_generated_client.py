"""A Python client generated from the OpenAPI document (openapi-python-client) drives the main
flow against a live server: sign in, list, branch, edit, diff, propose, review, merge.

The client is generated from the document the server serves, so a schema that a generator
cannot read, a response that fails to parse (a null the document does not allow), or an
operation without a function fails here.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests

from tests.served import demo

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
CONFIG = "post_hooks: []\nproject_name_override: oms_client\npackage_name_override: oms_client\n"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    with demo(tmp_path_factory.mktemp("client")) as found:
        yield found


@pytest.fixture(scope="module")
def oms_client(served, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The package openapi-python-client generates from the served document."""
    url, _ = served
    folder = tmp_path_factory.mktemp("generated")
    document = folder / "openapi.json"
    document.write_bytes(requests.get(f"{url}/api/schema/?format=json", timeout=30).content)
    (folder / "config.yaml").write_text(CONFIG)
    done = subprocess.run(
        [str(GENERATOR), "generate", "--path", str(document), "--meta", "none",
         "--config", str(folder / "config.yaml"), "--output-path", str(folder / "oms_client")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("oms_client")
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == "oms_client" or m.startswith("oms_client.")]:
            del sys.modules[name]


def api(package: str) -> Any:
    return importlib.import_module(f"oms_client.api.{package}")


def test_the_review_and_merge_journey_through_a_generated_client(served, oms_client):
    from oms_client import AuthenticatedClient, Client
    from oms_client import models as m

    url, passwords = served

    def signed_in(role: str) -> Any:
        pair = api("auth.login").sync(
            client=Client(base_url=url),
            body=m.TokenObtainPairRequest(username=role, password=passwords[role]),
        )
        assert isinstance(pair, m.TokenPair), pair
        return AuthenticatedClient(base_url=url, token=pair.access, raise_on_unexpected_status=True)

    editor, reviewer = signed_in("editor"), signed_in("reviewer")
    me = api("auth.get_me").sync(client=editor)
    assert me.username == "editor" and "editor" in me.roles

    listed = api("elements_object_types.list_object_types").sync("main", client=editor, limit=2)
    assert isinstance(listed, m.ObjectTypePage) and len(listed.results) == 2
    rest = api("elements_object_types.list_object_types").sync(
        "main", client=editor, cursor=listed.next_
    )
    names = [t.api_name for t in listed.results + rest.results]
    assert "Customer" in names and len(names) == listed.count

    branch = api("branches.create_branch").sync(
        client=editor, body=m.BranchCreateRequest(name="feature/credit", from_="main")
    )
    assert isinstance(branch, m.Branch) and branch.base == "main"

    customer = api("elements_object_types.get_object_type").sync(
        "feature/credit", "Customer", client=editor
    )
    edited = api("elements_object_types.update_object_type").sync(
        "feature/credit", "Customer", client=editor, if_match=customer.version,
        body=m.PatchedObjectTypeRequest(display_name="Client"),
        x_commit_message="Customers are called clients now",
    )  # fmt: skip
    assert isinstance(edited, m.ObjectType), edited
    assert (edited.display_name, edited.description) == ("Client", customer.description)
    assert edited.status == customer.status  # a patch changes only what it names

    stale = api("elements_object_types.update_object_type").sync(
        "feature/credit", "Customer", client=editor, if_match=customer.version,
        body=m.PatchedObjectTypeRequest(description="lost update"),
    )  # fmt: skip
    assert isinstance(stale, m.Problem) and stale.status == 412

    diff = api("diff.get_diff").sync(client=editor, base="main", head="feature/credit")
    assert [(c.kind, c.api_name) for c in diff.changes] == [("object-types", "Customer")]

    proposal = api("proposals.open_proposal").sync(
        client=editor,
        body=m.ProposalCreateRequest(source="feature/credit", title="Clients", target="main"),
    )
    assert isinstance(proposal, m.Proposal) and proposal.merged_at is None
    blocked = api("proposals.merge_proposal").sync(proposal.id, client=editor)
    assert isinstance(blocked, m.Problem) and blocked.status in (409, 422)

    review = api("proposals.review_proposal").sync(
        proposal.id, client=reviewer,
        body=m.ReviewCreateRequest(verdict=m.ReviewCreateVerdictEnum.APPROVE),
    )  # fmt: skip
    assert isinstance(review, m.Review)
    detail = api("proposals.get_proposal").sync(proposal.id, client=editor)
    assert detail.mergeable is True, [(c.name, c.passed) for c in detail.checks]

    outcome = api("proposals.merge_proposal").sync(proposal.id, client=editor)
    assert isinstance(outcome, m.MergeOutcome), outcome
    merged = api("proposals.get_proposal").sync(proposal.id, client=editor)
    assert merged.state == m.ProposalStateEnum.MERGED and merged.merged_at is not None
    on_main = api("elements_object_types.get_object_type").sync("main", "Customer", client=editor)
    assert on_main.display_name == "Client"
    log = api("commits.list_commits").sync("main", client=editor, limit=1)
    assert log.results[0].id == outcome.commit.id

    proposals = api("proposals.list_proposals").sync(
        client=editor, state=m.ListProposalsState.MERGED
    )
    assert [p.id for p in proposals.results] == [proposal.id]
    branches = api("branches.list_branches").sync(client=editor)
    assert {b.name for b in branches.results} >= {"main", "feature/credit"}
