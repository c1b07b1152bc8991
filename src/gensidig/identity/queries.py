"""Reads for company sign-in."""

from __future__ import annotations

from django.db.models import QuerySet

from gensidig.accounts.models import Organisation
from gensidig.identity.models import IdentityProvider, OrganisationSecurity, ScimToken


def email_domain(email: str) -> str:
    return email.strip().lower().rpartition("@")[2]


def provider_for_email(email: str) -> IdentityProvider | None:
    """The switched-on provider that vouches for this address's domain, if any. A domain is
    vouched for by one organisation at most (the settings form makes sure)."""
    domain = email_domain(email)
    if not domain or "@" not in email:
        return None
    for provider in IdentityProvider.objects.filter(enabled=True).select_related("organisation"):
        if domain in provider.domains:
            return provider
    return None


def domain_taken_elsewhere(domain: str, organisation: Organisation) -> bool:
    return any(
        domain in provider.domains
        for provider in IdentityProvider.objects.exclude(organisation=organisation)
    )


def login_providers() -> QuerySet[IdentityProvider]:
    return IdentityProvider.objects.filter(enabled=True).select_related("organisation")


def provider_of(organisation: Organisation) -> IdentityProvider | None:
    return IdentityProvider.objects.filter(organisation=organisation).first()


def security_of(organisation: Organisation) -> OrganisationSecurity:
    return OrganisationSecurity.objects.filter(organisation=organisation).first() or (
        OrganisationSecurity(organisation=organisation)
    )


def scim_tokens_of(organisation: Organisation) -> QuerySet[ScimToken]:
    return ScimToken.objects.filter(organisation=organisation).select_related("created_by__user")
