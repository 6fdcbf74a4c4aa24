"""History: the log with filters, commits with their changes, element history, blame, and
time travel that returns exactly what a client saw."""

from __future__ import annotations

import pytest
from django.utils import timezone

from integrations.user_service.principal import SYSTEM
from ontology.services import Operation, elements_commit
from ontology.storage import get_store
from tests.ontology.conftest import client_for, object_type, url

pytestmark = pytest.mark.django_db
COMMITS = "/api/v1/branches/dev/commits/"


def test_the_log_filters_by_author_time_and_element(dev):
    alice, bob = client_for("editor"), client_for("admin")
    alice.post(url("groups"), {"apiName": "A"}, format="json")
    middle = timezone.now()
    bob.post(url("groups"), {"apiName": "B"}, format="json")
    alice.patch(url("groups", "A"), {"description": "again"}, format="json")
    assert [c["author"] for c in alice.get(COMMITS, {"author": "admin"}).json()["results"]] == [
        "admin"
    ]
    later = alice.get(COMMITS, {"since": middle.isoformat()}).json()["results"]
    assert [c["message"] for c in later] == ["Update group A", "Create group B"]
    earlier = alice.get(COMMITS, {"until": middle.isoformat()}).json()["results"]
    assert earlier[0]["message"] == "Create group A"
    only_a = alice.get(COMMITS, {"element": "groups/A"}).json()["results"]
    assert [c["message"] for c in only_a] == ["Update group A", "Create group A"]
    assert alice.get(COMMITS, {"element": "groups/Nope"}).status_code == 404
    assert alice.get(COMMITS, {"element": "../etc"}).status_code == 400


def test_filtered_log_pages_without_skipping(dev):
    editor, admin = client_for("editor"), client_for("admin")
    for n in range(6):
        (editor if n % 2 else admin).post(url("groups"), {"apiName": f"G{n}"}, format="json")
    first = editor.get(COMMITS, {"author": "editor", "limit": 2}).json()
    rest = editor.get(COMMITS, {"author": "editor", "limit": 2, "cursor": first["next"]}).json()
    messages = [c["message"] for c in first["results"] + rest["results"]]
    assert messages == ["Create group G5", "Create group G3", "Create group G1"]


def test_a_commit_shows_its_semantic_changes(curator, dev):
    curator.post(url("object-types"), object_type(), format="json")
    response = curator.patch(url("object-types", "Customer"), {"description": "why"}, format="json")
    detail = curator.get(f"/api/v1/commits/{response['X-Commit-Id']}/").json()
    assert detail["commit"]["id"] == response["X-Commit-Id"]
    assert detail["proposal"] is None
    (change,) = detail["diff"]["changes"]
    assert change["path"] == "$.description"
    assert (change["before"], change["after"]) == ("", "why")
    assert curator.get("/api/v1/commits/" + "0" * 64 + "/").status_code == 404
    bad = curator.get("/api/v1/commits/HEAD~1/")  # documented: a 400 problem, no 500
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"


def test_element_history_and_blame_name_who_changed_each_field(dev):
    editor, admin = client_for("editor"), client_for("admin")
    created = editor.post(url("object-types"), object_type(), format="json").json()
    admin.patch(url("object-types", "Customer"), {"description": "by admin"}, format="json")
    name_id = created["properties"][1]["id"]
    current = editor.get(url("object-types", "Customer")).json()
    current["properties"][1]["description"] = "by editor"
    editor.put(url("object-types", "Customer"), current, format="json")
    history = editor.get(url("object-types", "Customer") + "history/").json()
    assert [c["author"] for c in history["results"]] == ["editor", "admin", "editor"]
    assert history["element"]["id"] == created["id"]
    blame = {
        line["path"]: line
        for line in editor.get(url("object-types", "Customer") + "blame/").json()["results"]
    }
    assert blame["$.description"]["commit"]["author"] == "admin"
    assert blame[f"$.properties[id={name_id}].description"]["value"] == "by editor"
    assert blame["$.apiName"]["commit"]["id"] == history["results"][-1]["id"]


def test_blame_names_the_proposal_that_brought_a_change(dev):
    elements_commit(
        branch="main", actor=SYSTEM, message="seed",
        operations=[Operation("create", "object-types", body=object_type())],
    )  # fmt: skip
    editor, reviewer = client_for("editor"), client_for("reviewer")
    editor.post("/api/v1/branches/", {"name": "feature", "from": "main"})
    editor.patch(
        url("object-types", "Customer", branch="feature"), {"icon": "person"}, format="json"
    )
    proposal = editor.post("/api/v1/proposals/", {"source": "feature", "title": "icon"}).json()
    reviewer.post(f"/api/v1/proposals/{proposal['id']}/reviews/", {"verdict": "approve"})
    assert editor.post(f"/api/v1/proposals/{proposal['id']}/merge/", {}).status_code == 201
    blame = {
        line["path"]: line
        for line in editor.get(url("object-types", "Customer", branch="main") + "blame/").json()[
            "results"
        ]
    }
    assert blame["$.icon"]["proposal"] == proposal["id"]
    assert blame["$.icon"]["commit"]["author"] == "editor"
    assert blame["$.apiName"]["proposal"] is None


def test_time_travel_returns_exactly_what_a_client_saw(curator, dev):
    seen: list[tuple[str, dict, dict]] = []
    for step in range(5):
        if step == 0:
            curator.post(url("object-types"), object_type(), format="json")
        else:
            curator.patch(
                url("object-types", "Customer"), {"description": f"v{step}"}, format="json"
            )
        curator.post(url("groups"), {"apiName": f"G{step}"}, format="json")
        element = curator.get(url("object-types", "Customer"))
        listing = curator.get(url("groups")).json()
        seen.append((element["X-Commit-Id"], element.json(), listing))
    for commit, element, listing in seen:
        assert curator.get(url("object-types", "Customer"), {"at": commit}).json() == element
        assert curator.get(url("groups"), {"at": commit}).json() == listing
    assert get_store().resolve("dev") == seen[-1][0]
