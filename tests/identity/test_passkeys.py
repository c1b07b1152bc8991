"""Passkeys (django-otp-webauthn) as a second factor: adding, naming, listing and removing
one, the second step of a login, the owners' two-factor rule, and who may do what. The
browser sends what tests/identity/softkey.py makes here; tests/browser/test_passkey_flow.py
does the same with Chromium's virtual authenticator."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp_webauthn.models import WebAuthnCredential, WebAuthnUserHandle

from gensidig.accounts.erasure import erase_account
from gensidig.accounts.models import SecurityEvent
from gensidig.common.personal_data import REGISTRY
from gensidig.identity import actions
from tests.factories import PASSWORD
from tests.identity.softkey import SoftPasskey
from tests.identity.test_mfa import code_for, password_login, turn_on

pytestmark = pytest.mark.django_db

BEGIN_REGISTRATION = reverse("otp_webauthn:credential-registration-begin")
COMPLETE_REGISTRATION = reverse("otp_webauthn:credential-registration-complete")
BEGIN_AUTHENTICATION = reverse("otp_webauthn:credential-authentication-begin")
COMPLETE_AUTHENTICATION = reverse("otp_webauthn:credential-authentication-complete")


def post_json(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(
        url, data=json.dumps(body or {}), content_type="application/json", secure=False
    )


def add_passkey(client: Client, key: SoftPasskey | None = None, name: str = "") -> SoftPasskey:
    """Register a passkey for the logged-in person, as the page's script does, and name it."""
    key = key or SoftPasskey()
    options = post_json(client, BEGIN_REGISTRATION)
    assert options.status_code == 200, options.content
    done = post_json(client, COMPLETE_REGISTRATION, key.registration(options.json()))
    assert done.status_code == 200, done.content
    if name:
        client.post(reverse("identity:passkey_name"), {"passkey": done.json()["id"], "name": name})
    return key


def use_passkey(client: Client, key: SoftPasskey, next_url: str = "", **forge: Any) -> Any:
    options = post_json(client, BEGIN_AUTHENTICATION)
    assert options.status_code == 200, options.content
    url = COMPLETE_AUTHENTICATION + (f"?next={next_url}" if next_url else "")
    return post_json(client, url, key.assertion(options.json(), **forge))


def test_passkey_added_is_named_listed_and_logged(client: Client, young: Any) -> None:
    password_login(client, "ung@example.org")
    options = post_json(client, BEGIN_REGISTRATION).json()
    assert options["rp"] == {"name": "Gensidig", "id": "testserver"}
    key = SoftPasskey()
    done = post_json(client, COMPLETE_REGISTRATION, key.registration(options))
    assert done.status_code == 200
    credential = WebAuthnCredential.objects.get(user=young.user)
    assert done.json()["id"] == credential.pk
    # The first passkey brings recovery codes, shown once at the naming step.
    response = client.post(
        reverse("identity:passkey_name"), {"passkey": credential.pk, "name": "Arbejdslaptop"}
    )
    assert response.status_code == 200
    assert len(response.context["codes"]) == 10
    credential.refresh_from_db()
    assert credential.name == "Arbejdslaptop"
    page = client.get(reverse("identity:mfa"))
    assert page.context["enabled"]
    assert [name for _passkey, name in page.context["passkeys"]] == ["Arbejdslaptop"]
    assert "Arbejdslaptop" in page.content.decode()
    event = SecurityEvent.objects.get(kind="passkey-added")
    assert event.subject_id == young.user.pk
    assert event.organisation == young.organisation
    assert event.details == {"passkey_id": credential.pk, "first_factor": True}


def test_passkey_page_serves_the_package_scripts_from_our_static_files(
    client: Client, young: Any
) -> None:
    password_login(client, "ung@example.org")
    html = client.get(reverse("identity:mfa")).content.decode()
    assert 'src="/static/django_otp_webauthn/otp_webauthn_register.js"' in html
    assert 'src="/static/identity/passkeys.js"' in html
    assert "http" not in html.split('id="otp_webauthn_config"')[1].split("</script>")[0]
    catalogue = client.get(reverse("otp_webauthn:js-i18n-catalog"), HTTP_ACCEPT_LANGUAGE="da")
    assert catalogue.status_code == 200
    assert "Registrering lykkedes!" in catalogue.content.decode()


