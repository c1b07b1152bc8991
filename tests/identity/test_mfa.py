"""Two-factor authentication: authenticator app, recovery codes, the owners' rule."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from gensidig.accounts.models import SecurityEvent
from gensidig.identity import actions
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{value:06d}"


def password_login(client: Client, email: str) -> None:
    response = client.post(reverse("accounts:login"), {"username": email, "password": PASSWORD})
    assert response.status_code == 302


def turn_on(user: Any) -> tuple[TOTPDevice, list[str]]:
    device = actions.start_totp(user=user)
    codes = actions.confirm_totp(device=device)
    return device, codes


def test_mfa_setup_with_an_app_code_turns_it_on_and_shows_recovery_codes(
    client: Client, young: Any
) -> None:
    password_login(client, "ung@example.org")
    page = client.get(reverse("identity:mfa_setup"))
    assert page.status_code == 200
    assert page.context["qr"].startswith("data:image/svg+xml")
    device = TOTPDevice.objects.get(user=young.user, confirmed=False)
    response = client.post(reverse("identity:mfa_setup"), {"code": code_for(device)})
    assert response.status_code == 200
    assert len(response.context["codes"]) == 10
    device.refresh_from_db()
    assert device.confirmed
    event = SecurityEvent.objects.get(kind="mfa-enabled")
    assert event.subject_id == young.user.pk
    assert event.organisation == young.organisation


def test_mfa_setup_wrong_code_keeps_it_off(client: Client, young: Any) -> None:
    password_login(client, "ung@example.org")
    client.get(reverse("identity:mfa_setup"))
    response = client.post(reverse("identity:mfa_setup"), {"code": "000000"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not TOTPDevice.objects.filter(user=young.user, confirmed=True).exists()


def test_mfa_password_alone_reaches_only_the_code_page(client: Client, young: Any) -> None:
    device, _codes = turn_on(young.user)
    password_login(client, "ung@example.org")
    dashboard = reverse("common:dashboard", kwargs={"org": young.organisation.slug})
    held = client.get(dashboard)
    assert held.status_code == 302
    assert held.url.startswith(reverse("identity:mfa_verify"))
    response = client.post(held.url, {"code": code_for(device)})
    assert response.status_code == 302
    assert response.url == dashboard
    assert client.get(dashboard).status_code == 200


def test_mfa_a_recovery_code_works_once(client: Client, young: Any) -> None:
    _device, codes = turn_on(young.user)
    password_login(client, "ung@example.org")
    assert client.post(reverse("identity:mfa_verify"), {"code": codes[0]}).status_code == 302
    other = Client()
    password_login(other, "ung@example.org")
    again = other.post(reverse("identity:mfa_verify"), {"code": codes[0]})
    assert again.status_code == 200
    assert SecurityEvent.objects.filter(kind="mfa-failed").count() == 1


def test_mfa_required_admin_without_factor_reaches_only_setup(client: Client, admin: Any) -> None:
    actions.set_mfa_rule(organisation=admin.organisation, by=admin, required=True)
    password_login(client, "admin@example.org")
    for url in (
        reverse("accounts:members", kwargs={"org": admin.organisation.slug}),
        reverse("accounts:account"),
        reverse("identity:settings", kwargs={"org": admin.organisation.slug}),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("identity:mfa_setup"))
    assert client.get(reverse("identity:mfa_setup")).status_code == 200


def test_mfa_required_rule_does_not_touch_participants(
    client: Client, admin: Any, young: Any
) -> None:
    actions.set_mfa_rule(organisation=admin.organisation, by=admin, required=True)
    password_login(client, "ung@example.org")
    dashboard = reverse("common:dashboard", kwargs={"org": young.organisation.slug})
    assert client.get(dashboard).status_code == 200


def test_mfa_turn_off_needs_a_code_and_is_logged(client: Client, young: Any) -> None:
    device, _codes = turn_on(young.user)
    password_login(client, "ung@example.org")
    client.post(reverse("identity:mfa_verify"), {"code": code_for(device)})
    # The same code cannot be used twice; the next step's code is accepted.
    client.post(reverse("identity:mfa_off"), {"code": code_for(device, offset=1)})
    assert not TOTPDevice.objects.filter(user=young.user).exists()
    assert SecurityEvent.objects.filter(kind="mfa-disabled").count() == 1


def test_mfa_turn_off_with_a_wrong_code_changes_nothing(client: Client, young: Any) -> None:
    device, _codes = turn_on(young.user)
    password_login(client, "ung@example.org")
    client.post(reverse("identity:mfa_verify"), {"code": code_for(device)})
    client.post(reverse("identity:mfa_off"), {"code": "123456"})
    assert TOTPDevice.objects.filter(user=young.user).exists()


def test_mfa_required_for_the_role_cannot_be_turned_off(client: Client, admin: Any) -> None:
    device, _codes = turn_on(admin.user)
    actions.set_mfa_rule(organisation=admin.organisation, by=admin, required=True)
    password_login(client, "admin@example.org")
    client.post(reverse("identity:mfa_verify"), {"code": code_for(device)})
    client.post(reverse("identity:mfa_off"), {"code": code_for(device, offset=1)})
    assert TOTPDevice.objects.filter(user=admin.user).exists()


def test_mfa_status_and_new_recovery_codes(client: Client, young: Any) -> None:
    device, _codes = turn_on(young.user)
    password_login(client, "ung@example.org")
    client.post(reverse("identity:mfa_verify"), {"code": code_for(device)})
    assert client.get(reverse("identity:mfa")).context["recovery_left"] == 10
    response = client.post(reverse("identity:mfa_new_codes"))
    assert len(response.context["codes"]) == 10


def test_mfa_rule_change_is_logged_and_owner_only(
    client: Client, login: Any, admin: Any, young: Any
) -> None:
    url = reverse("identity:mfa_rule", kwargs={"org": admin.organisation.slug})
    assert login(young).post(url, {"required": "on"}).status_code == 403
    response = login(admin).post(url, {"required": "on"})
    assert response.status_code == 302
    assert SecurityEvent.objects.get(kind="mfa-rule-changed").details == {"required": True}
