"""Writes for company sign-in: verb-first, keyword-only, one transaction each."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from gensidig.accounts.models import Member, Organisation, Role, User
from gensidig.accounts.queries import owners_of
from gensidig.accounts.security import log_security_event
from gensidig.common.email import send_templated_email
from gensidig.identity import crypto, dnscheck
from gensidig.identity.models import (
    DomainClaim,
    IdentityProvider,
    OrganisationSecurity,
    ScimToken,
    UnknownPeople,
)
from gensidig.identity.queries import domain_is_verified, domain_taken_elsewhere, email_domain


class SignInRefused(Exception):
    """A verified person the organisation does not let in; `reason` says why."""

    def __init__(self, reason: str, user: User | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.user = user


@dataclass(frozen=True)
class SignIn:
    user: User
    member: Member
    joined: bool


def _claim_true(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


@transaction.atomic
def sign_in_with_provider(*, provider: IdentityProvider, claims: dict[str, Any]) -> SignIn:
    """Find the member behind a provider's verified claims, or make one when the owner lets
    unknown people of a vouched domain join. The address must be of a domain the provider
    vouches for: that is what makes it a verified address here. An existing account that is
    not yet a member of the organisation is refused (it joins by invitation), so a provider
    can never take over an account that belongs to other organisations."""
    email = str(claims.get("email") or "").strip().lower()
    if not email or "@" not in email:
        raise SignInRefused("no-email")
    if "email_verified" in claims and not _claim_true(claims["email_verified"]):
        raise SignInRefused("email-unverified")
    if email_domain(email) not in provider.domains:
        raise SignInRefused("domain")
    organisation = provider.organisation
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        if not user.is_active:
            raise SignInRefused("switched-off", user)
        member = Member.objects.filter(organisation=organisation, user=user).first()
        if member is None:
            raise SignInRefused("not-member", user)
        if not member.is_active:
            raise SignInRefused("switched-off", user)
        return SignIn(user=user, member=member, joined=False)
    if provider.unknown_people != UnknownPeople.JOIN:
        raise SignInRefused("not-member")
    if not domain_is_verified(email_domain(email), organisation):
        # Only a domain the organisation has proved it owns lets strangers join.
        raise SignInRefused("domain-unverified")
    name = str(claims.get("name") or "").strip() or email.partition("@")[0]
    user = User.objects.create_user(email=email, password=None, name=name[:150])
    member = Member.objects.create(organisation=organisation, user=user, role=Role.PARTICIPANT)
    return SignIn(user=user, member=member, joined=True)


@transaction.atomic
def configure_provider(
    *,
    organisation: Organisation,
    by: Member,
    name: str,
    issuer: str,
    client_id: str,
    secret: str | None,
    domains: Iterable[str],
    password_login_allowed: bool,
    unknown_people: str,
    enforces_mfa: bool,
    enabled: bool,
    request: HttpRequest | None = None,
) -> IdentityProvider:
    """Create or change the organisation's provider. An empty `secret` keeps the stored one."""
    provider = IdentityProvider.objects.filter(organisation=organisation).first()
    created = provider is None
    if provider is None:
        provider = IdentityProvider(organisation=organisation)
    provider.name = name
    provider.issuer = issuer
    provider.client_id = client_id
    if secret:
        provider.secret_encrypted = crypto.encrypt(secret)
        provider.secret_hint = secret[-4:] if len(secret) >= 12 else ""
    provider.domains = sorted({d.strip().lower() for d in domains if d.strip()})
    provider.password_login_allowed = password_login_allowed
    provider.unknown_people = unknown_people
    provider.enforces_mfa = enforces_mfa
    provider.enabled = enabled
    provider.save()
    DomainClaim.objects.filter(organisation=organisation).exclude(
        domain__in=provider.domains
    ).delete()
    for domain in provider.domains:
        DomainClaim.objects.get_or_create(organisation=organisation, domain=domain)
    log_security_event(
        kind="sso-configured",
        organisation=organisation,
        actor_id=by.user_id,
        request=request,
        details={"created": created, "enabled": enabled, "secret_changed": bool(secret)},
    )
    return provider