def test_passkey_second_name_keeps_the_recovery_codes(client: Client, young: Any) -> None:
    _device, codes = turn_on(young.user)
    password_login(client, "ung@example.org")
    device = young.user.totpdevice_set.get()
    client.post(reverse("identity:mfa_verify"), {"code": code_for(device)})
    add_passkey(client)
    credential = WebAuthnCredential.objects.get(user=young.user)
    response = client.post(
        reverse("identity:passkey_name"), {"passkey": credential.pk, "name": "Telefon"}
    )
    assert response.status_code == 302
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(codes)
    assert SecurityEvent.objects.get(kind="passkey-added").details["first_factor"] is False


def test_passkey_cannot_be_added_before_the_existing_factor_is_used(
    client: Client, young: Any
) -> None:
    turn_on(young.user)
    password_login(client, "ung@example.org")
    response = post_json(client, BEGIN_REGISTRATION)
    assert response.status_code == 403
    assert response.json()["code"] == "user_not_verified"


def test_passkey_is_the_second_step_of_a_login(client: Client, young: Any) -> None:
    password_login(client, "ung@example.org")
    key = add_passkey(client, name="Laptop")
    client.post(reverse("accounts:logout"))
    password_login(client, "ung@example.org")
    dashboard = reverse("common:dashboard", kwargs={"org": young.organisation.slug})
    held = client.get(dashboard)
    assert held.url.startswith(reverse("identity:mfa_verify"))
    verify_page = client.get(held.url)
    assert verify_page.context["passkey"]
    assert 'id="passkey-verification-button"' in verify_page.content.decode()
    response = use_passkey(client, key, next_url=dashboard)
    assert response.status_code == 200
    assert response.json()["redirect_url"] == dashboard
    assert client.get(dashboard).status_code == 200
    assert WebAuthnCredential.objects.get(user=young.user).last_used_at is not None


def test_passkey_holder_may_still_use_a_recovery_code(client: Client, young: Any) -> None:
    password_login(client, "ung@example.org")
    add_passkey(client)
    code = StaticToken.objects.filter(device__user=young.user).first()
    assert code is not None
    client.post(reverse("accounts:logout"))
    password_login(client, "ung@example.org")
    response = client.post(reverse("identity:mfa_verify"), {"code": code.token})
    assert response.status_code == 302
    dashboard = reverse("common:dashboard", kwargs={"org": young.organisation.slug})
    assert client.get(dashboard).status_code == 200


def test_passkey_forged_signature_is_refused_and_logged(client: Client, young: Any) -> None:
    password_login(client, "ung@example.org")
    key = add_passkey(client)
    client.post(reverse("accounts:logout"))
    password_login(client, "ung@example.org")
    response = use_passkey(client, key, signing_key=ec.generate_private_key(ec.SECP256R1()))
    assert response.status_code == 422
    assert response.json()["detail"]
    event = SecurityEvent.objects.get(kind="passkey-failed")
    assert event.subject_id == young.user.pk
    assert event.details == {"reason": "invalid_authentication_response"}
    dashboard = reverse("common:dashboard", kwargs={"org": young.organisation.slug})
    assert client.get(dashboard).status_code == 302


def test_passkey_from_another_origin_is_refused(client: Client, young: Any) -> None:
    password_login(client, "ung@example.org")
    key = add_passkey(client)
    client.post(reverse("accounts:logout"))
    password_login(client, "ung@example.org")
    response = use_passkey(client, key, origin="http://evil.example")
    assert response.status_code == 422
    assert SecurityEvent.objects.filter(kind="passkey-failed").count() == 1


def test_passkey_of_someone_else_is_refused_at_login(
    client: Client, young: Any, experienced: Any
) -> None:
    password_login(client, "ung@example.org")
    key = add_passkey(client)
    other = Client()
    password_login(other, "erfaren@example.org")
    add_passkey(other)
    other.post(reverse("accounts:logout"))
    password_login(other, "erfaren@example.org")
    response = use_passkey(other, key)
    assert response.status_code == 403
    assert response.json()["code"] == "credential_user_mismatch"
    event = SecurityEvent.objects.get(kind="passkey-failed")
    assert event.subject_id == experienced.user.pk


