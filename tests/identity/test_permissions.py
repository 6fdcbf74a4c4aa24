"""The permission matrix of docs/permissions.md, one test per cell that matters."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from tests.identity.conftest import bearer

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "outsider", "viewer", "editor", "reviewer", "admin")
# endpoint -> expected status per role, in the order of ROLES
MATRIX = {
    ("GET", "/api/v1/auth/me/"): (401, 200, 200, 200, 200, 200),
    ("GET", "/api/v1/branches/"): (401, 403, 200, 200, 200, 200),
    ("GET", "/api/v1/branches/main/"): (401, 403, 200, 200, 200, 200),
    ("POST", "/api/v1/branches/"): (401, 403, 403, 201, 403, 201),
    ("DELETE", "/api/v1/branches/scratch/"): (401, 403, 403, 403, 403, 204),
    ("DELETE", "/api/v1/branches/main/"): (401, 403, 403, 403, 403, 423),
    ("GET", "/api/v1/diff/?base=main&head=main"): (401, 403, 200, 200, 200, 200),
    ("POST", "/api/v1/compatibility/check/"): (401, 403, 200, 200, 200, 200),
    ("GET", "/api/v1/proposals/"): (401, 403, 200, 200, 200, 200),
    ("GET", "/api/v1/audit-events/"): (401, 403, 403, 403, 403, 200),
    ("POST", "/api/v1/tags/"): (401, 403, 403, 201, 403, 201),
}
CELLS = [
    (method, path, role, statuses[i])
    for (method, path), statuses in MATRIX.items()
    for i, role in enumerate(ROLES)
]


@pytest.fixture
def as_role(local_users, main_branch):  # type: ignore[no-untyped-def]
    from ontology.storage import get_store

    get_store().create_branch("scratch", start="main")

    def client(role: str) -> APIClient:
        api = APIClient()
        if role == "anonymous":
            return api
        pair = api.post(
            "/api/v1/auth/token/", {"username": role, "password": f"pw-{role}"}, format="json"
        )
        return bearer(api, pair.json()["access"])

    return client


@pytest.mark.parametrize(("method", "path", "role", "expected"), CELLS)
def test_permission_matrix(as_role, method, path, role, expected):
    body = None
    if path == "/api/v1/branches/" and method == "POST":
        body = {"name": f"new-{role}", "from": "main"}
    elif path == "/api/v1/tags/":
        body = {"name": f"t-{role}", "target": "main"}
    elif path == "/api/v1/compatibility/check/":
        body = {"base": "main", "head": "scratch"}
    response = as_role(role).generic(
        method,
        path,
        data=None if body is None else json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == expected, response.content


def test_the_permission_doc_lists_every_cell_of_the_matrix():
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "permissions.md").read_text()
    for (method, path), statuses in MATRIX.items():
        row = f"| `{method} {path.removeprefix('/api/v1')}` | " + " | ".join(map(str, statuses))
        assert row in doc, row
