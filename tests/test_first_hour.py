"""The first hour of a new user: the API's entry point, and commands from a plain shell."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_the_api_root_lists_the_collections_and_the_docs_without_a_token(client):
    answer = client.get("/api/v1/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["collections"]["branches"].endswith("/api/v1/branches/")
    assert body["branchResources"]["object-types"].endswith(
        "/api/v1/branches/{branch}/object-types/"
    )
    assert body["docs"]["openapi"].endswith("/api/schema/")
    assert client.get(body["collections"]["branches"]).status_code == 401  # it names, no more
    refused = client.get("/api/v1/", HTTP_ACCEPT="text/nonsense")
    assert refused.status_code == 406 and refused["Content-Type"] == "application/problem+json"
    landing = client.get("/")
    assert landing.status_code == 200 and b'href="/api/v1/"' in landing.content


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    plain = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=plain,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_a_command_from_a_plain_shell_finds_the_key_make_wrote(tmp_path):
    (tmp_path / "secret_key").write_text("a-key-make-wrote-" + "x" * 40 + "\n")
    done = manage("check", env={"OMS_VAR_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    listed = manage("help", env={"OMS_VAR_DIR": str(tmp_path)})
    assert "storage_fsck" in listed.stdout and "storage_reindex" in listed.stdout


def test_without_any_key_a_command_says_what_is_missing_and_exits_2(tmp_path):
    for command in (["storage_fsck"], ["help"]):
        done = manage(*command, env={"OMS_VAR_DIR": str(tmp_path)})
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert "OMS is not configured: No secret key" in done.stderr
        assert "Traceback" not in done.stderr


def test_each_app_names_its_routes_in_its_own_namespace():
    from django.urls import reverse

    assert reverse("branches:branch-detail", args=["feature/x"]) == "/api/v1/branches/feature/x/"
    assert reverse("branches:proposal-merge", args=[7]) == "/api/v1/proposals/7/merge/"
    assert reverse("ontology:object-types-list", kwargs={"branch": "main"}) == (
        "/api/v1/branches/main/object-types/"
    )
    assert reverse("history:commit-detail", args=["abc"]) == "/api/v1/commits/abc/"
    assert reverse("auth:auth-token") == "/api/v1/auth/token/"


PRODUCTION = {
    "OMS_SECRET_KEY": "production-key-" + "0123456789abcdef" * 3,
    "OMS_ALLOWED_HOSTS": "oms.example.com", "OMS_SSL_REDIRECT": "true",
    "OMS_HSTS_SECONDS": "31536000", "OMS_HSTS_INCLUDE_SUBDOMAINS": "true",
    "OMS_HSTS_PRELOAD": "true", "OMS_SECURE_COOKIES": "true", "OMS_TRUST_PROXY": "true",
}  # fmt: skip


def test_the_documented_production_profile_passes_check_deploy(tmp_path):
    done = manage("check", "--deploy", "--fail-level", "WARNING",
                  env={**PRODUCTION, "OMS_VAR_DIR": str(tmp_path)})  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    documented = (ROOT / "docs" / "deploy.md").read_text()
    assert all(f"{name}=" in documented for name in PRODUCTION if name != "OMS_SECRET_KEY")


@pytest.mark.parametrize("key", ["change-me", "short-but-random-0123456789", "a" * 60])
def test_a_weak_secret_key_is_refused_outside_debug(tmp_path, key):
    done = manage("check", env={"OMS_SECRET_KEY": key, "OMS_VAR_DIR": str(tmp_path)})
    assert done.returncode == 2 and "OMS_SECRET_KEY is too weak" in done.stderr
