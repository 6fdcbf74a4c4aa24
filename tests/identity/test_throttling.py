"""Rate limits: brute force on the token endpoint and the admin's login form meets the same
per-address and per-username limits (429 with Retry-After; the form says how long), and a
principal's changes are limited; reads are not."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.ontology.conftest import client_for, dev  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

STRICT = {"writes": "3/minute", "login-address": "100/minute", "login-username": "5/minute"}


@pytest.fixture
def strict(settings):  # type: ignore[no-untyped-def]
    settings.OMS_THROTTLE_RATES = dict(STRICT)
    cache.clear()
    yield
    cache.clear()


def test_guessing_a_password_is_stopped_and_the_right_one_waits_too(strict, local_users):
    api = APIClient()
    for _ in range(5):
        wrong = api.post("/api/v1/auth/token/", {"username": "editor", "password": "guess"})
        assert wrong.status_code == 401
    stopped = api.post("/api/v1/auth/token/", {"username": "editor", "password": "pw-editor"})
    assert stopped.status_code == 429 and int(stopped["Retry-After"]) >= 1
    assert stopped["Content-Type"] == "application/problem+json"
    other = api.post("/api/v1/auth/token/", {"username": "viewer", "password": "pw-viewer"})
    assert other.status_code == 200  # the limit is per username (and per address, higher)


def test_the_admin_login_form_meets_the_same_limit(strict, local_users, client):
    for _ in range(5):
        client.post("/admin/login/", {"username": "editor", "password": "guess"})
    page = client.post("/admin/login/", {"username": "editor", "password": "pw-editor"})
    assert page.status_code == 200 and b"Too many sign-in attempts" in page.content
    assert "_auth_user_id" not in client.session  # not signed in
    api = APIClient()  # the token endpoint counts the same attempts
    assert api.post("/api/v1/auth/token/", {"username": "editor", "password": "pw-editor"}
                    ).status_code == 429  # fmt: skip


@pytest.mark.usefixtures("dev")
def test_a_principals_changes_are_limited_and_reads_are_not(strict):
    editor = client_for("editor")
    for name in ("A", "B", "C"):
        created = editor.post("/api/v1/branches/dev/groups/", {"apiName": name}, format="json")
        assert created.status_code == 201
    refused = editor.post("/api/v1/branches/dev/groups/", {"apiName": "D"}, format="json")
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert editor.get("/api/v1/branches/dev/groups/").status_code == 200
    assert client_for("admin").post("/api/v1/branches/dev/groups/", {"apiName": "E"},
                                    format="json").status_code == 201  # fmt: skip
