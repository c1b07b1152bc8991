"""The API's docs page works in a browser under our Content Security Policy, with Swagger UI
from our own static files: no request leaves 127.0.0.1."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_docs_render_the_schema_from_our_own_server(live_server: Any, page: Page) -> None:
    errors: list[str] = []
    hosts: set[str] = set()
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Gensidig API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert page.locator(".opblock-summary-path", has_text="/api/v1/programs").count() >= 1
    assert hosts == {live_server.url.split("/")[2]}
    assert not [e for e in errors if "Content Security Policy" in e], errors