def test_passkey_endpoints_refuse_anonymous_people(client: Client, young: Any) -> None:
    for url in (BEGIN_REGISTRATION, COMPLETE_REGISTRATION, BEGIN_AUTHENTICATION):
        response = post_json(client, url)
        assert response.status_code == 403, url
    # No login with a passkey alone: it is a second step only.
    assert post_json(client, BEGIN_AUTHENTICATION).json()["code"] == ("passwordless_login_disabled")
    assert post_json(client, COMPLETE_AUTHENTICATION).status_code == 403
    for url in (
        reverse("identity:passkey_name"),
        reverse("identity:passkey_remove", kwargs={"passkey_id": 1}),
    ):
        response = client.post(url, {"passkey": 1, "name": "x"})
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_passkey_of_another_person_cannot_be_named_or_removed(
    client: Client, young: Any, outsider: Any
) -> None:
    password_login(client, "ung@example.org")
    add_passkey(client, name="Ida's key")
    credential = WebAuthnCredential.objects.get(user=young.user)
    intruder = Client()
    password_login(intruder, "outsider@example.org")
    renamed = intruder.post(
        reverse("identity:passkey_name"), {"passkey": credential.pk, "name": "mine now"}
    )
    assert renamed.status_code == 404
    url = reverse("identity:passkey_remove", kwargs={"passkey_id": credential.pk})
    assert intruder.post(url, {"confirm": "yes"}).status_code == 404
    assert intruder.get(url).status_code == 404
    credential.refresh_from_db()
    assert credential.name == "Ida's key"


def test_passkey_removal_asks_first_then_removes_and_logs(client: Client, young: Any) -> None:
    password_login(client, "ung@example.org")
    add_passkey(client, name="Laptop")
    add_passkey(client, name="Telefon")
    laptop = WebAuthnCredential.objects.get(user=young.user, name="Laptop")
    url = reverse("identity:passkey_remove", kwargs={"passkey_id": laptop.pk})
    question = client.post(url)
    assert question.status_code == 200
    assert "Laptop" in question.context["question"].title
    assert WebAuthnCredential.objects.filter(pk=laptop.pk).exists()
    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    assert not WebAuthnCredential.objects.filter(pk=laptop.pk).exists()
    event = SecurityEvent.objects.get(kind="passkey-removed")
    assert event.details == {"passkey_id": laptop.pk, "last_factor": False}
    # The other passkey and the recovery codes stay.
    assert StaticDevice.objects.filter(user=young.user).exists()


def test_passkey_last_removed_turns_two_factor_off(client: Client, young: Any) -> None:
    password_login(client, "ung@example.org")
    add_passkey(client)
    credential = WebAuthnCredential.objects.get(user=young.user)
    url = reverse("identity:passkey_remove", kwargs={"passkey_id": credential.pk})
    client.post(url, {"confirm": "yes"})
    assert not StaticDevice.objects.filter(user=young.user).exists()
    assert not client.get(reverse("identity:mfa")).context["enabled"]
    assert SecurityEvent.objects.get(kind="passkey-removed").details["last_factor"] is True


def test_passkey_only_admin_passes_the_required_two_factor_gate(client: Client, admin: Any) -> None:
    actions.set_mfa_rule(organisation=admin.organisation, by=admin, required=True)
    password_login(client, "admin@example.org")
    members = reverse("accounts:members", kwargs={"org": admin.organisation.slug})
    held = client.get(members)
    assert held.url.startswith(reverse("identity:mfa_setup"))
    setup = client.get(held.url)
    assert 'id="passkey-registration-placeholder"' in setup.content.decode()
    # Added at the set-up page, the passkey counts at once: this session is verified.
    key = add_passkey(client, name="YubiKey")
    assert client.get(members).status_code == 200
    assert not admin.user.totpdevice_set.filter(confirmed=True).exists()
    # And at the next login it is the second step.
    client.post(reverse("accounts:logout"))
    password_login(client, "admin@example.org")
    assert client.get(members).url.startswith(reverse("identity:mfa_verify"))
    assert use_passkey(client, key).status_code == 200
    assert client.get(members).status_code == 200


def test_passkey_required_admin_cannot_remove_the_last_one(client: Client, admin: Any) -> None:
    actions.set_mfa_rule(organisation=admin.organisation, by=admin, required=True)
    password_login(client, "admin@example.org")
    add_passkey(client)
    credential = WebAuthnCredential.objects.get(user=admin.user)
    url = reverse("identity:passkey_remove", kwargs={"passkey_id": credential.pk})
    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    assert WebAuthnCredential.objects.filter(pk=credential.pk).exists()
    assert not SecurityEvent.objects.filter(kind="passkey-removed").exists()


def test_passkey_lets_a_required_admin_turn_off_the_app(client: Client, admin: Any) -> None:
    device, _codes = turn_on(admin.user)
    actions.set_mfa_rule(organisation=admin.organisation, by=admin, required=True)
    password_login(client, "admin@example.org")
    client.post(reverse("identity:mfa_verify"), {"code": code_for(device)})
    assert client.get(reverse("identity:mfa")).context["app_needed"]
    add_passkey(client)
    assert not client.get(reverse("identity:mfa")).context["app_needed"]
    client.post(reverse("identity:mfa_off"), {"code": code_for(device, offset=1)})
    assert not admin.user.totpdevice_set.exists()
    # The recovery codes stay: they stand in for the passkey now.
    assert StaticDevice.objects.filter(user=admin.user).exists()


