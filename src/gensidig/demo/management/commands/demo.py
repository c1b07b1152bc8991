from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.test.utils import override_settings

from gensidig.accounts.models import Member, Organisation
from gensidig.api import actions as api_actions
from gensidig.api.models import ApiToken, Scope
from gensidig.demo.builder import DEMO_PASSWORD, LOGINS, build_demo

DEMO_TOKEN_NAME = "Demo (read)"


def demo_api_token(company: Organisation) -> str:
    """A fresh read token of the demo owner; the one from an earlier run is revoked, so
    running the demo again leaves one usable demo token."""
    owner = Member.objects.get(organisation=company, user__email=LOGINS[0].email)
    for old in ApiToken.objects.filter(organisation=company, name=DEMO_TOKEN_NAME, revoked_at=None):
        api_actions.revoke_token(token=old, by=owner)
    _token, raw = api_actions.create_token(by=owner, name=DEMO_TOKEN_NAME, scopes=[Scope.READ])
    return raw


class Command(BaseCommand):
    help = "Load (or refresh) the demo organisation and serve it on 127.0.0.1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Only load the data.")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, no_serve: bool, port: int, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        # The demo's people are fictional: the emails that building it would send (proposals,
        # confirmations) go nowhere instead of flooding the console.
        with override_settings(
            MAILERS={"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
        ):
            organisations = build_demo()
        company = organisations["company"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {company.name} with {company.members.count()} members."
            )
        )
        self.stdout.write(f"Log in at http://127.0.0.1:{port}/ with password {DEMO_PASSWORD!r}:")
        for login in LOGINS:
            self.stdout.write(f"  {login.email:<28} {login.description}")
        raw = demo_api_token(company)
        base = f"http://127.0.0.1:{port}/api/v1"
        # The raw token is printed here and stored nowhere: only its hash is kept.
        self.stdout.write(
            f"API: a read token of {company.name}, shown only now "
            f"(make others under API tokens); the docs are at {base}/docs"
        )
        self.stdout.write(f'  curl -H "Authorization: Bearer {raw}" {base}/programs')
        if not no_serve:
            call_command("serve", port=port)
