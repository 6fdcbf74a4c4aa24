"""Personas for branch and proposal scenarios (the ontology fixtures are shared)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.ontology.conftest import client_for, curator, dev, viewer  # noqa: F401


@pytest.fixture
def reviewer() -> APIClient:
    return client_for("reviewer")


@pytest.fixture
def admin() -> APIClient:
    return client_for("admin")
