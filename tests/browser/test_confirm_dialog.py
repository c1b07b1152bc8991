"""Asking before destroying, with JavaScript: the question opens in a native <dialog> over
the page (the server's own confirmation page, fetched), "No" closes it and changes nothing,
"Yes" does it. Without JavaScript the same question is a page (tests/meetings/test_confirm.py)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from gensidig.meetings.actions import ensure_feed
from gensidig.meetings.models import CalendarFeed
from tests.browser.test_matching_flow import log_in
from tests.factories import MemberFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dialog_asks_before_replacing_calendar_address(live_server: Any, page: Page) -> None:
    organisation = OrganisationFactory(name="Fjordlys Møbler A/S", slug="fjordlys")
    member = MemberFactory(
        organisation=organisation, user=UserFactory(email="ida@example.org", name="Ida")
    )
    token = ensure_feed(member=member).token
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    log_in(page, live_server.url, "ida@example.org")
    page.goto(f"{live_server.url}/o/fjordlys/calendar/")
    page.get_by_role("button", name="Lav en ny adresse").click()
    dialog = page.locator("dialog.confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("Erstat din kalenderadresse?")
    dialog.get_by_role("link", name="Nej, gå tilbage").click()
    expect(dialog).to_have_count(0)
    assert CalendarFeed.objects.get(member=member).token == token
    assert page.url.endswith("/o/fjordlys/calendar/")
    page.get_by_role("button", name="Lav en ny adresse").click()
    page.locator("dialog.confirm-dialog").get_by_role("button", name="Ja, erstat adressen").click()
    expect(page.locator(".messages")).to_contain_text("ny adresse")
    assert CalendarFeed.objects.get(member=member).token != token
    assert errors == []
