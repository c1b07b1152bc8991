"""Passkeys (WebAuthn) as a second factor, with django-otp-webauthn.

A passkey is a django-otp device like the authenticator app, so everything that asks
"does this person have a verified second factor?" (the two-factor gate, the owners' rule)
counts it without knowing about it. Passkeys are a second step only: the person has
given their password first (OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN is off).

The package's four JSON views are used through thin subclasses here, so that Gensidig
writes the security log (passkey added, a failed use) and answers with its own translated
messages; its scripts are served from its own static files.

The relying party (the site a passkey belongs to) is GENSIDIG_PASSKEY_RP_ID when set, else
the host the browser asked for, which ALLOWED_HOSTS has already vetted. The origin a
browser reports must be the request's own, so an assertion made for another site is
refused."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext
from django_otp_webauthn import exceptions
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

# Set after a person's first passkey when recovery codes were made for it: the naming step
# that follows shows them once.
NEW_CODES_KEY = "identity_passkey_new_codes"


def relying_party_id(request: HttpRequest) -> str:
    configured: str = settings.GENSIDIG_PASSKEY_RP_ID
    if configured:
        return configured
    host = request.get_host()
    if host.startswith("["):  # an IPv6 address (no passkey works on an address anyway)
        return host[1 : host.index("]")]
    return host.rpartition(":")[0] if ":" in host else host


def relying_party_name(request: HttpRequest) -> str:
    return str(settings.GENSIDIG_PASSKEY_RP_NAME)


def unusable_here(request: HttpRequest) -> str | None:
    """Browsers make and use passkeys only at a named address, never at an IP address: at
    127.0.0.1 (the local demo) this is the same page at `localhost`, where they work."""
    import ipaddress

    try:
        address = ipaddress.ip_address(relying_party_id(request))
    except ValueError:
        return None
    if not address.is_loopback:
        return None
    host = request.get_host()
    port = host.rpartition(":")[2] if ":" in host and not host.endswith("]") else ""
    return f"{request.scheme}://localhost{':' + port if port else ''}{request.get_full_path()}"


class PasskeyHelper(WebAuthnHelper):
    def get_allowed_origins(self) -> list[str]:
        return [f"{self.request.scheme}://{self.request.get_host()}"]


def display_name(credential: WebAuthnCredential) -> str:
    return credential.name or pgettext("a passkey without a name", "Passkey")


# What the person reads when a step fails: ours, translated, instead of the package's.
MESSAGES: dict[str, Any] = {
    "not_authenticated": _("Log in first."),
    "user_not_verified": _(
        "Confirm that it is you with your authenticator app or a passkey first, then add "
        "another passkey."
    ),
    "invalid_state": _("The step took too long or was started elsewhere. Try again."),
    "credential_not_found": _("This passkey is not known here. Perhaps it was removed?"),
    "credential_user_mismatch": _("This passkey belongs to someone else."),
    "credential_disabled": _("This passkey is switched off."),
    "user_disabled": _("This account is switched off."),
    "passwordless_login_disabled": _("Log in with your password first."),
}
FALLBACK = _("The passkey could not be checked. Try again, or use a code.")


def api_error(exc: exceptions.OTPWebAuthnApiError) -> JsonResponse:
    message = MESSAGES.get(exc.code, FALLBACK)
    return JsonResponse({"detail": str(message), "code": exc.code}, status=exc.status_code)


class RegistrationBegin(BeginCredentialRegistrationView):
    def handle_exception(self, exc: Exception) -> JsonResponse:
        if isinstance(exc, exceptions.OTPWebAuthnApiError):
            return api_error(exc)
        raise exc


class RegistrationComplete(CompleteCredentialRegistrationView):
    def handle_exception(self, exc: Exception) -> JsonResponse:
        if isinstance(exc, exceptions.OTPWebAuthnApiError):
            return api_error(exc)
        raise exc

    def post(self, *args: Any, **kwargs: Any) -> JsonResponse:
        from gensidig.identity import actions

        response: JsonResponse = super().post(*args, **kwargs)
        credential = WebAuthnCredential.objects.get(
            pk=response_id(response), user=self.request.user
        )
        codes = actions.record_passkey_added(credential=credential, request=self.request)
        if codes:
            self.request.session[NEW_CODES_KEY] = credential.pk
        return response


class AuthenticationBegin(BeginCredentialAuthenticationView):
    def handle_exception(self, exc: Exception) -> JsonResponse:
        if isinstance(exc, exceptions.OTPWebAuthnApiError):
            return api_error(exc)
        raise exc


class AuthenticationComplete(CompleteCredentialAuthenticationView):
    def handle_exception(self, exc: Exception) -> JsonResponse:
        if isinstance(exc, exceptions.OTPWebAuthnApiError):
            from gensidig.identity import actions

            user = self.request.user
            if user.is_authenticated:
                actions.log_passkey_failure(user=user, reason=exc.code, request=self.request)
            return api_error(exc)
        raise exc


def response_id(response: JsonResponse) -> int:
    import json

    return int(json.loads(response.content)["id"])
