"""``GET .../export/`` and ``POST .../import/``: formats, modes, dry runs, errors, scopes."""

from __future__ import annotations

import pytest
from rdflib import Graph
from rest_framework.test import APIClient

from ontology.bundles import bundle_export
from ontology.examples import example_ontology_load
from tests.ontology.conftest import head, link_type, object_type
from tests.ontology.test_bundles import bundle, by_key, element, empty_branch
from tests.ontology.test_turtle import FLEET

pytestmark = pytest.mark.django_db
EXPORT = "/api/v1/branches/dev/export/"
IMPORT = "/api/v1/branches/dev/import/"


@pytest.fixture
def logistics(dev) -> str:
    example_ontology_load(branch="dev")
    return "dev"


def post_bundle(client: APIClient, body: object, query: str = "", **headers: str):
    return client.post(IMPORT + query, body, format="json", **headers)


# -- export -----------------------------------------------------------------------------------


def test_the_export_serves_the_bundle_as_json(viewer, logistics):
    response = viewer.get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Commit-Id"] == head()
    assert response.json()["elements"] == bundle_export(branch="dev")["elements"]


def test_the_export_serves_turtle_that_parses(viewer, logistics):
    response = viewer.get(EXPORT + "?format=turtle")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=response.content.decode(), format="turtle")
    assert len(graph) > 500


def test_the_export_reads_an_earlier_commit(viewer, curator, logistics):
    first = head()
    post_bundle(curator, bundle(element("groups", {"apiName": "Archive"})))

    response = viewer.get(EXPORT + f"?at={first}")

    assert response["X-Commit-Id"] == first
    assert ("groups", "Archive") not in by_key(response.json())


def test_an_unknown_export_format_is_400(viewer, dev):
    response = viewer.get(EXPORT + "?format=xml")

    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "$.format"


def test_an_unknown_branch_is_404(viewer, dev):
    assert viewer.get("/api/v1/branches/nope/export/").status_code == 404


def test_the_export_needs_authentication(dev):
    assert APIClient().get(EXPORT).status_code == 401


# -- import -----------------------------------------------------------------------------------


def test_a_bundle_import_is_one_commit_with_a_report(curator, dev):
    body = bundle(element("object-types", object_type()), element("groups", {"apiName": "Sales"}))

    response = post_bundle(curator, body, HTTP_X_COMMIT_MESSAGE="Seed from file")

    assert response.status_code == 201, response.json()
    report = response.json()
    assert report["created"] == ["groups/Sales", "object-types/Customer"]
    assert report["commit"] == head() and report["format"] == "json"


def test_a_dry_run_answers_200_and_writes_nothing(curator, logistics):
    before = head()
    body = bundle(element("groups", {"apiName": "Archive"}))

    response = post_bundle(curator, body, "?dryRun=true&mode=replace")

    assert response.status_code == 200
    report = response.json()
    assert report["dryRun"] is True and report["commit"] is None
    assert report["created"] == ["groups/Archive"]
    assert "object-types/Customer" in report["deleted"]
    assert head() == before


def test_replace_mode_deletes_what_the_bundle_lacks(curator, dev):
    post_bundle(curator, bundle(element("groups", {"apiName": "Old"})))

    response = post_bundle(curator, bundle(element("groups", {"apiName": "New"})), "?mode=replace")

    assert response.json()["deleted"] == ["groups/Old"]
    assert list(by_key(bundle_export(branch="dev"))) == [("groups", "New")]


def test_a_turtle_import_reports_what_it_could_not_map(curator, dev):
    response = curator.post(IMPORT, FLEET, content_type="text/turtle")

    assert response.status_code == 201, response.json()
    report = response.json()
    assert report["format"] == "turtle"
    assert "object-types/Truck" in report["created"]
    assert {"reason", "count", "subjects"} == set(report["unmapped"][0])
    assert {"subject"} <= set(report["unmapped"][0]["subjects"][0])
    assert report["warnings"]


def test_the_export_of_one_branch_imports_into_another(curator, logistics):
    exported = curator.get(EXPORT).json()
    target = empty_branch()

    response = curator.post(f"/api/v1/branches/{target}/import/", exported, format="json")

    assert response.status_code == 201
    assert bundle_export(branch=target)["elements"] == exported["elements"]


def test_a_bad_bundle_is_400_with_paths_and_writes_nothing(curator, dev):
    before = head()
    body = bundle(element("object-types", object_type("lower")), {"kind": "widgets"})

    response = post_bundle(curator, body)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "invalid_bundle"
    assert {"$.elements[0].apiName", "$.elements[1].kind"} <= {e["path"] for e in problem["errors"]}
    assert head() == before


def test_an_import_that_breaks_integrity_is_422_and_writes_nothing(curator, dev):
    before = head()

    response = post_bundle(curator, bundle(element("link-types", link_type())))

    assert response.status_code == 422
    assert response.json()["code"] == "integrity_failed"
    assert response.json()["errors"][0]["path"].startswith("$.elements[0]")
    assert head() == before


def test_malformed_bodies_are_400(curator, dev):
    not_json = curator.post(IMPORT, "{nope", content_type="application/json")
    not_turtle = curator.post(IMPORT, "@prefix : <x> . :a", content_type="text/turtle")
    turtle_as_json = curator.post(IMPORT + "?format=json", FLEET, content_type="text/turtle")
    json_as_turtle = post_bundle(curator, bundle(), "?format=turtle")

    assert not_json.status_code == 400
    assert not_turtle.status_code == 400 and not_turtle.json()["code"] == "invalid_turtle"
    assert turtle_as_json.json()["code"] == "invalid_bundle"
    assert json_as_turtle.json()["code"] == "invalid_turtle"


def test_an_unsupported_media_type_is_415(curator, dev):
    response = curator.post(IMPORT, "a,b", content_type="text/csv")

    assert response.status_code == 415


def test_a_viewer_may_export_but_not_import(viewer, dev):
    before = head()

    response = post_bundle(viewer, bundle(element("groups", {"apiName": "Sales"})))

    assert response.status_code == 403
    assert head() == before


def test_importing_into_protected_main_is_423(curator, dev):
    before = head("main")

    response = curator.post(
        "/api/v1/branches/main/import/", bundle(element("groups", {"apiName": "Sales"})),
        format="json",
    )  # fmt: skip

    assert response.status_code == 423
    assert head("main") == before
