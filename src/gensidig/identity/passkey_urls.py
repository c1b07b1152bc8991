"""django-otp-webauthn's JSON endpoints under its own namespace (its template tags reverse
`otp_webauthn:…`), pointing at our subclasses in passkeys.py, and its script catalogue."""

from django.urls import path
from django.views.i18n import JavaScriptCatalog

from gensidig.identity import passkeys

app_name = "otp_webauthn"

urlpatterns = [
    path(
        "registration/begin/",
        passkeys.RegistrationBegin.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        passkeys.RegistrationComplete.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        passkeys.AuthenticationBegin.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        passkeys.AuthenticationComplete.as_view(),
        name="credential-authentication-complete",
    ),
    # The package's script strings; the Danish ones are in our locale's djangojs catalogue.
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
