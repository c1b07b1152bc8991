"""Reads for company sign-in."""

from __future__ import annotations

from django.db.models import QuerySet

from gensidig.accounts.models import Member, Organisation
from gensidig.identity.models import (
    DomainClaim,
    IdentityProvider,
    OrganisationSecurity,
    ScimToken,
)


def email_domain(email: str) -> str:
    return email.strip().lower().rpartition("@")[2]


def provider_for_email(email: str) -> IdentityProvider | None:
    """The switched-on provider that vouches for this address's domain, if any. Only a
    domain the organisation has proved it owns counts (a verified claim), and one
    organisation at most holds a verified claim on a domain (a database constraint)."""
    domain = email_domain(email)
    if not domain or "@" not in email:
        return None
    claim = (
        DomainClaim.objects.filter(
            domain=domain,
            verified_at__isnull=False,
            organisation__identity_provider__enabled=True,
        )
        .select_related("organisation__identity_provider__organisation")
        .first()
    )
    if claim is None:
        return None
    provider: IdentityProvider = claim.organisation.identity_provider
    return provider if domain in provider.domains else None


def password_login_refused(email: str) -> IdentityProvider | None:
    """The provider a password login must go through instead: only for an account that is
    a member of the organisation owning the (verified) domain, when that organisation has
    switched password login off. Anyone else logs in with their password as before."""
    provider = provider_for_email(email)
    if provider is None or provider.password_login_allowed:
        return None
    is_member = Member.objects.filter(
        organisation_id=provider.organisation_id, user__email__iexact=email.strip()
    ).exists()
    return provider if is_member else None


def domain_is_verified(domain: str, organisation: Organisation) -> bool:
    return DomainClaim.objects.filter(
        organisation=organisation, domain=domain, verified_at__isnull=False
    ).exists()


def domain_taken_elsewhere(domain: str, organisation: Organisation) -> bool:
    """Another organisation has proved it owns the domain. An unverified claim blocks
    nobody: otherwise whoever typed a company's domain first would keep the company out."""
    return (
        DomainClaim.objects.filter(domain=domain, verified_at__isnull=False)
        .exclude(organisation=organisation)
        .exists()
    )


def domains_to_recheck() -> QuerySet[DomainClaim]:
    """The verified domains the daily check looks up: those proved by DNS (the demo's
    made-up domain is in no DNS)."""
    return DomainClaim.objects.filter(verified_at__isnull=False, proof="dns").order_by("pk")


def domain_claims_of(organisation: Organisation) -> QuerySet[DomainClaim]:
    return DomainClaim.objects.filter(organisation=organisation)


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
