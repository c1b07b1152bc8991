"""Issue 4's flow in Danish: an admin creates a program, imports a CSV, runs a round, locks
one pair and publishes; a young and an experienced participant accept; the admin sees the
pair confirmed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from gensidig.accounts.models import Role
from gensidig.matching.models import Pair, Proposal
from tests.factories import PASSWORD, MemberFactory, OrganisationFactory, TopicFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "Navn;E-mail;Afdeling;Leder;Rolle i parret;Generation;Sprog;Kan dele;Vil lære\n"
    "Ida Ung;ung@example.org;Marketing;;ung;1995-2009;da;TikTok:3;Strategi:3\n"
    "Henrik Erfaren;erfaren@example.org;Salg;;erfaren;1965-1979;da;Strategi:3;TikTok:3\n"
    "Freja Nielsen;freja@example.org;Lager;;ung;1995-2009;da;AI:2;Historie:2\n"
    "Poul Jensen;poul@example.org;Produktion;;erfaren;1946-1964;da;Historie:3;AI:2\n"
)


@pytest.fixture
def company(transactional_db: None) -> Any:
    organisation = OrganisationFactory(name="Fjordlys Møbler A/S", slug="fjordlys")
    MemberFactory(
        organisation=organisation,
        role=Role.OWNER,
        user=UserFactory(email="admin@example.org", name="Mette Holm"),
    )
    for email, name in (("ung@example.org", "Ida Ung"), ("erfaren@example.org", "Henrik Erfaren")):
        MemberFactory(organisation=organisation, user=UserFactory(email=email, name=name))
    for slug, name in (
        ("tiktok", "TikTok"),
        ("strategi", "Strategi"),
        ("ai", "AI"),
        ("historie", "Historie"),
    ):
        TopicFactory(organisation=organisation, slug=slug, name_da=name, name_en=name)
    return organisation


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("E-mailadresse").fill(email)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log ud").click()
    expect(page).to_have_url(re.compile(r"/login/$"))


def test_flow_program_import_round_lock_publish_accept(
    page: Page, live_server: Any, company: Any, screenshot: Any, tmp_path: Any
) -> None:
    base = live_server.url
    log_in(page, base, "admin@example.org")
    page.goto(f"{base}/o/fjordlys/programs/new/")
    page.locator("#id_name").fill("Gensidig læring 2027")
    page.locator("#id_purpose").fill("Vi vil lære af hinanden på tværs af generationer.")
    page.locator("#id_sponsor").select_option(label="Mette Holm")
    page.locator("#id_starts_on").fill("2027-02-01")
    page.locator("#id_ends_on").fill("2027-08-31")
    page.get_by_role("button", name="Opret forløbet").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Gensidig læring 2027")
    page.get_by_role("button", name="Åbn for tilmelding").click()

    page.get_by_role("link", name="Deltagere").click()
    page.get_by_role("link", name="Importér fra en fil").click()
    csv_file = tmp_path / "deltagere.csv"
    csv_file.write_bytes(CSV.encode("utf-8-sig"))
    page.locator("#id_file").set_input_files(str(csv_file))
    screenshot(page, "10-program-import-da")
    page.get_by_role("button", name="Importér").click()
    expect(page.get_by_role("status")).to_contain_text("Importen er færdig: 2 nye og 2 opdaterede.")

    page.get_by_role("link", name="Gensidig læring 2027").click()
    page.get_by_role("button", name="Start matchningen").click()
    # Starting matching closes enrolment for good, so the page asks first.
    page.locator("dialog.confirm-dialog").get_by_role(
        "button", name="Ja, start matchningen"
    ).click()
    page.get_by_role("link", name="Matchning").click()
    page.get_by_role("button", name="Kør den første runde").click()
    expect(page.get_by_role("status")).to_contain_text("Runde 1 er færdig.")
    ida_card = page.locator(".proposal", has_text="Ida Ung")
    expect(ida_card).to_contain_text("Henrik Erfaren")
    expect(ida_card).to_contain_text("Ida Ung kan lære fra sig")
    ida_card.get_by_role("button", name="Lås").click()
    expect(page.locator(".proposal", has_text="Ida Ung")).to_contain_text("låst")
    screenshot(page, "11-matching-round-da")
    page.get_by_role("button", name=re.compile(r"Offentliggør 2 forslag")).click()
    expect(page.get_by_role("status")).to_contain_text("2 forslag er offentliggjort")
    log_out(page)

    for email in ("ung@example.org", "erfaren@example.org"):
        log_in(page, base, email)
        page.goto(f"{base}/o/fjordlys/programs/")
        page.get_by_role("link", name="Gensidig læring 2027").first.click()
        page.get_by_role("link", name="Se din partner").click()
        screenshot(page, f"12-my-match-{email.split('@')[0]}-da")
        page.get_by_role("button", name="Ja, lad os mødes").click()
        expect(page.get_by_role("status")).to_contain_text("Tak. Du har sagt ja.")
        log_out(page)

    log_in(page, base, "admin@example.org")
    page.goto(f"{base}/o/fjordlys/programs/")
    page.get_by_role("link", name="Gensidig læring 2027").first.click()
    page.get_by_role("link", name="Matchning").click()
    expect(page.locator(".proposal", has_text="Ida Ung")).to_contain_text("Accepteret af begge")
    screenshot(page, "13-pair-confirmed-da")
    pair = Pair.objects.get()
    assert (pair.a.member.user.name, pair.b.member.user.name) == ("Ida Ung", "Henrik Erfaren")
    assert Proposal.objects.get(pk=pair.proposal_id).locked