def test_passkey_erasure_deletes_credentials_and_handle(client: Client, young: Any) -> None:
    password_login(client, "ung@example.org")
    add_passkey(client, name="Laptop")
    assert WebAuthnUserHandle.objects.filter(user=young.user).exists()
    export = client.get(reverse("accounts:export_data")).json()
    assert [row["name"] for row in export["two_factor"] if row["kind"] == "passkey"] == ["Laptop"]
    assert "public_key" not in json.dumps(export)
    erase_account(user=young.user)
    assert not WebAuthnCredential.objects.exists()
    assert not WebAuthnUserHandle.objects.exists()


def test_passkey_models_are_in_the_personal_data_registry() -> None:
    for model in (
        "django_otp_webauthn.WebAuthnCredential",
        "django_otp_webauthn.WebAuthnAttestation",
        "django_otp_webauthn.WebAuthnUserHandle",
    ):
        assert model in REGISTRY


def test_passkey_relying_party_follows_the_configured_domain(
    client: Client, young: Any, settings: Any
) -> None:
    settings.GENSIDIG_PASSKEY_RP_ID = "gensidig.fjordlys.dk"
    settings.GENSIDIG_PASSKEY_RP_NAME = "Fjordlys Gensidig"
    password_login(client, "ung@example.org")
    options = post_json(client, BEGIN_REGISTRATION).json()
    assert options["rp"] == {"name": "Fjordlys Gensidig", "id": "gensidig.fjordlys.dk"}


def test_passkey_password_still_first(client: Client, young: Any) -> None:
    """A wrong password with a passkey on the account gets no further than before."""
    password_login(client, "ung@example.org")
    add_passkey(client)
    client.post(reverse("accounts:logout"))
    response = client.post(
        reverse("accounts:login"), {"username": "ung@example.org", "password": PASSWORD + "x"}
    )
    assert response.status_code == 200
    assert post_json(client, BEGIN_AUTHENTICATION).status_code == 403


def test_passkey_script_strings_all_have_danish() -> None:
    from pathlib import Path

    import django_otp_webauthn

    from tests.test_i18n import PACKAGE, entries

    theirs = Path(django_otp_webauthn.__file__).parent / "locale/nl/LC_MESSAGES/djangojs.po"
    ours = entries((PACKAGE / "locale/da/LC_MESSAGES/djangojs.po").read_text())
    missing = [key for key in entries(theirs.read_text()) if not ours.get(key, ("", True))[0]]
    assert missing == []


def test_passkey_page_at_an_ip_address_points_to_localhost(client: Client, young: Any) -> None:
    password_login(client, "ung@example.org")
    page = client.get(reverse("identity:mfa"), HTTP_HOST="127.0.0.1:8000")
    assert page.context["passkey_elsewhere"] == "http://localhost:8000/account/two-factor/"
    assert 'href="http://localhost:8000/account/two-factor/"' in page.content.decode()
    named = client.get(reverse("identity:mfa"), HTTP_HOST="localhost:8000")
    assert named.context["passkey_elsewhere"] is None


def test_passkey_holder_can_add_the_authenticator_app_too(client: Client, young: Any) -> None:
    password_login(client, "ung@example.org")
    add_passkey(client, name="Laptop")
    page = client.get(reverse("identity:mfa_setup"))
    assert page.status_code == 200
    assert page.context["qr"].startswith("data:image/svg+xml")
    device = young.user.totpdevice_set.get(confirmed=False)
    response = client.post(reverse("identity:mfa_setup"), {"code": code_for(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert WebAuthnCredential.objects.filter(user=young.user).count() == 1


def test_passkey_holder_cannot_add_an_app_with_the_password_alone(
    client: Client, young: Any
) -> None:
    password_login(client, "ung@example.org")
    add_passkey(client)
    client.post(reverse("accounts:logout"))
    password_login(client, "ung@example.org")
    page = client.get(reverse("identity:mfa_setup"))
    assert page.status_code == 302
    assert page.url.startswith(reverse("identity:mfa_verify"))
    # Even with the key of an app set up but never confirmed, the code is not taken.
    device = actions.start_totp(user=young.user)
    refused = client.post(reverse("identity:mfa_setup"), {"code": code_for(device)})
    assert refused.status_code == 302
    assert not young.user.totpdevice_set.filter(confirmed=True).exists()
    dashboard = reverse("common:dashboard", kwargs={"org": young.organisation.slug})
    assert client.get(dashboard).status_code == 302
