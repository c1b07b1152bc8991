"""A participant signs up through a program's link and fills in the profile wizard in Danish,
finding topics with the htmx search (which must work under our Content Security Policy)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from gensidig.accounts.models import Role
from gensidig.programs import actions
from gensidig.programs.models import Enrolment, ProfileTopic
from tests.factories import (
    PASSWORD,
    EnrolmentFactory,
    MemberFactory,
    OrganisationFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def program(transactional_db: None) -> Any:
    organisation = OrganisationFactory(name="Fjordlys Møbler A/S", slug="fjordlys")
    admin = MemberFactory(
        organisation=organisation, user=UserFactory(email="admin@example.org"), role=Role.OWNER
    )
    MemberFactory(
        organisation=organisation,
        user=UserFactory(email="ida@example.org", name="Ida Nørgaard"),
        generation="1995-2009",
    )
    actions.seed_topics(organisation=organisation)
    program = ProgramFactory(
        organisation=organisation, name="Gensidig læring 2027", sponsor=admin, state="enrolling"
    )
    EnrolmentFactory(
        program=program,
        member__user=UserFactory(name="Henrik Sørensen"),
        side="experienced",
        generation="1965-1979",
    )
    return program


def test_flow_signup_link_and_profile_wizard_in_danish(
    page: Page, live_server: Any, program: Any, screenshot: Any
) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    signup = f"{live_server.url}/o/fjordlys/join/{program.signup_token}/"
    page.goto(signup)
    page.get_by_label("E-mailadresse").fill("ida@example.org")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tilmeld dig Gensidig læring 2027")
    page.get_by_role("button", name="Tilmeld mig").click()

    expect(page.get_by_role("heading", level=2)).to_have_text("Om dig")
    page.get_by_label("Ung: digitalt indfødt").check()
    page.get_by_label("Din generation").select_option("1995-2009")
    page.get_by_role("button", name="Gem og fortsæt").click()

    expect(page.get_by_role("heading", level=2)).to_have_text("Det kan jeg dele")
    page.get_by_label("Søg efter navn").fill("sociale")
    results = page.locator("#topic-results")
    expect(results.get_by_role("button")).to_have_count(1)  # filtered by htmx, no reload
    results.get_by_role("button", name="+ Sociale medier og trends").click()
    page.get_by_label("Sociale medier og trends").select_option("3")
    page.get_by_label("Andet, med dine egne ord").fill("AI-værktøjer")
    screenshot(page, "20-profile-share-da")
    page.get_by_role("button", name="Gem og fortsæt").click()

    expect(page.get_by_role("heading", level=2)).to_have_text("Det vil jeg lære")
    page.locator("#topic-results").get_by_role("button", name="+ Strategi").click()
    page.get_by_role("button", name="Gem og fortsæt").click()

    page.get_by_label("Dansk").check()
    page.get_by_label("Hvornår kan du mødes?").fill("Tirsdag formiddag")
    page.get_by_role("button", name="Gem og fortsæt").click()

    page.get_by_role(
        "group", name="Personer, du gerne vil have som partner (op til tre):"
    ).get_by_label("Henrik Sørensen").check()
    page.get_by_role("button", name="Gem og fortsæt").click()

    expect(page.get_by_text("Den erfarne partner booker møderne.")).to_be_visible()
    page.get_by_label("Jeg har læst rammerne og vil følge dem.").check()
    page.get_by_role("button", name="Gør min profil færdig").click()
    expect(page.get_by_role("status")).to_contain_text("Tak: din profil er færdig.")
    screenshot(page, "21-program-participant-da")

    enrolment = Enrolment.objects.get(member__user__email="ida@example.org")
    assert enrolment.profile_complete
    assert sorted(
        ProfileTopic.objects.filter(enrolment=enrolment).values_list("topic__slug", "kind", "level")
    ) == [("sociale-medier", "share", 3), ("strategi", "want", 2)]
    assert [w.member.user.name for w in enrolment.wishes.all()] == ["Henrik Sørensen"]
    assert errors == []
