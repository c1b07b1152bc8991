"""Personal data of company sign-in: directory links, session keys, two-factor devices
(passkeys too), SCIM tokens and the login-throttling records. See `gensidig.common.personal_data`.
Registered by h14a when the registry landed; the identity app's owners refine it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gensidig.common.personal_data import Person, exclude, register, register_export
from gensidig.common.retention import register_purge
from gensidig.identity.models import ScimLink, UserSession
from gensidig.identity.sessions import end_sessions


def export_two_factor(person: Person) -> list[dict[str, Any]]:
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_otp_webauthn.models import WebAuthnCredential

    rows: list[dict[str, Any]] = [
        {"kind": kind, "name": device.name, "confirmed": device.confirmed}
        for kind, model in (("authenticator app", TOTPDevice), ("recovery codes", StaticDevice))
        for device in model.objects.filter(user_id=person.user_id)
    ]
    rows.extend(
        {
            "kind": "passkey",
            "name": passkey.name,
            "confirmed": passkey.confirmed,
            "added": passkey.created_at.isoformat() if passkey.created_at else None,
            "last_used": passkey.last_used_at.isoformat() if passkey.last_used_at else None,
        }
        for passkey in WebAuthnCredential.objects.filter(user_id=person.user_id).order_by("pk")
    )
    return rows


def erase_two_factor(person: Person) -> None:
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_otp_webauthn.models import WebAuthnCredential, WebAuthnUserHandle

    if person.whole_account:
        TOTPDevice.objects.filter(user_id=person.user_id).delete()
        StaticDevice.objects.filter(user_id=person.user_id).delete()
        # A passkey's attestation goes with it (cascade).
        WebAuthnCredential.objects.filter(user_id=person.user_id).delete()
        WebAuthnUserHandle.objects.filter(user_id=person.user_id).delete()


for model in ("otp_totp.TOTPDevice", "otp_static.StaticDevice"):
    register(
        model,
        purpose="Two-factor authentication: an authenticator app's key or recovery codes.",
        basis="Legal obligation and legitimate interest: securing access to personal data.",
        retention="Until the person removes it or the account is erased.",
        section="two_factor",
        exported="Kind, name and whether confirmed; never the key or the codes.",
        erased="Deleted with the account.",
        erase=erase_two_factor,
    )
register(
    "django_otp_webauthn.WebAuthnCredential",
    purpose="Two-factor authentication with a passkey: its public key, id and use counter.",
    basis="Legal obligation and legitimate interest: securing access to personal data.",
    retention="Until the person removes it or the account is erased.",
    section="two_factor",
    exported="Name, when added and last used; never the key or the credential id.",
    erased="Deleted with the account.",
    erase=erase_two_factor,
)
register(
    "django_otp_webauthn.WebAuthnAttestation",
    purpose="What the passkey's authenticator said about itself when the passkey was made.",
    basis="Legitimate interest: securing the account.",
    retention="As its passkey.",
    section=None,
    exported="Not exported: technical data of the authenticator.",
    erased="Deleted with its passkey (cascade).",
)
register(
    "django_otp_webauthn.WebAuthnUserHandle",
    purpose="The random id a person's passkeys carry instead of their name or address.",
    basis="Legitimate interest: securing the account.",
    retention="While the account exists.",
    section=None,
    exported="Not exported: a random technical id.",
    erased="Deleted with the account.",
)
register_export("two_factor", export_two_factor)


def export_scim(person: Person) -> list[dict[str, Any]]:
    return [
        {
            "organisation": link.member.organisation.name,
            "directory_id": link.external_id,
            "directory_user_name": link.user_name,
            # Name parts, display name and addresses as the directory last sent them.
            "directory_attributes": link.data,
        }
        for link in ScimLink.objects.filter(member_id__in=person.member_ids).select_related(
            "member__organisation"
        )
    ]


def erase_scim(person: Person) -> None:
    ScimLink.objects.filter(member_id__in=person.member_ids).delete()


register(
    "identity.ScimLink",
    purpose="What the company's directory calls the member, so provisioning finds them.",
    basis="Legitimate interest of the employer provisioning its people.",
    retention="While a member.",
    section="directory_links",
    exported="Directory id, user name and the attributes the directory sent, per organisation.",
    erased="Deleted.",
    erase=erase_scim,
    order=60,
)
register_export("directory_links", export_scim)


def erase_user_sessions(person: Person) -> None:
    if person.whole_account:
        # The sessions with the keys: deleting the keys alone left the sessions they name
        # alive whenever this entry ran before the sessions' own (the keys find them).
        end_sessions(user_id=person.user_id)


def purge_session_keys(now: datetime) -> int:
    """A session key is kept as long as its session: once the session has expired (purged
    the same day by accounts' purger) or ended some other way, the key goes too."""
    from django.contrib.sessions.models import Session

    live = Session.objects.filter(expire_date__gte=now).values("session_key")
    return UserSession.objects.exclude(session_key__in=live).delete()[0]


register_purge("session keys", purge_session_keys)

register(
    "identity.UserSession",
    purpose="The keys of a person's sessions, so they can all be ended at once.",
    basis="Legitimate interest: securing the account.",
    retention="As the session: purged daily once the session has ended or expired.",
    exported="Not exported: technical keys.",
    erased="The sessions they name are ended and the keys deleted.",
    erase=erase_user_sessions,
)
register(
    "identity.ScimToken",
    purpose="The company directory's access to SCIM provisioning.",
    basis="Legitimate interest of the organisation; created by an owner.",
    retention="Until revoked.",
    section=None,
    exported="Not exported: the organisation's credential (its creator becomes empty on erasure).",
    erased="Kept for the organisation with its creator empty (SET_NULL).",
)
exclude(
    "identity.DomainClaim",
    "An email domain an organisation claims for single sign-on, its DNS challenge token and "
    "when it was verified: no person's data.",
)
exclude(
    "identity.IdentityProvider",
    "The organisation's OpenID Connect settings (issuer, client id, encrypted secret): no "
    "person's data.",
)


def erase_login_attempts(person: Person) -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__iexact=person.email).delete()


register(
    "axes.AccessAttempt",
    purpose="Count failed logins per address and IP address to stop password guessing.",
    basis="Legitimate interest: securing accounts.",
    retention="The cool-off period (AXES_COOLOFF_TIME).",
    exported="Not exported: a security counter.",
    erased="Rows for the person's address are deleted (also the failure and access logs).",
    erase=erase_login_attempts,
)
