"""`make run`'s demo users can sign in with what it prints."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_demo_setup_creates_one_user_per_role_that_can_get_a_token(settings, tmp_path, capsys):
    settings.VAR_DIR = tmp_path
    call_command("demo_setup")
    call_command("demo_setup")  # idempotent
    printed = capsys.readouterr().out
    passwords = dict(re.findall(r"^  (\w+)\s+password (\S+)$", printed, re.M))
    assert sorted(passwords) == ["admin", "editor", "reviewer", "viewer"]
    api = APIClient()
    for role, password in passwords.items():
        pair = api.post("/api/v1/auth/token/", {"username": role, "password": password})
        assert pair.status_code == 200, role
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {pair.json()['access']}")
        assert role in api.get("/api/v1/auth/me/").json()["roles"]
    assert "curl -s -X POST http://127.0.0.1:8001/api/v1/auth/token/" in printed
