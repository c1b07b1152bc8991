"""Single sign-on per organisation against a real OpenID Connect provider on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from gensidig.accounts.models import Member, Role, SecurityEvent, User
from gensidig.identity import actions, mfa
from gensidig.identity.models import DomainClaim, IdentityProvider, UnknownPeople
from tests.factories import PASSWORD, MemberFactory, UserFactory
from tests.identity.conftest import CraftedProvider, set_user

pytestmark = pytest.mark.django_db

CLIENT_SECRET = "a-client-secret-of-the-test"


def configure(admin: Any, issuer: str, **changes: Any) -> IdentityProvider:
    options: dict[str, Any] = {
        "name": "Fjordlys ID",
        "issuer": issuer,
        "client_id": "gensidig-test",
        "secret": CLIENT_SECRET,
        "domains": ["fjordlys.dk"],
        "password_login_allowed": True,
        "unknown_people": UnknownPeople.REFUSE,
        "enforces_mfa": False,
        "enabled": True,
    }
    options.update(changes)
    provider = actions.configure_provider(organisation=admin.organisation, by=admin, **options)
    verify_domains(admin.organisation)
    return provider


def verify_domains(organisation: Any) -> None:
    """The fixture's domains are proved (in real life by a DNS TXT record)."""
    for claim in DomainClaim.objects.filter(organisation=organisation, verified_at=None):
        actions.mark_domain_verified(claim=claim, by=None, how="test")


def start(client: Client, org: str) -> str:
    response = client.post(reverse("identity:sso_start", kwargs={"org": org}))
    assert response.status_code == 302
    return str(response.url)


