"""Identity fixtures: the fake User Service and API clients for each persona."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.e2e.peers.user_service import FakeUserService


@pytest.fixture
def user_service(settings) -> Iterator[FakeUserService]:
    """A running fake User Service that OMS is configured to use (remote mode)."""
    service = FakeUserService().start()
    settings.USER_SERVICE_URL = service.url
    settings.OMS_USER_SERVICE_TIMEOUT = 0.5
    cache.clear()
    try:
        yield service
    finally:
        service.stop()
        cache.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def bearer(client: APIClient, token: str) -> APIClient:
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


PERSONAS = ("viewer", "editor", "reviewer", "admin")


@pytest.fixture
def local_users(db) -> dict[str, User]:
    """One Django user per role (plus an ``outsider`` with none), password ``pw-<name>``."""
    users = {}
    for name in (*PERSONAS, "outsider"):
        user = User.objects.create_user(name, password=f"pw-{name}")
        if name in PERSONAS:
            user.groups.add(Group.objects.get_or_create(name=name)[0])
        users[name] = user
    return users
