"""Tags are immutable; releases get a semantic version and notes from the changes."""

from __future__ import annotations

import pytest

from branches.exceptions import CompatibilityFailed
from branches.models import BranchPolicy
from integrations.user_service.principal import SYSTEM
from ontology.services import Operation, elements_commit
from tests.ontology.conftest import client_for, object_type

pytestmark = pytest.mark.django_db


def on_main(*operations: Operation) -> None:
    elements_commit(branch="main", operations=list(operations), actor=SYSTEM, message="change")


def release(admin) -> dict:  # type: ignore[no-untyped-def]
    response = admin.post("/api/v1/tags/", {"release": True})
    assert response.status_code == 201, response.json()
    return response.json()


def test_releases_bump_major_minor_and_patch_from_the_classification(dev):
    admin = client_for("admin")
    on_main(Operation("create", "object-types", body=object_type()))
    first = release(admin)
    assert (first["name"], first["release"]["version"], first["release"]["bump"]) == (
        "v1.0.0", "1.0.0", "first",
    )  # fmt: skip
    on_main(Operation("create", "groups", body={"apiName": "Sales"}))
    assert release(admin)["release"]["version"] == "1.1.0"
    on_main(Operation("update", "groups", "Sales", body={"apiName": "Sales", "description": "x"}))
    assert release(admin)["release"]["version"] == "1.1.1"
    customer = object_type()
    customer["properties"] = customer["properties"][:1]
    customer["titleProperty"] = "id"
    removal = Operation("update", "object-types", "Customer", body=customer)
    with pytest.raises(CompatibilityFailed) as refused:  # main is BACKWARD
        on_main(removal)
    assert [e["code"] for e in refused.value.errors] == ["OMS-C028"]
    BranchPolicy.objects.filter(branch="main").update(compatibility_mode="NONE")
    on_main(removal)  # a major release is a decision: the mode says so first
    breaking = release(admin)
    assert (breaking["release"]["version"], breaking["release"]["previous"]) == ("2.0.0", "v1.1.1")
    notes = admin.get("/api/v1/tags/v2.0.0/release-notes/").json()
    assert notes["notes"].startswith("# Release 2.0.0")
    assert "## Breaking changes" in notes["notes"]
    assert "PropertyRemoved" in notes["notes"]


def test_nothing_changed_is_no_release(dev):
    admin = client_for("admin")
    on_main(Operation("create", "groups", body={"apiName": "Sales"}))
    release(admin)
    assert admin.post("/api/v1/tags/", {"release": True}).status_code == 400


def test_plain_tags_are_immutable_and_listed(dev):
    editor = client_for("editor")
    assert editor.post("/api/v1/tags/", {"name": "snapshot", "target": "dev"}).status_code == 201
    assert editor.post("/api/v1/tags/", {"name": "snapshot", "target": "dev"}).status_code == 409
    assert [t["name"] for t in editor.get("/api/v1/tags/").json()["results"]] == ["snapshot"]
    assert editor.get("/api/v1/tags/snapshot/").json()["release"] is None


def test_only_branch_admins_cut_releases(dev):
    on_main(Operation("create", "groups", body={"apiName": "Sales"}))
    assert client_for("editor").post("/api/v1/tags/", {"release": True}).status_code == 403
    assert client_for("viewer").post("/api/v1/tags/", {"name": "x"}).status_code == 403
