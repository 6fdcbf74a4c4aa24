"""Headless Chromium (Debian's package) driven by Playwright, for admin tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.identity.conftest import local_users, user_service  # noqa: F401 - fixtures
from tests.services import service_missing

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One browser per module; Playwright's event loop must not outlive the admin tests
    (Django's connection handling treats a thread with a running loop as async)."""
    executable = shutil.which("chromium")
    if executable is None:
        service_missing("Chromium", "apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls are
    # still synchronous, which Django allows with this documented switch.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "screenshots"


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Save what the browser shows (git-ignored ``test-artefacts/``; a few go to ``docs/``)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page, live_server, username: str, password: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the admin's form (``pw-<username>`` is the test users' password)."""
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password or f"pw-{username}")
    page.click("input[type=submit]")


@pytest.fixture
def signed_in(page, live_server, django_user_model):  # type: ignore[no-untyped-def]
    """A curator signed in to the admin (a superuser)."""
    django_user_model.objects.create_superuser("curator", "curator@example.com", "pw-curator")
    sign_in(page, live_server, "curator")
    page.wait_for_selector("#content")
    return page
