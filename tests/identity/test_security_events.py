"""The security-log entries company sign-in writes: every kind the issue's "Done when"
names is written, and the owners' log shows each in the reader's language, not its code."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from gensidig.accounts.models import SecurityEvent
from gensidig.accounts.queries import security_event_kinds
from gensidig.accounts.security import log_security_event
from gensidig.identity.events import LABELS
from tests.identity.test_mfa import code_for, password_login, turn_on

pytestmark = pytest.mark.django_db


def test_security_log_shows_sign_in_kinds_in_danish(client: Client, login: Any, admin: Any) -> None:
    for kind in ("sso-login", "lockout", "passkey-added", "scim-user-deactivated"):
        log_security_event(kind=kind, organisation=admin.organisation, subject_id=admin.user_id)
    url = reverse("accounts:security_log", kwargs={"org": admin.organisation.slug})
    page = login(admin).get(url, HTTP_ACCEPT_LANGUAGE="da").content.decode()
    for shown in (
        "Logget ind med fælles login",
        "Log ind sat på pause efter fejlede forsøg",
        "Adgangsnøgle tilføjet",
        "Person slået fra af kataloget",
    ):
        assert shown in page
    assert ">passkey-added<" not in page


def test_security_log_filter_names_every_sign_in_kind(admin: Any) -> None:
    for kind in LABELS:
        log_security_event(kind=kind, organisation=admin.organisation)
    labels = dict(security_event_kinds(admin.organisation))
    assert all(labels[kind] != kind for kind in LABELS)


def test_security_log_records_new_recovery_codes(client: Client, young: Any) -> None:
    device, _codes = turn_on(young.user)
    password_login(client, "ung@example.org")
    client.post(reverse("identity:mfa_verify"), {"code": code_for(device)})
    response = client.post(reverse("identity:mfa_new_codes"))
    assert len(response.context["codes"]) == 10
    event = SecurityEvent.objects.get(kind="mfa-recovery-codes")
    assert event.subject_id == young.user.pk
    assert event.organisation == young.organisation
