"""Local mode (no USER_SERVICE_URL): simplejwt tokens for Django users, roles from groups."""

from __future__ import annotations

import hashlib

import pytest

from tests.identity.conftest import bearer

pytestmark = pytest.mark.django_db
TOKEN, REFRESH, ME = "/api/v1/auth/token/", "/api/v1/auth/token/refresh/", "/api/v1/auth/me/"


def obtain(api, username: str, password: str):
    return api.post(TOKEN, {"username": username, "password": password}, format="json")


def test_a_user_obtains_a_token_pair_and_is_a_principal_with_its_group_roles(api, local_users):
    pair = obtain(api, "reviewer", "pw-reviewer")
    assert pair.status_code == 200
    me = bearer(api, pair.json()["access"]).get(ME).json()
    assert me["username"] == "reviewer"
    assert me["roles"] == ["reviewer"]
    assert me["scopes"] == ["ontology:read", "proposals:approve"]
    assert me["source"] == "local"


def test_a_refresh_token_gives_a_new_access_token(api, local_users):
    refresh = obtain(api, "viewer", "pw-viewer").json()["refresh"]
    response = api.post(REFRESH, {"refresh": refresh}, format="json")
    assert response.status_code == 200
    assert bearer(api, response.json()["access"]).get(ME).json()["username"] == "viewer"


def test_a_wrong_password_is_401_problem(api, local_users):
    response = obtain(api, "editor", "wrong")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_disabled_user_cannot_obtain_or_use_a_token(api, local_users):
    access = obtain(api, "editor", "pw-editor").json()["access"]
    local_users["editor"].is_active = False
    local_users["editor"].save()
    assert obtain(api, "editor", "pw-editor").status_code == 401
    response = bearer(api, access).get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_garbage_or_refresh_token_is_not_an_access_token(api, local_users):
    assert bearer(api, "not-a-jwt").get(ME).status_code == 401
    refresh = obtain(api, "viewer", "pw-viewer").json()["refresh"]
    assert bearer(api, refresh).get(ME).status_code == 401


def test_a_token_from_another_secret_is_401(api, local_users, settings):
    access = obtain(api, "viewer", "pw-viewer").json()["access"]
    header, payload, signature = access.split(".")
    assert bearer(api, f"{header}.{payload}.{signature[::-1]}").get(ME).status_code == 401


def test_a_cached_token_stands_for_itself_only_and_not_past_its_expiry(api, local_users):
    """The signature is checked when a worker first meets a token; its principal is then found
    by the token's hash: an altered token misses that entry and is checked (and refused), and
    the entry lasts no longer than the token."""
    from integrations.user_service.authentication import CACHE_PREFIX, principals

    access = obtain(api, "viewer", "pw-viewer").json()["access"]
    assert bearer(api, access).get(ME).status_code == 200  # now cached
    header, payload, signature = access.split(".")
    for altered in (f"{header}.{payload}.{signature[:-2]}", f"{header}.{payload}x.{signature}"):
        assert bearer(api, altered).get(ME).status_code == 401
    key = CACHE_PREFIX + "local:" + hashlib.sha256(access.encode()).hexdigest()
    until, principal = principals.local.get(key)
    assert principal.expires_at is not None
    assert until <= principal.expires_at.timestamp()


def test_refresh_tokens_rotate_and_a_password_change_ends_them(local_users):
    from django.contrib.auth.models import User
    from rest_framework.test import APIClient

    api = APIClient()
    pair = api.post("/api/v1/auth/token/", {"username": "editor", "password": "pw-editor"}).json()
    refreshed = api.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]})
    assert refreshed.status_code == 200 and refreshed.json()["refresh"] != pair["refresh"]
    again = api.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]})
    assert again.status_code == 401  # the used one is blacklisted
    current = refreshed.json()["refresh"]

    editor = User.objects.get(username="editor")
    editor.set_password("a-new-password")
    editor.save()
    ended = api.post("/api/v1/auth/token/refresh/", {"refresh": current})
    assert ended.status_code == 401
    other = api.post("/api/v1/auth/token/", {"username": "viewer", "password": "pw-viewer"})
    assert api.post("/api/v1/auth/token/refresh/", {"refresh": other.json()["refresh"]}
                    ).status_code == 200  # fmt: skip  # only that user's tokens ended
