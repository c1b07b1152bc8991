"""`gensidig sso_demo`: try single sign-on locally with one command.

Starts an OpenID Connect test provider (the `oidc-provider-mock` package, installed with the
test tools) on 127.0.0.1, points the demo organisation's single sign-on at it, and lists the
demo people it can log in as. Stop it with Ctrl-C; the demo keeps the settings."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

DEMO_PEOPLE = [
    ("admin@gensidig.example", "Mette Holm"),
    ("ung@gensidig.example", "Ida Nørgaard"),
    ("erfaren@gensidig.example", "Henrik Sørensen"),
    ("ny.kollega@gensidig.example", "Ny Kollega"),
]


class Command(BaseCommand):
    help = "Start a local OpenID Connect provider and point the demo organisation's SSO at it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=9400)

    def handle(self, *args: Any, port: int, **options: Any) -> None:
        from gensidig.accounts.models import Member, Role
        from gensidig.demo.builder import ORG_SLUG
        from gensidig.identity import actions
        from gensidig.identity.models import DomainClaim, UnknownPeople

        owner = (
            Member.objects.select_related("organisation")
            .filter(organisation__slug=ORG_SLUG, role=Role.OWNER, is_active=True)
            .first()
        )
        if owner is None:
            raise CommandError("Load the demo first: gensidig demo --no-serve")
        if importlib.util.find_spec("oidc_provider_mock") is None:
            raise CommandError(
                "Install the test provider first: pip install 'oidc-provider-mock==0.4.*'"
            )
        actions.configure_provider(
            organisation=owner.organisation,
            by=owner,
            name="Fjordlys ID (demo)",
            issuer=f"http://127.0.0.1:{port}",
            client_id="gensidig-demo",
            secret="gensidig-demo-client-secret",
            domains=["gensidig.example"],
            password_login_allowed=True,
            unknown_people=UnknownPeople.JOIN,
            enforces_mfa=False,
            enabled=True,
        )
        # gensidig.example has no DNS to publish a TXT record in (and the demo runs without
        # the internet): mark it verified directly, as only this local demo command does.
        claim = DomainClaim.objects.get(organisation=owner.organisation, domain="gensidig.example")
        try:
            actions.mark_domain_verified(claim=claim, by=owner, how="demo")
        except actions.DomainNotVerified as error:
            raise CommandError(
                "Another organisation has verified gensidig.example already."
            ) from error
        command = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port)]
        command += ["--require-nonce", "true"]
        for email, name in DEMO_PEOPLE:
            claims = {"sub": email, "email": email, "email_verified": True, "name": name}
            command += ["--user-claims", json.dumps(claims)]
        self.stdout.write(
            f"Single sign-on of {owner.organisation.name} now points at http://127.0.0.1:{port}.\n"
            "Open the login page, choose “Log ind med Fjordlys ID (demo)” and pick a person;\n"
            "ny.kollega@ is not a member yet and joins as a participant. The demo domain\n"
            "gensidig.example is marked verified directly (no DNS lookup; a real domain is\n"
            "verified by a TXT record). Ctrl-C stops it."
        )
        try:
            subprocess.run(command, check=False)
        except KeyboardInterrupt:
            sys.stdout.write("\n")
