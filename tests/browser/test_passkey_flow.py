"""End to end in Chromium: add a passkey with the browser's virtual authenticator (Chrome
DevTools Protocol, WebAuthn domain), then log in with the password and the passkey as the
second step. The live server listens on 127.0.0.1; the browser calls it `localhost`,
because browsers make passkeys only at a named address, never at an IP address."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import Page, expect

from gensidig.accounts.models import Role, SecurityEvent
from gensidig.identity import actions
from tests.browser.test_matching_flow import log_in, log_out
from tests.factories import MemberFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def virtual_authenticator(page: Page) -> tuple[Any, str]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    answer = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, answer["authenticatorId"]


def test_flow_passkey_added_then_used_as_the_second_step(
    page: Page, live_server: Any, screenshot: Any
) -> None:
    assert live_server.thread.host in ("localhost", "127.0.0.1")
    assert live_server.thread.httpd.server_address[0] == "127.0.0.1"
    base = f"http://localhost:{live_server.thread.port}"
    organisation = OrganisationFactory(name="Fjordlys Møbler A/S", slug="fjordlys")
    admin = MemberFactory(
        organisation=organisation,
        user=UserFactory(email="mette@example.org", name="Mette Holm"),
        role=Role.ADMIN,
    )
    actions.set_mfa_rule(organisation=organisation, by=admin, required=True)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    requested: set[str] = set()
    page.on("request", lambda request: requested.add(request.url.split("/")[2]))
    cdp, authenticator = virtual_authenticator(page)

    # The owners' rule holds the administrator at the set-up page; a passkey does.
    log_in(page, base, "mette@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Slå totrinsbekræftelse til")
    page.get_by_label("Adgangsnøglens navn").fill("Arbejdslaptop")
    screenshot(page, "passkey-01-setup-da")
    page.get_by_role("button", name="Tilføj en adgangsnøgle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dine gendannelseskoder")
    assert len(page.locator(".recovery-codes li").all()) == 10
    credential = WebAuthnCredential.objects.get(user=admin.user)
    assert credential.name == "Arbejdslaptop"
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(stored["credentials"]) == 1

    page.goto(f"{base}/account/two-factor/")
    expect(page.locator(".passkeys")).to_contain_text("Arbejdslaptop")
    screenshot(page, "passkey-02-list-da")

    # Next login: the password, then the passkey.
    log_out(page)
    log_in(page, base, "mette@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bekræft, at det er dig")
    screenshot(page, "passkey-03-verify-da")
    page.get_by_role("button", name="Brug din adgangsnøgle").click()
    expect(page).to_have_url(re.compile(r"/o/fjordlys/$|/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Velkommen, Mette")
    page.goto(f"{base}/o/fjordlys/members/")
    expect(page).to_have_url(re.compile(r"/o/fjordlys/members/$"))
    credential.refresh_from_db()
    assert credential.last_used_at is not None
    assert credential.sign_count >= 1

    # Removing it asks first; as the administrator's only factor under the rule it stays.
    page.goto(f"{base}/account/two-factor/")
    page.get_by_role("button", name="Fjern Arbejdslaptop").click()
    expect(page.locator(".messages")).to_contain_text("din sidste måde")
    assert WebAuthnCredential.objects.filter(user=admin.user).count() == 1
    assert SecurityEvent.objects.filter(kind="passkey-added").count() == 1
    assert requested == {f"localhost:{live_server.thread.port}"}
    assert errors == []
