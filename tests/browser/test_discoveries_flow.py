"""Issue 6's flow in Danish: a young scout shares a discovery on a phone-sized screen, an
experienced colleague steps forward as sponsor, takes it into a trial and then adopts it with
its effect, and it shows in the board's funnel."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from gensidig.accounts.models import Role
from gensidig.discoveries import actions
from gensidig.discoveries.models import Discovery, Stage
from tests.factories import PASSWORD, MemberFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def company(transactional_db: None) -> Any:
    organisation = OrganisationFactory(name="Fjordlys Møbler A/S", slug="fjordlys")
    admin = MemberFactory(
        organisation=organisation,
        role=Role.OWNER,
        user=UserFactory(email="admin@example.org", name="Mette Holm"),
    )
    ida = MemberFactory(
        organisation=organisation,
        user=UserFactory(email="ung@example.org", name="Ida Ung"),
        generation="1995-2009",
    )
    MemberFactory(
        organisation=organisation,
        user=UserFactory(email="erfaren@example.org", name="Henrik Erfaren"),
        generation="1965-1979",
    )
    actions.name_scout(organisation=organisation, member=ida, by=admin)
    return organisation


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("E-mailadresse").fill(email)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()


def log_out(page: Page) -> None:
    page.locator("details.menu summary").click()
    page.get_by_role("button", name="Log ud").click()
    expect(page).to_have_url(re.compile(r"/login/$"))


def test_flow_scout_shares_on_phone_sponsor_tries_and_adopts(
    page: Page, live_server: Any, company: Any, screenshot: Any
) -> None:
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, base, "ung@example.org")
    page.goto(f"{base}/o/fjordlys/")
    page.locator("details.menu summary").click()
    page.get_by_role("link", name="Opdagelser").click()
    page.get_by_role("link", name="Del en opdagelse").click()
    page.get_by_label("Titel").fill("TikTok fra showroomet")
    page.get_by_label("Kanal").check()
    page.get_by_label("Hvilket arbejde det kunne gøre smartere, og for hvem").fill(
        "Korte videoer fra showroomet, så marketing når unge boligkøbere."
    )
    page.get_by_label("Link").fill("https://www.tiktok.com/")
    screenshot(page, "20-discovery-phone-da")
    # Nothing on the page is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Let the suggestion request (htmx, while typing the title) finish first: on the test's
    # in-memory SQLite two requests saving the same session at once can fail.
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Del opdagelsen").click()
    expect(page.get_by_role("status")).to_contain_text("Tak! Din opdagelse er på tavlen.")
    expect(page.get_by_role("heading", level=1)).to_have_text("TikTok fra showroomet")
    log_out(page)

    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, base, "erfaren@example.org")
    page.goto(f"{base}/o/fjordlys/discoveries/")
    page.get_by_role("link", name="TikTok fra showroomet").click()
    page.get_by_role("button", name="Jeg vil være sponsor").click()
    expect(page.get_by_role("status")).to_contain_text("Du er nu sponsor for denne opdagelse.")
    page.get_by_role("link", name="Flyt til Afprøves").click()
    page.locator("#id_owner").select_option(label="Ida Ung")
    page.get_by_label("Hvad vi prøver").fill("To videoer om ugen i seks uger.")
    page.get_by_label("Indtil hvornår").fill("2027-03-01")
    page.get_by_label("Hvordan vi ved, at det virkede").fill("Flere besøg i showroomet.")
    page.get_by_role("button", name="Flyt til Afprøves").click()
    expect(page.get_by_role("status")).to_contain_text("er nu: Afprøves.")
    page.get_by_role("link", name="Flyt til Taget i brug").click()
    page.get_by_label("Timer sparet om måneden").fill("6")
    page.get_by_label("Pris om måneden (kr.)").fill("0")
    page.get_by_label("Kvalitet eller gavn for kunderne, med ord").fill("Flere unge kunder.")
    page.get_by_role("button", name="Flyt til Taget i brug").click()
    expect(page.get_by_role("status")).to_contain_text("er nu: Taget i brug.")
    expect(page.locator("#effect")).to_contain_text("Flere unge kunder.")

    page.goto(f"{base}/o/fjordlys/discoveries/")
    funnel = page.locator("#funnel")
    expect(funnel.locator(".stat", has_text="spottet")).to_contain_text("1")
    expect(funnel.locator(".stat", has_text="taget med i afprøvning")).to_contain_text("1")
    expect(funnel.locator(".stat", has_text="taget i brug")).to_contain_text("1")
    expect(page.locator(".discovery-column", has_text="Taget i brug")).to_contain_text(
        "TikTok fra showroomet"
    )
    screenshot(page, "21-discovery-board-da")
    discovery = Discovery.objects.get()
    assert (discovery.stage, discovery.sponsor.user.name, discovery.owner.user.name) == (
        Stage.ADOPTED,
        "Henrik Erfaren",
        "Ida Ung",
    )
    assert [c.to_stage for c in discovery.history.all()] == ["spotted", "trying", "adopted"]


def test_board_drag_card_to_parked_moves_it_with_htmx(
    page: Page, live_server: Any, company: Any
) -> None:
    admin = company.members.get(user__email="admin@example.org")
    ida = company.members.get(user__email="ung@example.org")
    discovery = actions.submit_discovery(
        organisation=company, by=ida, title="Kundechat", kind="channel", smarter_work="Service"
    )
    log_in(page, live_server.url, admin.user.email)
    page.goto(f"{live_server.url}/o/fjordlys/discoveries/")
    page.locator(f"#discovery-{discovery.pk}").drag_to(
        page.locator(".discovery-column[data-stage='parked']")
    )
    expect(page.locator(".discovery-column[data-stage='parked']")).to_contain_text("Kundechat")
    discovery.refresh_from_db()
    assert discovery.stage == Stage.PARKED
    assert discovery.history.last().by == admin  # type: ignore[union-attr]
