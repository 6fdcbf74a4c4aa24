"""An ontology upgrade in one call (issue 16): each new release of a vocabulary is imported
onto a branch and proposed for protected main, through the API and the command, and merges
once reviewed; a refused upgrade leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from branches.models import Proposal
from ontology.bundles import bundle_export
from ontology.storage import get_store
from tests.ontology.conftest import head
from tests.ontology.test_bundles import by_key

pytestmark = pytest.mark.django_db
OWL = Path(__file__).parent.parent / "ontology" / "owl"


def release(number: int) -> str:
    return (OWL / f"zoo-{number}.ttl").read_text()


def upgrade(client, branch: str, number: int, **params):  # type: ignore[no-untyped-def]
    query = "&".join(
        f"{k}={v}" for k, v in {"mode": "replace", "propose": "main", **params}.items()
    )
    return client.post(f"/api/v1/branches/{branch}/import/?{query}", release(number),
                       content_type="text/turtle")  # fmt: skip


def merge(client, reviewer, proposal: int) -> dict:  # type: ignore[no-untyped-def]
    """Review, waive what breaks main's BACKWARD compatibility (asked by the curator, approved
    by the reviewer), merge."""
    url = f"/api/v1/proposals/{proposal}/"
    approved = reviewer.post(f"{url}reviews/", {"verdict": "approve", "body": "ok"}, format="json")
    assert approved.status_code == 201, approved.json()
    checks = {c["name"]: c for c in client.get(url).json()["checks"]}
    for finding in checks["compatibility"]["data"].get("findings", []):
        asked = {"rule": finding["rule"], "element": f"{finding['kind']}/{finding['apiName']}",
                 "path": finding["path"], "reason": "Upstream removed it",
                 "expiresAt": "2999-01-01T00:00:00Z"}  # fmt: skip
        waiver = client.post(f"{url}waivers/", asked, format="json")
        assert waiver.status_code == 201, waiver.json()
        assert reviewer.post(f"{url}waivers/{waiver.json()['id']}/approve/").status_code == 200
    merged = client.post(f"{url}merge/", {}, format="json")
    assert merged.status_code == 201, merged.json()
    return merged.json()


def test_releases_reach_protected_main_one_reviewed_upgrade_each(curator, reviewer, dev, capsys):
    call_command("ontology_import", str(OWL / "zoo-1.ttl"), "--branch", "main")  # as the system
    assert ("object-types", "Animal") in by_key(bundle_export(branch="main"))

    answer = upgrade(curator, "zoo-2", 2, title="Zoo 2.0")

    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["created"] == ["groups/Enclosure", "groups/Mammal", "object-types/Aviary",
                               "object-types/Elephant", "object-types/ExtKeeper"]  # fmt: skip
    proposal = body["proposal"]
    assert (proposal["title"], proposal["source"], proposal["target"]) == (
        "Zoo 2.0",
        "zoo-2",
        "main",
    )
    assert proposal["bump"] == "minor" and proposal["summary"]["byImpact"]["breaking"] == 0
    description = Proposal.objects.get(pk=proposal["id"]).description
    assert "**Release bump: minor**" in description and "5 created, 2 updated" in description
    assert "header is not kept" in description  # the mapping's findings, to review
    merge(curator, reviewer, proposal["id"])
    assert by_key(bundle_export(branch="main"))[("object-types", "Elephant")]["groups"] == [
        "Animal", "Mammal",
    ]  # fmt: skip

    call_command("ontology_import", str(OWL / "zoo-3.ttl"), "--branch", "zoo-3", "--mode",
                 "replace", "--propose", "main")  # fmt: skip

    out = capsys.readouterr().out
    assert "Changed branch zoo-3 (turtle, replace): 2 created, 4 updated, 3 deleted" in out
    assert "release bump major" in out
    third = Proposal.objects.get(source="zoo-3", state=Proposal.OPEN)
    assert third.title == "Import https://example.org/zoo 3.0 from Turtle (replace)"
    assert "- ObjectTypeRemoved object-types/Keeper $" in third.description
    merge(curator, reviewer, third.pk)
    elements = by_key(bundle_export(branch="main"))
    assert ("object-types", "Visit") in elements and ("object-types", "Keeper") not in elements


def test_an_upgrade_that_changes_nothing_opens_no_proposal(curator, dev):
    call_command("ontology_import", str(OWL / "zoo-1.ttl"), "--branch", "main")

    answer = upgrade(curator, "again", 1)

    assert answer.status_code == 200 and answer.json()["proposal"] is None
    assert not Proposal.objects.exists()


def test_a_second_upgrade_of_the_same_branch_brings_its_open_proposal_up_to_date(curator, dev):
    call_command("ontology_import", str(OWL / "zoo-1.ttl"), "--branch", "main")
    first = upgrade(curator, "next", 2).json()["proposal"]

    second = upgrade(curator, "next", 3).json()["proposal"]

    assert second["id"] == first["id"] and second["bump"] == "major"
    assert "Release bump: major" in Proposal.objects.get(pk=first["id"]).description


def test_a_refused_upgrade_leaves_no_branch_and_no_proposal(curator, dev):
    before = head("main")

    answer = curator.post("/api/v1/branches/broken/import/?propose=main", "not turtle at all",
                          content_type="text/turtle")  # fmt: skip

    assert answer.status_code == 400, answer.json()
    assert "broken" not in {b.name for b in get_store().branches()}
    assert head("main") == before and not Proposal.objects.exists()


def test_an_upgrade_is_refused_as_a_dry_run_or_onto_its_own_target(curator, dev):
    dry = upgrade(curator, "zoo", 1, dryRun="true")
    onto_itself = upgrade(curator, "main", 1)

    assert dry.status_code == 400 and dry.json()["errors"][0]["path"] == "$.dryRun"
    assert onto_itself.status_code in (400, 409)
    assert not Proposal.objects.exists()
