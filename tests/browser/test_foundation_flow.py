from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from gensidig.accounts.models import Member, Role
from tests.factories import PASSWORD, MemberFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def company(transactional_db: None) -> Any:
    organisation = OrganisationFactory(name="Fjordlys Møbler A/S", slug="fjordlys")
    admin = UserFactory(email="admin@example.org", name="Mette Holm")
    MemberFactory(organisation=organisation, user=admin, role=Role.OWNER)
    for n in range(3):
        MemberFactory(organisation=organisation, user=UserFactory(name=f"Kollega {n}"))
    return organisation


def test_flow_login_in_danish_switch_to_english_invite_accept_logout(
    page: Page, live_server: Any, company: Any, screenshot: Any
) -> None:
    page.goto(live_server.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Lær af hinanden, begge veje")
    screenshot(page, "01-landing-da")
    page.get_by_role("link", name="Log ind").first.click()
    page.get_by_label("E-mailadresse").fill("admin@example.org")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    screenshot(page, "02-login-da")
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Velkommen, Mette")
    screenshot(page, "03-dashboard-da")

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Mette")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("link", name="Invite a member").first.click()
    page.get_by_label("Email address").fill("nina@example.org")
    page.get_by_label("Name (optional)").fill("Nina Ny")
    screenshot(page, "04-invite-en")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status")).to_contain_text(
        "An invitation was sent to nina@example.org."
    )
    screenshot(page, "05-members-en")
    link = re.search(r"https?://\S+/invitation/\S+/", mail.outbox[-1].body)
    assert link is not None

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    path = link.group(0).split("/invitation/", 1)[1]
    page.goto(f"{live_server.url}/invitation/{path}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Fjordlys Møbler A/S")
    page.get_by_label("Your name").fill("Nina Ny")
    page.get_by_label("Choose a password").fill("sommerfugl-42x")
    page.get_by_label("Repeat the password").fill("sommerfugl-42x")
    screenshot(page, "06-accept-invitation-en")
    page.get_by_role("button", name="Create my account and join").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome to Fjordlys Møbler A/S.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Nina")
    assert Member.objects.get(user__email="nina@example.org").organisation == company

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")


def test_layout_on_a_phone_has_a_menu_that_opens(
    page: Page, live_server: Any, company: Any, screenshot: Any
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("E-mailadresse").fill("admin@example.org")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    logout = page.get_by_role("button", name="Log ud")
    expect(logout).to_be_hidden()
    page.get_by_text("Menu", exact=True).click()
    expect(logout).to_be_visible()
    screenshot(page, "07-phone-menu-da")
    page.get_by_role("link", name="Medlemmer", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Medlemmer")
    screenshot(page, "08-phone-members-da")
    # Keyboard focus is visible: the focused link gets an outline.
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
