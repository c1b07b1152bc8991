from django.urls import path

from gensidig.identity import views

app_name = "identity"

urlpatterns = [
    path("sso/<slug:org>/", views.sso_page, name="sso_page"),
    path("sso/<slug:org>/start/", views.sso_start, name="sso_start"),
    path("sso/<slug:org>/callback/", views.sso_callback, name="sso_callback"),
    path("login/verify/", views.mfa_verify, name="mfa_verify"),
    path("account/two-factor/", views.mfa_status, name="mfa"),
    path("account/two-factor/set-up/", views.mfa_setup, name="mfa_setup"),
    path("account/two-factor/off/", views.mfa_off, name="mfa_off"),
    path("account/two-factor/recovery-codes/", views.mfa_new_codes, name="mfa_new_codes"),
    path("account/two-factor/passkeys/name/", views.passkey_name, name="passkey_name"),
    path(
        "account/two-factor/passkeys/<int:passkey_id>/remove/",
        views.passkey_remove,
        name="passkey_remove",
    ),
    path("o/<slug:org>/sign-in/", views.settings_page, name="settings"),
    path("o/<slug:org>/sign-in/sso/", views.provider_edit, name="provider"),
    path("o/<slug:org>/sign-in/sso/remove/", views.provider_remove, name="provider_remove"),
    path(
        "o/<slug:org>/sign-in/sso/domains/<int:claim_id>/check/",
        views.domain_check,
        name="domain_check",
    ),
    path("o/<slug:org>/sign-in/two-factor/", views.mfa_rule, name="mfa_rule"),
    path("o/<slug:org>/sign-in/scim-tokens/", views.scim_token_create, name="scim_token_create"),
    path(
        "o/<slug:org>/sign-in/scim-tokens/<int:scim_token_id>/revoke/",
        views.scim_token_revoke,
        name="scim_token_revoke",
    ),
]
