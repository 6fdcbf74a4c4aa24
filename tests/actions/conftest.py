"""The example ontology on ``main`` and clients for the action service's tests."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from integrations.user_service.principal import Principal, scopes_for
from ontology.examples import example_ontology_load

SECRET = "a-webhook-secret-for-tests"


def person(name: str, *roles: str) -> Principal:
    return Principal(id=f"u-{name}", username=name, roles=frozenset(roles),
                     scopes=scopes_for(frozenset(roles)))  # fmt: skip


def client_of(principal: Principal) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=principal)
    return client


@pytest.fixture
def logistics(main_branch) -> str:  # type: ignore[no-untyped-def]
    """``main`` with the logistics example."""
    example_ontology_load()
    return "main"


@pytest.fixture
def operator() -> APIClient:
    """An editor: may read the ontology and submit actions."""
    return client_of(person("olga", "editor"))


def action_url(name: str, what: str, branch: str = "main") -> str:
    return f"/api/v1/branches/{branch}/action-types/{name}/{what}/"
