"""The security-log kinds company sign-in writes, with their labels for the owners' log
(registered with accounts.security in IdentityConfig.ready, so the log and its filter show
them in the reader's language instead of their codes)."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

LABELS = {
    "sso-login": pgettext_lazy("security event", "Logged in with single sign-on"),
    "sso-refused": pgettext_lazy("security event", "Single sign-on refused"),
    "sso-configured": pgettext_lazy("security event", "Single sign-on set up or changed"),
    "sso-domain-verified": pgettext_lazy("security event", "Email domain verified"),
    "sso-domain-lapsed": pgettext_lazy(
        "security event", "Email domain no longer verified (its DNS record is gone)"
    ),
    "sso-removed": pgettext_lazy("security event", "Single sign-on removed"),
    "lockout": pgettext_lazy("security event", "Logins paused after failed attempts"),
    "mfa-enabled": pgettext_lazy("security event", "Authenticator app turned on"),
    "mfa-disabled": pgettext_lazy("security event", "Authenticator app turned off"),
    "mfa-failed": pgettext_lazy("security event", "Wrong two-factor code"),
    "mfa-recovery-codes": pgettext_lazy("security event", "New recovery codes made"),
    "mfa-rule-changed": pgettext_lazy("security event", "Two-factor rule changed"),
    "passkey-added": pgettext_lazy("security event", "Passkey added"),
    "passkey-removed": pgettext_lazy("security event", "Passkey removed"),
    "passkey-failed": pgettext_lazy("security event", "Passkey refused"),
    "scim-token-created": pgettext_lazy("security event", "SCIM token created"),
    "scim-token-revoked": pgettext_lazy("security event", "SCIM token revoked"),
    "scim-user-created": pgettext_lazy("security event", "Person created by the directory"),
    "scim-user-updated": pgettext_lazy("security event", "Person changed by the directory"),
    "scim-user-deactivated": pgettext_lazy(
        "security event", "Person switched off by the directory"
    ),
    "scim-user-reactivated": pgettext_lazy(
        "security event", "Person switched on again by the directory"
    ),
    "scim-user-deleted": pgettext_lazy("security event", "Person removed by the directory"),
}