def sign_in_at_mock(client: Client, org: str, sub: str) -> Any:
    """Start at Gensidig, choose the identity at the provider, come back with the code."""
    authorize = start(client, org)
    answer = requests.post(authorize, data={"sub": sub}, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    back = urlparse(answer.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


def test_sso_existing_member_logs_in_by_verified_email(
    client: Client, admin: Any, young: Any, oidc_provider: str
) -> None:
    configure(admin, oidc_provider)
    person = MemberFactory(
        organisation=admin.organisation, user=UserFactory(email="lise@fjordlys.dk")
    )
    set_user(oidc_provider, "lise-1", email="Lise@Fjordlys.dk", email_verified=True, name="Lise")
    response = sign_in_at_mock(client, admin.organisation.slug, "lise-1")
    assert response.status_code == 302
    assert response.url == reverse("common:dashboard", kwargs={"org": admin.organisation.slug})
    assert client.session[SESSION_KEY] == str(person.user.pk)
    event = SecurityEvent.objects.get(kind="sso-login")
    assert event.subject_id == person.user.pk
    assert event.organisation == admin.organisation
    assert event.details == {"joined": False, "mfa_by_provider": False}


def test_sso_unknown_person_joins_as_participant_when_the_owner_chose_so(
    client: Client, admin: Any, oidc_provider: str
) -> None:
    configure(admin, oidc_provider, unknown_people=UnknownPeople.JOIN)
    set_user(oidc_provider, "ny-1", email="ny@fjordlys.dk", email_verified=True, name="Ny Kollega")
    response = sign_in_at_mock(client, admin.organisation.slug, "ny-1")
    assert response.status_code == 302
    member = Member.objects.get(user__email="ny@fjordlys.dk")
    assert member.organisation == admin.organisation
    assert member.role == Role.PARTICIPANT
    assert member.user.name == "Ny Kollega"
    assert not member.user.has_usable_password()


def test_sso_unknown_person_is_refused_with_a_clear_page(
    client: Client, admin: Any, oidc_provider: str
) -> None:
    configure(admin, oidc_provider)
    set_user(oidc_provider, "ny-2", email="fremmed@fjordlys.dk", email_verified=True)
    response = sign_in_at_mock(client, admin.organisation.slug, "ny-2")
    assert response.status_code == 403
    assert "Bed en administrator" in response.content.decode()
    assert not User.objects.filter(email="fremmed@fjordlys.dk").exists()
    assert SecurityEvent.objects.get(kind="sso-refused").details == {"reason": "not-member"}


def test_sso_account_of_another_organisation_is_not_taken_over(
    client: Client, admin: Any, outsider: Any, oidc_provider: str
) -> None:
    configure(admin, oidc_provider, unknown_people=UnknownPeople.JOIN)
    outsider.user.email = "otto@fjordlys.dk"
    outsider.user.save()
    set_user(oidc_provider, "otto", email="otto@fjordlys.dk", email_verified=True)
    response = sign_in_at_mock(client, admin.organisation.slug, "otto")
    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    assert not Member.objects.filter(organisation=admin.organisation, user=outsider.user).exists()


def test_sso_address_outside_the_vouched_domains_is_refused(
    client: Client, admin: Any, young: Any, oidc_provider: str
) -> None:
    configure(admin, oidc_provider)
    set_user(oidc_provider, "ung", email="ung@example.org", email_verified=True)
    response = sign_in_at_mock(client, admin.organisation.slug, "ung")
    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    assert SecurityEvent.objects.get(kind="sso-refused").details == {"reason": "domain"}


def test_sso_unverified_email_is_refused(client: Client, admin: Any, oidc_provider: str) -> None:
    configure(admin, oidc_provider, unknown_people=UnknownPeople.JOIN)
    set_user(oidc_provider, "unv", email="unv@fjordlys.dk", email_verified=False)
    response = sign_in_at_mock(client, admin.organisation.slug, "unv")
    assert response.status_code == 403
    assert SecurityEvent.objects.get(kind="sso-refused").details == {"reason": "email-unverified"}


def test_sso_deactivated_member_is_refused(client: Client, admin: Any, oidc_provider: str) -> None:
    configure(admin, oidc_provider)
    MemberFactory(
        organisation=admin.organisation, user=UserFactory(email="gone@fjordlys.dk"), is_active=False
    )
    set_user(oidc_provider, "gone", email="gone@fjordlys.dk", email_verified=True)
    response = sign_in_at_mock(client, admin.organisation.slug, "gone")
    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_sso_provider_enforcing_mfa_counts_as_second_factor(
    client: Client, admin: Any, oidc_provider: str
) -> None:
    configure(admin, oidc_provider, enforces_mfa=True)
    admin.user.email = "anne@fjordlys.dk"
    admin.user.save()
    actions.set_mfa_rule(organisation=admin.organisation, by=admin, required=True)
    set_user(oidc_provider, "anne", email="anne@fjordlys.dk", email_verified=True)
    sign_in_at_mock(client, admin.organisation.slug, "anne")
    assert client.session[mfa.SSO_MFA_KEY] is True
    page = client.get(reverse("accounts:members", kwargs={"org": admin.organisation.slug}))
    assert page.status_code == 200


def test_sso_next_address_is_followed_after_login(
    client: Client, admin: Any, oidc_provider: str
) -> None:
    configure(admin, oidc_provider)
    MemberFactory(organisation=admin.organisation, user=UserFactory(email="k@fjordlys.dk"))
    set_user(oidc_provider, "k", email="k@fjordlys.dk", email_verified=True)
    target = reverse("programs:list", kwargs={"org": admin.organisation.slug})
    client.post(
        reverse("identity:sso_start", kwargs={"org": admin.organisation.slug}), {"next": target}
    )
    authorize = start(client, admin.organisation.slug)
    client.session  # noqa: B018
    answer = requests.post(authorize, data={"sub": "k"}, allow_redirects=False, timeout=5)
    back = urlparse(answer.headers["Location"])
    response = client.get(f"{back.path}?{back.query}")
    assert response.url == target


def test_sso_login_page_shows_the_button_and_the_organisation_page_works(
    client: Client, admin: Any, oidc_provider: str
) -> None:
    configure(admin, oidc_provider)
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "Log ind med Fjordlys ID" in page
    own = client.get(reverse("identity:sso_page", kwargs={"org": admin.organisation.slug}))
    assert own.status_code == 200
    assert "Log ind med Fjordlys ID" in own.content.decode()


def test_sso_organisation_without_provider_answers_404(client: Client, admin: Any) -> None:
    for name in ("identity:sso_page", "identity:sso_callback"):
        assert client.get(reverse(name, kwargs={"org": admin.organisation.slug})).status_code == 404
    assert (
        client.post(
            reverse("identity:sso_start", kwargs={"org": admin.organisation.slug})
        ).status_code
        == 404
    )


def test_sso_only_domain_refuses_password_login_with_a_pointer(
    client: Client, admin: Any, oidc_provider: str
) -> None:
    configure(admin, oidc_provider, password_login_allowed=False)
    MemberFactory(organisation=admin.organisation, user=UserFactory(email="p@fjordlys.dk"))
    response = client.post(
        reverse("accounts:login"),
        {"username": "p@fjordlys.dk", "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="da",
    )
    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    assert "Log ind med Fjordlys ID" in response.content.decode()
    # Other addresses keep their password login.
    other = client.post(
        reverse("accounts:login"), {"username": "admin@example.org", "password": PASSWORD}
    )
    assert other.status_code == 302


# Refusals: each token problem gets the clear page and a security-log entry. ---------------


def craft(provider: CraftedProvider, client: Client, admin: Any, **changes: Any) -> Any:
    configure(admin, provider.issuer)
    MemberFactory(organisation=admin.organisation, user=UserFactory(email="c@fjordlys.dk"))
    authorize = urlparse(start(client, admin.organisation.slug))
    query = parse_qs(authorize.query)
    assert query["code_challenge_method"] == ["S256"]
    now = int(time.time())
    claims = {
        "iss": provider.issuer,
        "aud": "gensidig-test",
        "sub": "c",
        "email": "c@fjordlys.dk",
        "email_verified": True,
        "iat": now,
        "exp": now + 300,
        "nonce": query["nonce"][0],
    }
    tamper = changes.pop("tamper", False)
    state = changes.pop("state", query["state"][0])
    claims.update(changes)
    token = provider.sign(claims)
    if tamper:
        header, _payload, signature = token.split(".")
        claims["email"] = "admin@fjordlys.dk"
        forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        token = f"{header}.{forged}.{signature}"
    provider.id_token = token
    callback = reverse("identity:sso_callback", kwargs={"org": admin.organisation.slug})
    return client.get(callback, {"code": "abc", "state": state}, HTTP_ACCEPT_LANGUAGE="da")


def test_sso_crafted_valid_token_logs_in(
    client: Client, admin: Any, crafted_provider: CraftedProvider
) -> None:
    response = craft(crafted_provider, client, admin)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(User.objects.get(email="c@fjordlys.dk").pk)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"iss": "https://login.evil.example"}, "issuer"),
        ({"aud": "another-service"}, "audience"),
        # Authlib alone let this one in: another audience, with our client id as `azp`.
        ({"aud": "another-service", "azp": "gensidig-test"}, "audience"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "expired"),
        ({"tamper": True}, "signature"),
        ({"nonce": "not-the-one-we-sent"}, "nonce"),
        ({"state": "forged-state"}, "state"),
    ],
    ids=["issuer", "audience", "audience-with-azp", "expired", "tampered", "nonce", "state"],
)
def test_sso_untrustworthy_answer_is_refused_and_logged(
    client: Client,
    admin: Any,
    crafted_provider: CraftedProvider,
    changes: dict[str, Any],
    reason: str,
) -> None:
    response = craft(crafted_provider, client, admin, **changes)
    assert response.status_code == 403
    assert "kunne ikke stoles på" in response.content.decode()
    assert SESSION_KEY not in client.session
    event = SecurityEvent.objects.get(kind="sso-refused")
    assert event.details == {"reason": reason}
    assert event.organisation == admin.organisation


