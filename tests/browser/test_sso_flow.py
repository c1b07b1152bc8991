"""End to end in Chromium: log in through the organisation's OpenID Connect provider (a real
oidc-provider-mock process on 127.0.0.1)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from gensidig.accounts.models import Role
from gensidig.identity import actions
from gensidig.identity.models import DomainClaim, UnknownPeople
from tests.factories import MemberFactory, OrganisationFactory, UserFactory
from tests.identity.conftest import oidc_provider, set_user  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_flow_sso_login_through_the_provider_lands_on_the_dashboard(
    page: Page,
    live_server: Any,
    oidc_provider: str,  # noqa: F811
    screenshot: Any,
) -> None:
    organisation = OrganisationFactory(name="Fjordlys Møbler A/S", slug="fjordlys")
    owner = MemberFactory(
        organisation=organisation, user=UserFactory(email="mette@fjordlys.dk"), role=Role.OWNER
    )
    MemberFactory(
        organisation=organisation, user=UserFactory(email="lise@fjordlys.dk", name="Lise Lind")
    )
    actions.configure_provider(
        organisation=organisation,
        by=owner,
        name="Fjordlys ID",
        issuer=oidc_provider,
        client_id="gensidig-browser",
        secret="a-client-secret-for-the-browser",
        domains=["fjordlys.dk"],
        password_login_allowed=True,
        unknown_people=UnknownPeople.REFUSE,
        enforces_mfa=False,
        enabled=True,
    )
    claim = DomainClaim.objects.get(organisation=organisation, domain="fjordlys.dk")
    actions.mark_domain_verified(claim=claim, by=owner, how="test")
    set_user(oidc_provider, "lise-browser", email="lise@fjordlys.dk", email_verified=True)
    page.goto(f"{live_server.url}/login/")
    screenshot(page, "sso-01-login-da")
    page.get_by_role("link", name="Log ind med Fjordlys ID").click()
    page.get_by_label("Subject").fill("lise-browser")
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Velkommen, Lise")
    screenshot(page, "sso-02-dashboard-da")
