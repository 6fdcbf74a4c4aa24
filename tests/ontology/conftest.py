"""Fixtures for the element API: a branch to write on and clients per persona."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from integrations.user_service.principal import Principal, scopes_for
from ontology.storage import get_store


def persona(role: str) -> Principal:
    roles = frozenset({role})
    return Principal(id=f"u-{role}", username=role, roles=roles, scopes=scopes_for(roles))


@pytest.fixture
def dev_on_postgres(on_postgres, settings) -> str:  # type: ignore[no-untyped-def]
    """``dev`` on the PostgreSQL server, the store in the same database, indexed."""
    settings.OMS_STORAGES = {
        "default": {"BACKEND": "ontology.storage.sql.SQLStore", "OPTIONS": {"using": "default"}}
    }
    store = get_store()
    store.initialize()
    store.create_branch("dev", start="main")
    call_command("storage_init", verbosity=0)  # index rows for the branches made above
    return "dev"


@pytest.fixture
def dev(db) -> str:
    """A fresh store with an unprotected branch ``dev`` (main is protected)."""
    store = get_store()
    store.initialize()
    store.create_branch("dev", start="main")
    return "dev"


def client_for(role: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=persona(role))
    return client


@pytest.fixture
def curator() -> APIClient:
    return client_for("editor")


@pytest.fixture
def viewer() -> APIClient:
    return client_for("viewer")


def head(branch: str = "dev") -> str:
    return get_store().get_branch(branch).head


def object_type(api_name: str = "Customer", **overrides) -> dict:
    """A small valid object type."""
    body = {
        "apiName": api_name,
        "displayName": api_name,
        "primaryKey": "id",
        "titleProperty": "name",
        "properties": [
            {"apiName": "id", "dataType": {"type": "string"}, "required": True},
            {"apiName": "name", "dataType": {"type": "string"}},
        ],
    }
    body.update(overrides)
    return body


def link_type(api_name: str = "customerOrders", **overrides) -> dict:
    body = {
        "apiName": api_name,
        "cardinality": "one-to-many",
        "source": {"objectType": "Customer", "linkApiName": "orders"},
        "target": {"objectType": "Order", "linkApiName": "customer"},
        "foreignKey": "customerId",
    }
    body.update(overrides)
    return body


def order_type(**overrides) -> dict:
    return object_type(
        "Order",
        properties=[
            {"apiName": "id", "dataType": {"type": "string"}, "required": True},
            {"apiName": "name", "dataType": {"type": "string"}},
            {"apiName": "customerId", "dataType": {"type": "string"}},
        ],
        **overrides,
    )


def url(kind: str, name: str = "", branch: str = "dev") -> str:
    return f"/api/v1/branches/{branch}/{kind}/" + (f"{name}/" if name else "")