def test_sso_token_signed_by_another_key_is_refused(
    client: Client, admin: Any, crafted_provider: CraftedProvider
) -> None:
    from joserfc.jwk import RSAKey

    configure(admin, crafted_provider.issuer)
    authorize = parse_qs(urlparse(start(client, admin.organisation.slug)).query)
    now = int(time.time())
    crafted_provider.id_token = crafted_provider.sign(
        {
            "iss": crafted_provider.issuer,
            "aud": "gensidig-test",
            "sub": "x",
            "email": "admin@example.org",
            "iat": now,
            "exp": now + 300,
            "nonce": authorize["nonce"][0],
        },
        key=RSAKey.generate_key(2048, parameters={"kid": "test-key"}),
    )
    response = client.get(
        reverse("identity:sso_callback", kwargs={"org": admin.organisation.slug}),
        {"code": "abc", "state": authorize["state"][0]},
    )
    assert response.status_code == 403
    assert SecurityEvent.objects.get(kind="sso-refused").details == {"reason": "signature"}


def test_sso_invitation_and_password_still_work_outside_the_vouched_domains(
    client: Client, admin: Any, crafted_provider: CraftedProvider
) -> None:
    """A provider that closes password login for its own domain leaves everyone else's way
    in alone: an invited guest of another domain joins and logs in with a password."""
    from gensidig.accounts import actions as account_actions
    from gensidig.accounts.models import Role

    configure(admin, crafted_provider.issuer, password_login_allowed=False)
    _invitation, token = account_actions.invite_member(
        organisation=admin.organisation,
        email="gaest@example.org",
        role=Role.PARTICIPANT,
        invited_by=admin,
    )
    url = reverse("accounts:accept_invitation", kwargs={"token": token})
    joined = client.post(
        url, {"name": "Gitte Gæst", "password1": "sommerfugl-42x", "password2": "sommerfugl-42x"}
    )
    assert joined.status_code == 302
    client.post(reverse("accounts:logout"))
    again = client.post(
        reverse("accounts:login"), {"username": "gaest@example.org", "password": "sommerfugl-42x"}
    )
    assert again.status_code == 302
    assert client.session[SESSION_KEY] == str(User.objects.get(email="gaest@example.org").pk)
