"""Issue 5's flow in Danish: the experienced partner proposes a meeting, the young partner
confirms it, the meeting is held, and the young partner reflects on it; the admin sees the
pair's health but not what the two wrote."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from gensidig.accounts.models import Role
from gensidig.matching.models import Pair
from gensidig.meetings.models import Meeting, Reflection
from gensidig.programs.models import State
from tests.browser.test_matching_flow import log_in, log_out
from tests.factories import (
    EnrolmentFactory,
    MemberFactory,
    OrganisationFactory,
    ProgramFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pair(transactional_db: None) -> Pair:
    organisation = OrganisationFactory(name="Fjordlys Møbler A/S", slug="fjordlys")
    MemberFactory(
        organisation=organisation,
        role=Role.OWNER,
        user=UserFactory(email="admin@example.org", name="Mette Holm"),
    )
    program = ProgramFactory(
        organisation=organisation, state=State.RUNNING, name="Gensidig læring", cadence_weeks=3
    )
    tiktok = TopicFactory(organisation=organisation, slug="tiktok", name_da="TikTok")
    history = TopicFactory(organisation=organisation, slug="historie", name_da="Firmaets historie")
    program.themes_young_to_experienced.set([tiktok])
    program.themes_experienced_to_young.set([history])
    people = {}
    for email, name, side in (
        ("ung@example.org", "Ida Ung", "young"),
        ("erfaren@example.org", "Henrik Erfaren", "experienced"),
    ):
        member = MemberFactory(organisation=organisation, user=UserFactory(email=email, name=name))
        people[side] = EnrolmentFactory(program=program, member=member, side=side)
    return Pair.objects.create(program=program, a=people["young"], b=people["experienced"])


def test_flow_propose_confirm_hold_reflect(
    page: Page, live_server: Any, pair: Pair, screenshot: Any
) -> None:
    base = live_server.url
    url = f"{base}/o/fjordlys/pairs/{pair.pk}/"
    when = timezone.localtime() + timedelta(days=3)

    log_in(page, base, "erfaren@example.org")
    page.goto(url)
    expect(page.get_by_role("heading", name="Dig og Ida Ung")).to_be_visible()
    expect(page.get_by_text("Tell me about")).to_have_count(0)  # the guide speaks Danish
    page.get_by_text("Foreslå et møde").click()
    page.locator("input[name=starts_at]").fill(when.strftime("%Y-%m-%dT10:00"))
    page.locator("input[name=place]").fill("Kantinen")
    page.get_by_role("button", name="Foreslå mødet").click()
    expect(page.get_by_text("Mødet er foreslået. Din partner bekræfter det.")).to_be_visible()
    expect(page.get_by_text("Venter på, at din partner bekræfter.")).to_be_visible()
    log_out(page)

    log_in(page, base, "ung@example.org")
    page.goto(url)
    page.get_by_role("button", name="Bekræft mødet").click()
    expect(page.get_by_text("Mødet er bekræftet. I får begge en invitation.")).to_be_visible()
    meeting = Meeting.objects.get(pair=pair)
    assert meeting.status == Meeting.Status.CONFIRMED

    # The meeting takes place: move it into the past, as the clock would.
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(hours=2))
    page.goto(url)
    expect(page.locator(f"#meeting-{meeting.pk}").get_by_text("Holdt")).to_be_visible()
    page.get_by_role("link", name="Skriv din refleksion").click()
    page.locator("#id_taught").get_by_label("TikTok").check()
    page.locator("#id_learned").get_by_label("Firmaets historie").check()
    page.get_by_label("Det lærte jeg, i én sætning").fill("Hvorfor vi valgte massivt træ i 1987.")
    page.get_by_label("4").check()
    page.get_by_label("Private noter").fill("Spørg om eksporten til Tyskland.")
    page.get_by_role("button", name="Gem refleksionen").click()
    expect(page.get_by_text("Tak for din refleksion.")).to_be_visible()
    expect(page.get_by_role("cell", name="Firmaets historie")).to_be_visible()
    screenshot(page, "pair-home")
    reflection = Reflection.objects.get()
    assert reflection.usefulness == 4
    assert list(reflection.learned.values_list("slug", flat=True)) == ["historie"]

    # The admin sees the pair's health and dates on the program's pairs page, not its content.
    log_out(page)
    log_in(page, base, "admin@example.org")
    page.goto(f"{base}/o/fjordlys/programs/{pair.program_id}/")
    page.get_by_role("link", name="Par", exact=True).click()
    row = page.locator("tr.pair-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Ida Ung + Henrik Erfaren")
    expect(row).to_contain_text("På sporet")
    row.get_by_role("link", name="Ida Ung + Henrik Erfaren").click()
    expect(page.get_by_text("Afholdte møder")).to_be_visible()
    expect(page.get_by_text("Hvorfor vi valgte massivt træ")).to_have_count(0)
    screenshot(page, "pair-status-admin")
