"""Every error an API client can meet is RFC 9457 problem details, never HTML."""

from __future__ import annotations

import json

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.error_views")]
PROBLEM = "application/problem+json"


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith(code.replace("_", "-"))
    assert body["requestId"] == response["X-Request-ID"]
    return body


def test_invalid_fields_are_listed_with_json_paths(client):
    response = client.post(
        "/api/v1/echo/", {"name": "too long", "tags": [1, "x"]}, content_type="application/json"
    )
    body = assert_problem(response, 400, "invalid_input")
    paths = {e["path"]: e["code"] for e in body["errors"]}
    assert paths == {"$.name": "max_length", "$.tags[1]": "invalid"}


def test_malformed_json_is_a_400_problem(client):
    response = client.post("/api/v1/echo/", "{not json", content_type="application/json")
    assert_problem(response, 400, "malformed_request")


def test_an_oversized_body_is_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    body = json.dumps({"name": "a", "tags": list(range(100))})
    response = client.post("/api/v1/echo/", body, content_type="application/json")
    assert_problem(response, 413, "payload_too_large")


def test_unsupported_media_type_is_415(client):
    response = client.post("/api/v1/echo/", "name=a", content_type="text/plain")
    assert_problem(response, 415, "unsupported_media_type")


def test_domain_errors_carry_their_status_code_and_extras(client):
    body = assert_problem(client.get("/api/v1/domain-error/"), 409, "head_moved")
    assert body["detail"] == "Branch 'main' moved."
    assert body["current"] == "abc"


def test_unauthenticated_requests_get_401_or_403_problem(client):
    response = client.get("/api/v1/private/")
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == PROBLEM


def test_unknown_urls_are_404_problems(client):
    body = assert_problem(client.get("/api/v1/no/such/thing/"), 404, "not_found")
    assert "/api/v1/no/such/thing/" in body["detail"]


def test_a_bug_is_a_500_problem_without_internals(client):
    client.raise_request_exception = False
    response = client.get("/api/v1/bug/")
    body = assert_problem(response, 500, "internal_error")
    assert "a bug" not in json.dumps(body)


def test_inside_the_admin_a_bug_and_a_missing_page_are_html_pages(client):
    from django.contrib.auth.models import Group, User

    viewer = User.objects.create_user("viewer")
    viewer.groups.add(Group.objects.create(name="viewer"))
    client.force_login(viewer)
    client.raise_request_exception = False
    for path, status in (("/admin/bug/", 500), ("/admin/no/such/page/", 404)):
        response = client.get(path)
        assert response.status_code == status
        assert response["Content-Type"].startswith("text/html")
        page = response.content.decode()
        assert "OMS curators" in page and f"{status} —" in page
        assert "a bug in an admin page" not in page


def test_a_sane_request_id_is_echoed_and_an_unsafe_one_replaced(client):
    response = client.get("/health/live", HTTP_X_REQUEST_ID="req-42")
    assert response["X-Request-ID"] == "req-42"
    response = client.get("/health/live", HTTP_X_REQUEST_ID="bad id\n<script>")
    assert response["X-Request-ID"] != "bad id\n<script>"
    assert len(response["X-Request-ID"]) == 32
