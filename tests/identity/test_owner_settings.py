"""The owners' sign-in page: single sign-on settings, the two-factor rule, SCIM tokens."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from gensidig.accounts.models import Role, SecurityEvent, hash_token
from gensidig.identity import actions
from gensidig.identity.models import DomainClaim, IdentityProvider, ScimToken
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Microsoft",
    "issuer": "https://login.microsoftonline.com/tenant/v2.0",
    "client_id": "abc-123",
    "secret": "the-very-secret-value-9876",
    "domains": "Fjordlys.dk, @fjordlys.com",
    "password_login_allowed": "on",
    "unknown_people": "join",
    "enabled": "on",
}


def url(name: str, organisation: Any, **kwargs: Any) -> str:
    return reverse(name, kwargs={"org": organisation.slug, **kwargs})


def test_settings_owner_saves_provider_and_the_secret_is_never_shown(
    login: Any, admin: Any
) -> None:
    client = login(admin)
    response = client.post(url("identity:provider", admin.organisation), FORM)
    assert response.status_code == 302
    provider = IdentityProvider.objects.get(organisation=admin.organisation)
    assert provider.domains == ["fjordlys.com", "fjordlys.dk"]
    assert "the-very-secret" not in provider.secret_encrypted
    page = client.get(url("identity:settings", admin.organisation)).content.decode()
    assert "the-very-secret-value" not in page
    assert "••••9876" in page
    form = client.get(url("identity:provider", admin.organisation)).content.decode()
    assert "the-very-secret-value" not in form
    assert SecurityEvent.objects.get(kind="sso-configured").details == {
        "created": True,
        "enabled": True,
        "secret_changed": True,
    }


def test_settings_empty_secret_keeps_the_stored_one(login: Any, admin: Any) -> None:
    client = login(admin)
    client.post(url("identity:provider", admin.organisation), FORM)
    stored = IdentityProvider.objects.get().secret_encrypted
    client.post(
        url("identity:provider", admin.organisation), {**FORM, "secret": "", "name": "Entra"}
    )
    provider = IdentityProvider.objects.get()
    assert provider.secret_encrypted == stored
    assert provider.name == "Entra"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"issuer": "http://login.example.com"}, "issuer"),
        ({"domains": "gmail.com"}, "domains"),
        ({"domains": "not a domain"}, "domains"),
        ({"secret": ""}, "secret"),
    ],
)
def test_settings_provider_form_refuses_bad_values(
    login: Any, admin: Any, changes: dict[str, str], field: str
) -> None:
    response = login(admin).post(url("identity:provider", admin.organisation), {**FORM, **changes})
    assert response.status_code == 200
    assert field in response.context["form"].errors


def test_settings_domain_of_another_organisation_is_refused(
    login: Any, admin: Any, outsider: Any
) -> None:
    login(outsider).post(url("identity:provider", outsider.organisation), FORM)
    for claim in DomainClaim.objects.filter(organisation=outsider.organisation):
        actions.mark_domain_verified(claim=claim, by=outsider, how="test")
    response = login(admin).post(url("identity:provider", admin.organisation), FORM)
    assert "domains" in response.context["form"].errors


def test_settings_only_owners_reach_them(login: Any, admin: Any, young: Any) -> None:
    other_admin = MemberFactory(organisation=admin.organisation, role=Role.ADMIN)
    for person in (young, other_admin):
        client = login(person)
        assert client.get(url("identity:settings", admin.organisation)).status_code == 403
        assert client.post(url("identity:provider", admin.organisation), FORM).status_code == 403
    assert not IdentityProvider.objects.exists()


def test_settings_remove_provider(login: Any, admin: Any) -> None:
    client = login(admin)
    client.post(url("identity:provider", admin.organisation), FORM)
    client.post(url("identity:provider_remove", admin.organisation))
    assert not IdentityProvider.objects.exists()
    assert SecurityEvent.objects.filter(kind="sso-removed").count() == 1


def test_settings_scim_token_is_shown_once_stored_hashed_and_revocable(
    login: Any, admin: Any
) -> None:
    client = login(admin)
    response = client.post(url("identity:scim_token_create", admin.organisation), {"name": "Entra"})
    raw = response.context["raw"]
    token = ScimToken.objects.get()
    assert token.token_hash == hash_token(raw)
    assert raw not in client.get(url("identity:settings", admin.organisation)).content.decode()
    client.post(url("identity:scim_token_revoke", admin.organisation, scim_token_id=token.pk))
    token.refresh_from_db()
    assert token.revoked_at is not None
    kinds = list(SecurityEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["scim-token-created", "scim-token-revoked"]


def test_settings_scim_token_without_name_is_refused(login: Any, admin: Any) -> None:
    response = login(admin).post(
        url("identity:scim_token_create", admin.organisation), {"name": ""}
    )
    assert response.status_code == 302
    assert not ScimToken.objects.exists()