@transaction.atomic
def remove_provider(
    *, organisation: Organisation, by: Member, request: HttpRequest | None = None
) -> None:
    deleted, _ = IdentityProvider.objects.filter(organisation=organisation).delete()
    DomainClaim.objects.filter(organisation=organisation).delete()
    if deleted:
        log_security_event(
            kind="sso-removed", organisation=organisation, actor_id=by.user_id, request=request
        )


class DomainNotVerified(Exception):
    """Why a domain check did not verify: `reason` is "no-record" (the TXT record is not
    there, or holds another value), "lookup-failed" (DNS did not answer) or "taken" (another
    organisation has verified the domain)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def record_published(claim: DomainClaim) -> bool:
    """Whether the claim's TXT record is in DNS now (outside any transaction: the lookup may
    take seconds). Raises dnscheck.LookupFailed when DNS does not answer."""
    records = dnscheck.txt_records(claim.record_name)
    return claim.record_value in {record.strip() for record in records}


def check_domain(
    *, claim: DomainClaim, by: Member, request: HttpRequest | None = None
) -> DomainClaim:
    """Look for the claim's TXT record and mark the domain verified when it is there;
    raises DomainNotVerified otherwise."""
    try:
        found = record_published(claim)
    except dnscheck.LookupFailed as error:
        DomainClaim.objects.filter(pk=claim.pk).update(checked_at=timezone.now())
        raise DomainNotVerified("lookup-failed") from error
    if not found:
        DomainClaim.objects.filter(pk=claim.pk).update(checked_at=timezone.now())
        raise DomainNotVerified("no-record")
    return mark_domain_verified(claim=claim, by=by, how="dns", request=request)


@transaction.atomic
def mark_domain_verified(
    *, claim: DomainClaim, by: Member | None, how: str, request: HttpRequest | None = None
) -> DomainClaim:
    """Record that the organisation owns the domain (`how`: "dns", or "demo" for the local
    demo's made-up domain). Refused when another organisation verified it first."""
    if claim.verified_at is not None:
        if claim.missing_since is not None:  # the record is back: the warning goes
            claim.missing_since = None
            claim.checked_at = timezone.now()
            claim.save(update_fields=["missing_since", "checked_at"])
        return claim
    if domain_taken_elsewhere(claim.domain, claim.organisation):
        raise DomainNotVerified("taken")
    now = timezone.now()
    claim.verified_at = now
    claim.checked_at = now
    claim.proof = how
    claim.missing_since = None
    try:
        with transaction.atomic():
            claim.save(update_fields=["verified_at", "checked_at", "proof", "missing_since"])
    except IntegrityError as error:  # verified elsewhere at the same moment
        raise DomainNotVerified("taken") from error
    log_security_event(
        kind="sso-domain-verified",
        organisation=claim.organisation,
        actor_id=by.user_id if by is not None else None,
        request=request,
        details={"domain": claim.domain, "how": how},
    )
    return claim


def recheck_domain(*, claim: DomainClaim, now: datetime | None = None) -> str:
    """Look again for a verified domain's TXT record (the daily `recheck_domains`), so that
    a domain the company lets go, or hands to another company, does not stay ours. Returns
    "kept" (the record is there), "missing" (gone: the owners are warned on the first day),
    "lapsed" (gone for GENSIDIG_DOMAIN_GRACE_DAYS: the verification is withdrawn) or
    "unknown" (DNS did not answer, which proves nothing either way: nothing changes)."""
    now = now or timezone.now()
    try:
        found = record_published(claim)
    except dnscheck.LookupFailed:
        DomainClaim.objects.filter(pk=claim.pk).update(checked_at=now)
        return "unknown"
    if found:
        DomainClaim.objects.filter(pk=claim.pk).update(checked_at=now, missing_since=None)
        return "kept"
    return record_domain_missing(claim=claim, now=now)


@transaction.atomic
def record_domain_missing(*, claim: DomainClaim, now: datetime) -> str:
    current = (
        DomainClaim.objects.select_for_update().select_related("organisation").get(pk=claim.pk)
    )
    if current.verified_at is None:
        return "lapsed"
    current.checked_at = now
    if current.missing_since is None:
        current.missing_since = now
        current.save(update_fields=["checked_at", "missing_since"])
        tell_owners_about_domain(
            current, "identity/email/domain_missing", until=current.lapse_time(now)
        )
        return "missing"
    if now < current.lapse_time(current.missing_since):
        current.save(update_fields=["checked_at"])
        return "missing"
    missing_since = current.missing_since
    current.verified_at = None
    current.missing_since = None
    current.save(update_fields=["checked_at", "verified_at", "missing_since"])
    log_security_event(
        kind="sso-domain-lapsed",
        organisation=current.organisation,
        details={
            "domain": current.domain,
            "missing_since": timezone.localtime(missing_since).date().isoformat(),
        },
    )
    tell_owners_about_domain(current, "identity/email/domain_lapsed", until=now)
    return "lapsed"


def tell_owners_about_domain(claim: DomainClaim, template: str, *, until: datetime) -> None:
    """Email the organisation's active owners, who alone manage its sign-in settings."""
    link = settings.SITE_URL + reverse("identity:settings", kwargs={"org": claim.organisation.slug})
    for owner in owners_of(claim.organisation_id):
        send_templated_email(
            to=owner.user.email,
            template=template,
            context={
                "organisation": claim.organisation.name,
                "domain": claim.domain,
                "record_name": claim.record_name,
                "until": timezone.localtime(until),
                "link": link,
            },
            language=owner.user.language,
        )


@transaction.atomic
def set_mfa_rule(
    *, organisation: Organisation, by: Member, required: bool, request: HttpRequest | None = None
) -> OrganisationSecurity:
    rules, _ = OrganisationSecurity.objects.get_or_create(organisation=organisation)
    if rules.require_mfa_for_managers != required:
        rules.require_mfa_for_managers = required
        rules.save(update_fields=["require_mfa_for_managers"])
        log_security_event(
            kind="mfa-rule-changed",
            organisation=organisation,
            actor_id=by.user_id,
            request=request,
            details={"required": required},
        )
    return rules


@transaction.atomic
def create_scim_token(
    *, organisation: Organisation, by: Member, name: str, request: HttpRequest | None = None
) -> tuple[ScimToken, str]:
    """Returns the token row and the raw token, which is shown once and never stored."""
    token, raw = ScimToken.issue(organisation=organisation, name=name, created_by=by)
    log_security_event(
        kind="scim-token-created",
        organisation=organisation,
        actor_id=by.user_id,
        request=request,
        details={"token_id": token.pk},
    )
    return token, raw


@transaction.atomic
def revoke_scim_token(*, token: ScimToken, by: Member, request: HttpRequest | None = None) -> None:
    if token.revoke():
        log_security_event(
            kind="scim-token-revoked",
            organisation=token.organisation,
            actor_id=by.user_id,
            request=request,
            details={"token_id": token.pk},
        )


def _log_for_each_organisation(
    *, kind: str, user: User, request: HttpRequest | None, details: dict[str, Any] | None = None
) -> None:
    organisations: list[Organisation | None] = [
        m.organisation for m in Member.objects.filter(user=user).select_related("organisation")
    ]
    for organisation in organisations or [None]:
        log_security_event(
            kind=kind,
            organisation=organisation,
            actor_id=user.pk,
            subject_id=user.pk,
            request=request,
            details=details,
        )


RECOVERY_CODES = 10


@transaction.atomic
def start_totp(*, user: User) -> TOTPDevice:
    """An unconfirmed authenticator-app key; it counts only once a code from it was right."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


@transaction.atomic
def confirm_totp(*, device: TOTPDevice, request: HttpRequest | None = None) -> list[str]:
    """Confirm the app and make ten recovery codes; returns the codes (shown once)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = make_recovery_codes(user=device.user)
    _log_for_each_organisation(kind="mfa-enabled", user=device.user, request=request)
    return codes


@transaction.atomic
def make_recovery_codes(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


@transaction.atomic
def renew_recovery_codes(*, user: User, request: HttpRequest | None = None) -> list[str]:
    """New recovery codes on the person's request; the old ones stop working."""
    codes = make_recovery_codes(user=user)
    _log_for_each_organisation(kind="mfa-recovery-codes", user=user, request=request)
    return codes


@transaction.atomic
def turn_off_mfa(*, user: User, request: HttpRequest | None = None) -> None:
    """Remove the authenticator app. The recovery codes go with it unless a passkey is left
    that they stand in for."""
    TOTPDevice.objects.filter(user=user).delete()
    if not WebAuthnCredential.objects.filter(user=user).exists():
        StaticDevice.objects.filter(user=user).delete()
    _log_for_each_organisation(kind="mfa-disabled", user=user, request=request)


PASSKEY_NAME_LENGTH = 64


@transaction.atomic
def record_passkey_added(
    *, credential: WebAuthnCredential, request: HttpRequest | None = None
) -> list[str]:
    """Log a passkey the library has just verified and stored. When it is the person's
    first second factor they also get recovery codes (returned, shown once), as with the
    authenticator app: a lost phone or key must not lock them out."""
    user = credential.user
    codes: list[str] = []
    if not StaticDevice.objects.filter(user=user, confirmed=True).exists():
        codes = make_recovery_codes(user=user)
    _log_for_each_organisation(
        kind="passkey-added",
        user=user,
        request=request,
        details={"passkey_id": credential.pk, "first_factor": bool(codes)},
    )
    return codes


@transaction.atomic
def rename_passkey(*, credential: WebAuthnCredential, name: str) -> None:
    credential.name = name.strip()[:PASSKEY_NAME_LENGTH]
    credential.save(update_fields=["name"])


@transaction.atomic
def remove_passkey(*, credential: WebAuthnCredential, request: HttpRequest | None = None) -> None:
    """Delete a passkey. When it was the person's last second factor the recovery codes go
    too (they stand in for a factor that no longer exists)."""
    user = credential.user
    passkey_id = credential.pk
    credential.delete()
    last = not (
        WebAuthnCredential.objects.filter(user=user).exists()
        or TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    )
    if last:
        StaticDevice.objects.filter(user=user).delete()
    _log_for_each_organisation(
        kind="passkey-removed",
        user=user,
        request=request,
        details={"passkey_id": passkey_id, "last_factor": last},
    )


def log_passkey_failure(*, user: User, reason: str, request: HttpRequest | None) -> None:
    _log_for_each_organisation(
        kind="passkey-failed", user=user, request=request, details={"reason": reason}
    )


def log_mfa_failure(*, user: User, request: HttpRequest | None) -> None:
    _log_for_each_organisation(kind="mfa-failed", user=user, request=request)


def log_sso_login(*, sign_in: SignIn, provider: IdentityProvider, request: HttpRequest) -> None:
    log_security_event(
        kind="sso-login",
        organisation=provider.organisation,
        actor_id=sign_in.user.pk,
        subject_id=sign_in.user.pk,
        request=request,
        details={"joined": sign_in.joined, "mfa_by_provider": provider.enforces_mfa},
    )


def log_sso_refused(
    *, provider: IdentityProvider, reason: str, user: User | None, request: HttpRequest
) -> None:
    log_security_event(
        kind="sso-refused",
        organisation=provider.organisation,
        subject_id=user.pk if user else None,
        request=request,
        details={"reason": reason},
    )
