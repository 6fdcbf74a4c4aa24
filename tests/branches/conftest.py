"""Personas for branch and proposal scenarios (the ontology fixtures are shared)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from integrations.user_service.principal import SYSTEM
from ontology.services import Operation, elements_commit
from ontology.storage import get_store
from tests.ontology.conftest import client_for, curator, dev, object_type, viewer  # noqa: F401


@pytest.fixture
def reviewer() -> APIClient:
    return client_for("reviewer")


@pytest.fixture
def admin() -> APIClient:
    return client_for("admin")


@pytest.fixture
def main_with_customer(dev) -> dict:  # noqa: F811 - the shared fixture
    """main (protected, one approval required) holds a Customer; feature forks from it."""
    result = elements_commit(
        branch="main", operations=[Operation("create", "object-types", body=object_type())],
        actor=SYSTEM, message="seed",
    )  # fmt: skip
    get_store().create_branch("feature", start="main")
    return result.elements[0]
