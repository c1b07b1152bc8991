"""Issue 15's whole rollout path in one browser test, in Danish, at a phone and a desktop
viewport: the administrator imports a CSV into a program and sends activation invitations,
runs and publishes a round; two imported people open the link from their proposal email
(read from a real SMTP server on 127.0.0.1), set a password and accept; one of them books a
meeting with the other."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email import policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from gensidig.accounts.models import Role
from gensidig.matching.models import Pair
from gensidig.meetings.models import Meeting
from gensidig.programs.actions import seed_topics
from gensidig.programs.models import State
from tests.browser.test_matching_flow import log_in
from tests.factories import MemberFactory, OrganisationFactory, ProgramFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "Navn;E-mail;Afdeling;Leder;Rolle i parret;Generation;Sprog;Kan dele;Vil lære\n"
    "Ida Ung;ida@example.org;Marketing;;ung;1995-2009;da;Sociale medier og trends:3;Strategi:3\n"
    "Henrik Erfaren;henrik@example.org;Salg;;erfaren;1965-1979;da;Strategi:3;"
    "Sociale medier og trends:3\n"
    "Freja Nielsen;freja@example.org;Lager;;ung;1995-2009;da;AI-værktøjer:2;Ledelse:2\n"
    "Poul Jensen;poul@example.org;Produktion;;erfaren;1946-1964;da;Ledelse:3;AI-værktøjer:2\n"
)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, email.message.EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"

    def text(self, message: email.message.EmailMessage) -> str:
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        return str(body.get_content())  # type: ignore[attr-defined]

    def to(self, address: str, subject: str) -> email.message.EmailMessage:
        found = [m for m in self.messages if m["To"] == address and subject in str(m["Subject"])]
        assert found, [(m["To"], m["Subject"]) for m in self.messages]
        return found[-1]

    def link(self, address: str, subject: str) -> str:
        """The path of the one-time link in the newest such email (the site address in the
        email is the configured one; the live server has its own port)."""
        match = re.search(
            r"https?://[^/\s]+(/invitation/[^\s]+/)", self.text(self.to(address, subject))
        )
        assert match
        return match.group(1)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def inbox(settings: Any) -> Any:
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "use_tls": False},
        }
    }
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def program(transactional_db: None) -> Any:
    organisation = OrganisationFactory(name="Fjordlys Møbler A/S", slug="fjordlys")
    MemberFactory(
        organisation=organisation,
        role=Role.OWNER,
        user=UserFactory(email="admin@example.org", name="Mette Holm"),
    )
    seed_topics(organisation=organisation)
    return ProgramFactory(organisation=organisation, state=State.ENROLLING, name="Salg & IT 2027")


def confirm_if_asked(page: Page) -> None:
    """Actions that cannot be undone may ask first, in a native dialog: say yes."""
    dialog = page.locator("dialog.confirm-dialog")
    try:
        dialog.wait_for(state="visible", timeout=1500)
    except Exception:
        return
    dialog.get_by_role("button").first.click()


def activate_and_accept(
    browser: Browser, base: str, viewport: dict[str, int], path: str, name: str
) -> Page:
    context = browser.new_context(locale="da-DK", viewport=viewport)
    page = context.new_page()
    page.goto(base + path)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Velkommen til Gensidig")
    expect(page.get_by_label("Dit navn")).to_have_value(name)
    page.get_by_label("Vælg en adgangskode").fill("en-lang-adgangskode-1")
    page.get_by_label("Gentag adgangskoden").fill("en-lang-adgangskode-1")
    page.get_by_role("button", name="Aktivér min konto").click()
    expect(page.get_by_role("status")).to_contain_text("Din konto er klar.")
    # The proposal email's link goes on to the proposal itself.
    expect(page).to_have_url(re.compile(r"/o/fjordlys/programs/\d+/my-match/$"))
    page.get_by_role("button", name="Ja, lad os mødes").click()
    expect(page.get_by_role("status")).to_contain_text("Tak. Du har sagt ja.")
    return page


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_rollout_import_activate_match_publish_accept_and_meet(
    browser: Browser,
    live_server: Any,
    program: Any,
    inbox: Inbox,
    viewport: dict[str, int],
    screenshot: Any,
    tmp_path: Any,
) -> None:
    base = live_server.url
    size = "phone" if viewport == PHONE else "desktop"
    admin = browser.new_context(locale="da-DK", viewport=viewport).new_page()
    log_in(admin, base, "admin@example.org")

    # Import the CSV straight into the program.
    admin.goto(f"{base}/o/fjordlys/programs/{program.pk}/enrolments/")
    admin.get_by_role("link", name="Importér fra en fil").click()
    csv_file = tmp_path / "deltagere.csv"
    csv_file.write_bytes(CSV.encode("utf-8-sig"))
    admin.locator("#id_file").set_input_files(str(csv_file))
    admin.get_by_role("button", name="Importér").click()
    expect(admin.get_by_role("status")).to_contain_text("Importen er færdig: 4 nye")
    expect(admin.locator("tbody")).to_contain_text("importeret, venter på at personen bekræfter")
    screenshot(admin, f"30-rollout-imported-{size}-da")

    # Activation invitations for everyone not yet active, asked first.
    admin.get_by_role("link", name="Send aktiveringsinvitationer").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Send aktiveringsinvitationer")
    admin.get_by_role("button", name="Send 4 invitationer").click()
    expect(admin.get_by_role("status")).to_contain_text("aktiveringsinvitationer til 4 personer")
    assert inbox.to("ida@example.org", "Aktivér din Gensidig-konto hos Fjordlys Møbler A/S")
    admin.goto(f"{base}/o/fjordlys/members/")
    expect(admin.locator("tbody")).to_contain_text("inviteret")

    # Close enrolment, run and publish a round.
    admin.goto(f"{base}/o/fjordlys/programs/{program.pk}/")
    admin.get_by_role("button", name="Start matchningen").click()
    confirm_if_asked(admin)
    admin.goto(f"{base}/o/fjordlys/programs/{program.pk}/matching/")
    admin.get_by_role("button", name="Kør den første runde").click()
    expect(admin.get_by_role("status")).to_contain_text("Runde 1 er færdig.")
    expect(admin.locator(".proposal", has_text="Ida Ung")).to_contain_text("Henrik Erfaren")
    screenshot(admin, f"31-rollout-round-{size}-da")
    admin.get_by_role("button", name=re.compile(r"Offentliggør 2 forslag")).click()
    confirm_if_asked(admin)
    expect(admin.get_by_role("status")).to_contain_text("2 forslag er offentliggjort")

    # Two imported people open the link in their proposal email, set a password and accept.
    subject = "Din foreslåede partner i Salg & IT 2027"
    ida = activate_and_accept(
        browser, base, viewport, inbox.link("ida@example.org", subject), "Ida Ung"
    )
    screenshot(ida, f"32-rollout-ida-accepted-{size}-da")
    henrik = activate_and_accept(
        browser, base, viewport, inbox.link("henrik@example.org", subject), "Henrik Erfaren"
    )
    pair = Pair.objects.get(a__member__user__email="ida@example.org")
    assert pair.b.member is not None and pair.b.member.user.email == "henrik@example.org"
    assert inbox.to("ida@example.org", "Salg & IT 2027")

    # Henrik books a meeting; Ida confirms it.
    henrik.get_by_role("link", name="Gå til jeres pars side").click()
    when = timezone.localtime() + timedelta(days=3)
    henrik.get_by_text("Foreslå et møde").click()
    henrik.locator("input[name=starts_at]").fill(when.strftime("%Y-%m-%dT10:00"))
    henrik.locator("input[name=place]").fill("Kantinen")
    henrik.get_by_role("button", name="Foreslå mødet").click()
    expect(henrik.get_by_text("Mødet er foreslået. Din partner bekræfter det.")).to_be_visible()
    screenshot(henrik, f"33-rollout-meeting-proposed-{size}-da")
    ida.goto(f"{base}/o/fjordlys/pairs/{pair.pk}/")
    ida.get_by_role("button", name="Bekræft mødet").click()
    confirm_if_asked(ida)
    expect(ida.get_by_text("Mødet er bekræftet. I får begge en invitation.")).to_be_visible()
    assert Meeting.objects.get(pair=pair).status == Meeting.Status.CONFIRMED
    # Every page fits the viewport: nothing scrolls sideways.
    for page in (admin, ida, henrik):
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], (page.url, width)
