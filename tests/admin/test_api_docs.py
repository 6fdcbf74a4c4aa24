"""The API documentation page renders in a real browser under its Content-Security-Policy."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_swagger_ui_renders_with_no_policy_violation(page, live_server):
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text
            else None)  # fmt: skip
    answer = page.goto(f"{live_server.url}/api/docs/")
    assert answer is not None and "script-src 'self'" in answer.headers["content-security-policy"]
    page.wait_for_selector(".swagger-ui .info .title")
    assert "OMS" in page.locator(".swagger-ui .info .title").inner_text()
    assert refused == []
