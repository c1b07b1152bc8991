from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

from django import forms
from django.utils.translation import gettext_lazy as _

from gensidig.accounts.models import Organisation
from gensidig.identity.models import IdentityProvider, UnknownPeople
from gensidig.identity.queries import domain_taken_elsewhere

# Domains no company owns: vouching for them would let a provider speak for strangers.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "proton.me",
        "protonmail.com",
        "mail.dk",
        "jubii.dk",
    }
)
DOMAIN = re.compile(r"^(?=.{3,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$")
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class ProviderForm(forms.Form):
    name = forms.CharField(
        label=_("Provider name"),
        max_length=80,
        help_text=_("Shown on the button: “Log in with …”, for example Microsoft."),
    )
    issuer = forms.URLField(
        label=_("Issuer or discovery address"),
        max_length=400,
        assume_scheme="https",
        help_text=_(
            "For Microsoft Entra ID: https://login.microsoftonline.com/<tenant id>/v2.0. "
            "For Google: https://accounts.google.com."
        ),
    )
    client_id = forms.CharField(label=_("Client id"), max_length=200)
    secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
    )
    domains = forms.CharField(
        label=_("Email domains it vouches for"),
        help_text=_("Separated by commas, for example fjordlys.dk, fjordlys.com."),
    )
    password_login_allowed = forms.BooleanField(
        label=_("People of these domains may still log in with a password"), required=False
    )
    unknown_people = forms.ChoiceField(
        label=_("People of these domains who are not yet members"),
        choices=UnknownPeople.choices,
        widget=forms.RadioSelect,
    )
    enforces_mfa = forms.BooleanField(
        label=_("The provider enforces two-factor sign-in (then it counts here too)"),
        required=False,
    )
    enabled = forms.BooleanField(label=_("Switched on"), required=False)

    def __init__(
        self,
        *args: Any,
        organisation: Organisation,
        provider: IdentityProvider | None,
        **kwargs: Any,
    ) -> None:
        if provider is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": provider.name,
                    "issuer": provider.issuer,
                    "client_id": provider.client_id,
                    "domains": ", ".join(provider.domains),
                    "password_login_allowed": provider.password_login_allowed,
                    "unknown_people": provider.unknown_people,
                    "enforces_mfa": provider.enforces_mfa,
                    "enabled": provider.enabled,
                },
            )
        else:
            kwargs.setdefault(
                "initial",
                {
                    "password_login_allowed": True,
                    "unknown_people": UnknownPeople.REFUSE,
                    "enabled": True,
                },
            )
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.provider = provider
        secret = self.fields["secret"]
        if provider is not None and provider.secret_encrypted:
            secret.help_text = _("Stored encrypted. Leave empty to keep it.")
        else:
            secret.required = True

    def clean_issuer(self) -> str:
        issuer: str = self.cleaned_data["issuer"]
        parsed = urlparse(issuer)
        if parsed.scheme != "https" and parsed.hostname not in LOCAL_HOSTS:
            raise forms.ValidationError(_("The address must start with https://."))
        return issuer

    def clean_domains(self) -> list[str]:
        domains = sorted(
            {
                d.strip().lower().lstrip("@")
                for d in re.split(r"[,\s;]+", self.cleaned_data["domains"])
                if d.strip()
            }
        )
        if not domains:
            raise forms.ValidationError(_("Give at least one email domain."))
        for domain in domains:
            if not DOMAIN.match(domain):
                raise forms.ValidationError(
                    _("“%(domain)s” is not an email domain.") % {"domain": domain}
                )
            if domain in PUBLIC_MAIL_DOMAINS:
                raise forms.ValidationError(
                    _("“%(domain)s” is a public email service; no organisation can vouch for it.")
                    % {"domain": domain}
                )
            if domain_taken_elsewhere(domain, self.organisation):
                raise forms.ValidationError(
                    _("Another organisation's provider vouches for “%(domain)s” already.")
                    % {"domain": domain}
                )
        return domains


class MfaRuleForm(forms.Form):
    required = forms.BooleanField(
        label=_("Owners and administrators must use two-factor authentication"), required=False
    )


class ScimTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the token"),
        max_length=100,
        help_text=_("For example “Entra ID provisioning”."),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text=_("The 6 digits from your authenticator app, or one of your recovery codes."),
    )

    def clean_code(self) -> str:
        return re.sub(r"\s+", "", self.cleaned_data["code"])


class PasskeyNameForm(forms.Form):
    passkey = forms.IntegerField(widget=forms.HiddenInput, required=True, min_value=1)
    name = forms.CharField(
        label=_("Name of the passkey"),
        max_length=64,
        required=False,
        help_text=_("So you can tell your passkeys apart, for example “Work laptop”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
