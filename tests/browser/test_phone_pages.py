"""Every page of the demo, as each demo user, on a 390 px phone: no page scrolls sideways
(a wide table or the board's columns may scroll inside their own container) and no page
repeats an id (a label would point at the wrong field).

The pages are found by following the links each user sees, from the overview on, so a new
page is checked without being listed here."""

from __future__ import annotations

from collections import deque
from io import StringIO
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page

from gensidig.demo.builder import DEMO_PASSWORD, ORG_SLUG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
USERS = ["admin@gensidig.example", "ung@gensidig.example", "erfaren@gensidig.example"]
# Links that are no page: downloads, feeds, the API, the language switch, logging out.
SKIP = (
    ".csv",
    ".pdf",
    ".ics",
    ".json",
    "/export/",
    "/api/",
    "/static/",
    "/logout/",
    "/i18n/",
    "/scim/",
)
MOST = 70  # pages per user, breadth first from the overview

MEASURE = """() => {
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
  const repeated = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
  const root = document.documentElement;
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1)
    .filter(e => !e.closest('.scroll-x, .discovery-columns, .table-wrap'))
    .slice(0, 3)
    .map(e => e.tagName.toLowerCase()
      + (e.className ? '.' + String(e.className).split(' ')[0] : ''));
  const links = [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'));
  return {overflow: root.scrollWidth - root.clientWidth, repeated, wide, links};
}"""


@pytest.fixture
def demo(transactional_db: None, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", "--no-serve", stdout=StringIO())


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("E-mailadresse").fill(email)
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def crawl(page: Page, base: str) -> dict[str, dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    queue = deque([f"/o/{ORG_SLUG}/"])
    while queue and len(seen) < MOST:
        path = queue.popleft()
        if path in seen:
            continue
        response = page.goto(base + path)
        found = page.evaluate(MEASURE)
        seen[path] = {**found, "status": response.status if response else 0}
        for href in found["links"]:
            parts = urlsplit(href)
            if parts.netloc or not parts.path.startswith("/") or parts.path.endswith(SKIP):
                continue
            if any(skip in parts.path for skip in SKIP):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen and target not in queue:
                queue.append(target)
    return seen


@pytest.mark.parametrize("email", USERS)
def test_demo_pages_on_phone_do_not_scroll_sideways_and_ids_are_unique(
    demo: None, live_server: Any, browser: Browser, email: str
) -> None:
    context = browser.new_context(locale="da-DK", viewport=PHONE)
    page = context.new_page()
    log_in(page, live_server.url, email)
    pages = crawl(page, live_server.url)
    context.close()
    assert len(pages) > 10
    assert {path: p["status"] for path, p in pages.items() if p["status"] >= 400} == {}
    too_wide = {path: (p["overflow"], p["wide"]) for path, p in pages.items() if p["overflow"] > 0}
    assert too_wide == {}
    repeated = {path: p["repeated"] for path, p in pages.items() if p["repeated"]}
    assert repeated == {}
