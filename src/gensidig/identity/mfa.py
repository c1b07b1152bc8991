"""Two-factor authentication with django-otp: a time-based code from an authenticator app
(TOTP), passkeys (WebAuthn, django-otp-webauthn; see passkeys.py) and ten single-use
recovery codes. Our password login stays Django's own; a person with a second factor is
held at the code page right after it (see IdentityMiddleware), and django-otp marks the
session verified once a code or a passkey is right."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django_otp import user_has_device

from gensidig.accounts.models import MANAGING_ROLES, Member, User

SSO_MFA_KEY = "identity_mfa_by_provider"


def session_is_verified(request: HttpRequest) -> bool:
    if request.session.get(SSO_MFA_KEY):
        return True
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


def has_second_factor(user: User) -> bool:
    """Any confirmed django-otp device: the authenticator app, a passkey, recovery codes."""
    return user_has_device(user, confirmed=True)


def has_authenticator_app(user: User) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def passkeys_of(user: User) -> list[Any]:
    from django_otp_webauthn.models import WebAuthnCredential

    return list(WebAuthnCredential.objects.filter(user=user).order_by("created_at", "pk"))


def factors_besides(user: User, *, app: bool = False, passkey_id: int | None = None) -> bool:
    """Whether the person keeps a second factor (not counting recovery codes) without the
    authenticator app (`app=True`) or without the passkey `passkey_id`."""
    from django_otp_webauthn.models import WebAuthnCredential

    if not app and has_authenticator_app(user):
        return True
    return WebAuthnCredential.objects.filter(user=user).exclude(pk=passkey_id).exists()


def must_have_second_factor(user: User) -> bool:
    """An owner or administrator of an organisation that requires two-factor sign-in."""
    return Member.objects.filter(
        user=user,
        is_active=True,
        role__in=MANAGING_ROLES,
        organisation__security__require_mfa_for_managers=True,
    ).exists()


def qr_data_uri(url: str) -> str:
    """The otpauth:// address as a QR code, an SVG data URI (our CSP allows data: images)."""
    import segno

    return str(segno.make(url, error="m").svg_data_uri(scale=5, border=2))


def readable_key(device: object) -> str:
    """The key in base32, in groups of four, for typing into an app by hand."""
    import base64

    key = base64.b32encode(device.bin_key).decode().rstrip("=")  # type: ignore[attr-defined]
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def recovery_codes_left(user: User) -> int:
    from django_otp.plugins.otp_static.models import StaticToken

    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def recovery_codes(user: User) -> list[str]:
    from django_otp.plugins.otp_static.models import StaticToken

    return list(
        StaticToken.objects.filter(device__user=user, device__confirmed=True)
        .order_by("pk")
        .values_list("token", flat=True)
    )
