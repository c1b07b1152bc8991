"""Company sign-in: an organisation's identity provider (single sign-on), its two-factor
rule, its SCIM tokens, and the bookkeeping that lets us end a person's sessions and count
requests for throttling.

Personal data kept here and why: which sessions belong to whom (to end them when a person is
switched off, erased or changes password), the SCIM directory's id and user name of a member
(so the company's directory can update the same person), and a hash of the address or IP
address a reset was asked for (to throttle; kept one day). Secrets are never stored in the
clear: the SSO client secret is encrypted, SCIM tokens are hashed."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gensidig.accounts.models import HashedToken, Member, Organisation, new_token

# What a SCIM token starts with (an API token starts with gsd_).
SCIM_TOKEN_PREFIX = "gss_"


class UnknownPeople(models.TextChoices):
    JOIN = "join", pgettext_lazy("sso", "Join as participants")
    REFUSE = "refuse", pgettext_lazy("sso", "Are refused")


class IdentityProvider(models.Model):
    """One OpenID Connect provider per organisation (Microsoft Entra ID, Google, Okta…)."""

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="identity_provider",
        verbose_name=_("organisation"),
    )
    name = models.CharField(
        _("provider name"),
        max_length=80,
        help_text=_("Shown on the button: “Log in with …”, for example Microsoft."),
    )
    issuer = models.URLField(
        _("issuer or discovery address"),
        max_length=400,
        help_text=_(
            "The issuer, for example https://login.microsoftonline.com/<tenant>/v2.0; "
            "/.well-known/openid-configuration is added when missing."
        ),
    )
    client_id = models.CharField(_("client id"), max_length=200)
    # Fernet-encrypted with a key derived from the secret key (identity.crypto).
    secret_encrypted = models.TextField(editable=False, blank=True)
    secret_hint = models.CharField(max_length=8, editable=False, blank=True)
    domains = models.JSONField(
        _("email domains"),
        default=list,
        help_text=_("The email domains this provider vouches for, for example fjordlys.dk."),
    )
    password_login_allowed = models.BooleanField(
        _("password login stays allowed for these domains"), default=True
    )
    unknown_people = models.CharField(
        _("people of these domains who are not yet members"),
        max_length=10,
        choices=UnknownPeople.choices,
        default=UnknownPeople.REFUSE,
    )
    enforces_mfa = models.BooleanField(
        _("the provider enforces two-factor sign-in"),
        default=False,
        help_text=_("Then a login through it counts as a verified second factor here."),
    )
    enabled = models.BooleanField(_("switched on"), default=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")

    def __str__(self) -> str:
        return self.name

    @property
    def discovery_url(self) -> str:
        url = self.issuer.rstrip("/")
        if "/.well-known/" not in url:
            url += "/.well-known/openid-configuration"
        return url


class OrganisationSecurity(models.Model):
    """An organisation's sign-in rules beyond single sign-on."""

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="security",
        verbose_name=_("organisation"),
    )
    require_mfa_for_managers = models.BooleanField(
        _("owners and administrators need two-factor authentication"), default=False
    )

    class Meta:
        verbose_name = _("sign-in rules")
        verbose_name_plural = _("sign-in rules")

    def __str__(self) -> str:
        return str(self.organisation)


class ScimToken(HashedToken):
    """A bearer token the company's directory uses at /scim/v2/: `gss_<secret>`. Only a
    hash is kept."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="scim_tokens",
        verbose_name=_("organisation"),
    )

    class Meta:
        verbose_name = _("SCIM token")
        verbose_name_plural = _("SCIM tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def new_raw(cls) -> tuple[str, str]:
        raw = SCIM_TOKEN_PREFIX + new_token()
        return raw, raw[:10]


class ScimLink(models.Model):
    """What the company's directory calls a member: its externalId and userName."""

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, related_name="scim", verbose_name=_("member")
    )
    external_id = models.CharField(_("directory id"), max_length=200, blank=True)
    user_name = models.CharField(_("directory user name"), max_length=200)
    # The attributes we publish in our User schema as the directory last sent them (name
    # parts, display name, addresses), so that it reads back what it wrote.
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    # Set when the directory deleted the user: the member is switched off, their history
    # stays, and SCIM answers 404 for them from then on.
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        verbose_name = _("directory link")
        verbose_name_plural = _("directory links")

    def __str__(self) -> str:
        return self.user_name


class UserSession(models.Model):
    """The session keys of a logged-in person, so that all of them can be ended at once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"session of {self.user_id}"


class RequestCount(models.Model):
    """One request that is rate-limited (password reset, activation): a scope and a hash of
    the address or IP address it counts against. Rows older than a day are deleted."""

    scope = models.CharField(max_length=40)
    key_hash = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["scope", "key_hash", "at"], name="request_count_lookup")]

    def __str__(self) -> str:
        return self.scope


def new_challenge() -> str:
    return new_token()[:32]


class DomainClaim(models.Model):
    """An email domain an organisation's provider vouches for, and the proof that the
    organisation owns it: a TXT record `gensidig-verification=<token>` at
    `_gensidig-challenge.<domain>`. Until it is verified the claim counts for nothing (no
    password-login block, no joining, blocks no other organisation)."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="domain_claims",
        verbose_name=_("organisation"),
    )
    domain = models.CharField(_("email domain"), max_length=253)
    token = models.CharField(max_length=64, default=new_challenge, editable=False)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    # How it was verified: "dns", looked up again every day (`gensidig recheck_domains`), or
    # "demo", the local demo's made-up domain, which no DNS server knows.
    proof = models.CharField(max_length=8, default="dns", editable=False)
    # Since when the daily check has not found the record of a verified domain; after
    # GENSIDIG_DOMAIN_GRACE_DAYS the verification is withdrawn.
    missing_since = models.DateTimeField(_("record missing since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("email domain claim")
        verbose_name_plural = _("email domain claims")
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "domain"], name="domain_claim_once_per_organisation"
            ),
            # One organisation at most owns a verified domain.
            models.UniqueConstraint(
                fields=["domain"],
                condition=models.Q(verified_at__isnull=False),
                name="domain_claim_verified_once",
            ),
        ]

    def __str__(self) -> str:
        return self.domain

    @property
    def record_name(self) -> str:
        return f"_gensidig-challenge.{self.domain}"

    @staticmethod
    def lapse_time(missing_since: datetime) -> datetime:
        """When a verified domain whose record has been missing since then stops being
        verified."""
        return missing_since + timedelta(days=settings.GENSIDIG_DOMAIN_GRACE_DAYS)

    @property
    def lapses_at(self) -> datetime | None:
        return None if self.missing_since is None else self.lapse_time(self.missing_since)

    @property
    def record_value(self) -> str:
        return f"gensidig-verification={self.token}"
