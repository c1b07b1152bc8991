"""axe-core (from the axe-playwright-python wheel, never a CDN) on the main pages of the
demo in Danish and English: no serious or critical accessibility violation."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import Browser

from gensidig.demo.builder import ORG_SLUG
from gensidig.discoveries.models import Discovery
from gensidig.matching.models import Pair
from gensidig.programs.models import Program
from tests.browser.test_phone_pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db: None, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", "--no-serve", stdout=StringIO())


def main_pages() -> dict[str, list[str]]:
    org = f"/o/{ORG_SLUG}"
    running = Program.objects.filter(organisation__slug=ORG_SLUG, state="running").first()
    assert running is not None
    own = Pair.objects.filter(a__member__user__email="ung@gensidig.example").first() or (
        Pair.objects.get(b__member__user__email="ung@gensidig.example")
    )
    discovery = Discovery.objects.filter(organisation__slug=ORG_SLUG).first()
    assert discovery is not None
    return {
        "admin@gensidig.example": [
            f"{org}/",
            f"{org}/programs/",
            f"{org}/programs/{running.pk}/",
            f"{org}/programs/{running.pk}/edit/",
            f"{org}/programs/{running.pk}/matching/",
            f"{org}/programs/{running.pk}/pairs/",
            f"{org}/programs/{running.pk}/insights/",
            f"{org}/members/",
            f"{org}/discoveries/",
            f"{org}/discoveries/{discovery.pk}/",
            f"{org}/discoveries/new/",
            "/account/",
        ],
        "ung@gensidig.example": [
            f"{org}/",
            f"{org}/pairs/{own.pk}/",
            f"{org}/pairs/{own.pk}/goals/",
            f"{org}/calendar/",
            f"{org}/discoveries/",
        ],
    }


@pytest.mark.parametrize("language", ["da", "en"])
def test_main_pages_have_no_serious_or_critical_axe_violation(
    demo: None, live_server: Any, browser: Browser, language: str
) -> None:
    axe = Axe()
    found: dict[str, list[str]] = {}
    for email, paths in main_pages().items():
        context = browser.new_context(locale="da-DK", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        log_in(page, live_server.url, email)
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, path
            assert page.locator("html").get_attribute("lang") == language
            results = axe.run(page)
            bad = [
                f"{v['id']} ({v['impact']}): {len(v['nodes'])}"
                for v in results.response["violations"]
                if v["impact"] in {"serious", "critical"}
            ]
            if bad:
                found[f"{email} {path}"] = bad
        context.close()
    assert found == {}
