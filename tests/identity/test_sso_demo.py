"""`gensidig sso_demo` points the demo organisation at a local provider and starts it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command

from gensidig.accounts.models import Role
from gensidig.identity.models import DomainClaim, IdentityProvider
from tests.factories import MemberFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_sso_demo_configures_the_demo_organisation_and_starts_the_provider(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    organisation = OrganisationFactory(slug="fjordlys")
    MemberFactory(organisation=organisation, role=Role.OWNER)
    started: list[list[str]] = []
    monkeypatch.setattr(
        "gensidig.identity.management.commands.sso_demo.subprocess.run",
        lambda command, check: started.append(command),
    )
    call_command("sso_demo", "--port", "9511")
    provider = IdentityProvider.objects.get(organisation=organisation)
    assert provider.issuer == "http://127.0.0.1:9511"
    assert provider.domains == ["gensidig.example"]
    # The demo domain has no DNS: the command marks it verified directly.
    assert DomainClaim.objects.get(organisation=organisation).verified_at is not None
    assert started[0][1:7] == [
        "-m",
        "oidc_provider_mock",
        "--port",
        "9511",
        "--require-nonce",
        "true",
    ]
    assert any('"email": "ung@gensidig.example"' in part for part in started[0])


def test_sso_demo_without_the_demo_says_what_to_do(db: Any) -> None:
    with pytest.raises(CommandError, match="gensidig demo"):
        call_command("sso_demo")
