"""Every endpoint x every role x a protected and an unprotected branch, against the table of
docs/permissions.md ("Scope of every endpoint"), which must list every operation the URL
configuration routes: a new endpoint cannot be forgotten, nor its scope left unenforced."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from branches.models import Proposal, Waiver
from integrations.user_service.principal import Principal
from tests.branches.conftest import main_with_customer  # noqa: F401 - a fixture
from tests.ontology.conftest import client_for, dev  # noqa: F401 - dev: a fixture

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
ROW = re.compile(r"^\| `(GET|POST|PUT|PATCH|DELETE) (/[^`]*)` \| ([a-z:]+) \|$", re.MULTILINE)
ROLES = ("anonymous", "outsider", "viewer", "editor", "reviewer", "admin")
SCOPES = {
    "viewer": {"ontology:read"}, "editor": {"ontology:read", "ontology:write", "actions:submit"},
    "reviewer": {"ontology:read", "proposals:approve"},
    "admin": {"ontology:read", "ontology:write", "proposals:approve", "branches:admin",
              "audit:read", "actions:submit"},
}  # fmt: skip


def documented() -> dict[tuple[str, str], str]:
    section = DOC.read_text(encoding="utf-8").split("## Scope of every endpoint", 1)[1]
    section = section.split("\n## ", 1)[0]
    return {(method, path): scope for method, path, scope in ROW.findall(section)}


def routed() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in schema["paths"].items()
        for method in operations
    }


def test_the_table_lists_every_routed_operation(db):
    table, routes = set(documented()), routed()
    assert sorted(routes - table) == [], "add these to docs/permissions.md"
    assert sorted(table - routes) == [], "these are documented but not routed"


def caller(role: str) -> APIClient:
    if role == "anonymous":
        return APIClient()
    if role == "outsider":
        client = APIClient()
        client.force_authenticate(user=Principal(id="u-outsider", username="outsider"))
        return client
    return client_for(role)


def concrete(path: str, branch: str) -> str:
    values = {"branch": branch, "name": branch if path.startswith("/branches/") else "v9",
              "api_name": "Customer", "kind": "object-types", "id": "1", "waiver": "1"}  # fmt: skip
    return "/api/v1" + re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


@pytest.mark.usefixtures("main_with_customer")  # main (protected) holds Customer; dev, feature
def test_every_endpoint_answers_every_role_as_documented():
    Proposal.objects.create(source="feature", target="main", title="t", author="editor",
                            author_id="u-editor")  # fmt: skip
    Waiver.objects.create(proposal_id=1, rule="OMS-C028", element="object-types/Customer",
                          path="$", reason="r", author="editor", author_id="u-editor",
                          expires_at="2999-01-01T00:00:00Z")  # fmt: skip
    wrong = []
    # Reads first, then changes (a deletion must not take a branch the reads still need).
    order = sorted(documented().items(), key=lambda item: (item[0][0] != "GET", item[0][1]))
    for (method, path), scope in order:
        branches = (
            ("main", "dev")
            if "{branch}" in path or path.startswith("/branches/{name}")
            else ("dev",)
        )
        for branch in branches:
            url = concrete(path, branch)
            for role in ROLES:
                body = None if method == "GET" else json.dumps({})
                answer = caller(role).generic(method, url, body, content_type="application/json")
                status = answer.status_code
                if scope == "public":
                    allowed = status not in (401, 403)
                elif role == "anonymous":
                    allowed = status == 401
                elif scope == "authenticated" or scope in SCOPES.get(role, set()):
                    allowed = status not in (401, 403)
                else:
                    allowed = status == 403
                if not allowed or status >= 500:
                    wrong.append(f"{role} {method} {url} ({scope}): {status}")
    assert wrong == []
