"""Every optional email carries a link that switches its kind off, and it stays off."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from gensidig.common.email import register_email_kind, send_templated_email
from gensidig.common.models import EmailOptOut

pytestmark = pytest.mark.django_db

KIND = register_email_kind("test-nudge", "test nudges")


def send_nudge(member: Any) -> bool:
    return send_templated_email(
        to=member.user.email,
        template="accounts/email/invitation",
        kind=KIND,
        user=member.user,
        context={
            "organisation": "Fjordlys",
            "inviter": "Mette",
            "role": "x",
            "link": "/",
            "expires_at": None,
        },
        language="en",
    )


def opt_out_path(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/email/stop/[^\s]+/)", body)
    assert match, body
    return match.group(1)


def test_optional_email_has_working_opt_out_link(client: Any, young: Any) -> None:
    assert send_nudge(young) is True
    body = mail.outbox[0].body
    assert "To stop emails of this kind (test nudges), open:" in body
    path = opt_out_path(body)
    page = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert "Stop these emails?" in page.content.decode()
    assert not EmailOptOut.objects.exists()  # opening the link alone changes nothing
    page = client.post(path, HTTP_ACCEPT_LANGUAGE="en")
    assert "You will no longer get emails of this kind: test nudges." in page.content.decode()
    assert EmailOptOut.objects.filter(user=young.user, kind=KIND).count() == 1
    assert send_nudge(young) is False
    assert len(mail.outbox) == 1


def test_opt_out_link_tampered_gets_clear_404_page(client: Any, db: None) -> None:
    response = client.get(
        reverse("common:email_opt_out", kwargs={"token": "not-a-token"}), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 404
    assert "This link cannot be used" in response.content.decode()


def test_account_lists_switched_off_kinds_and_switches_back_on(login: Any, young: Any) -> None:
    EmailOptOut.objects.create(user=young.user, kind=KIND)
    client = login(young)
    page = client.get(reverse("accounts:account"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "test nudges" in page
    response = client.post(reverse("common:email_opt_in", kwargs={"kind": KIND}))
    assert response.url == reverse("accounts:account")
    assert not EmailOptOut.objects.exists()
    assert send_nudge(young) is True


def test_optional_email_without_registered_kind_is_refused(young: Any) -> None:
    with pytest.raises(ValueError, match="Unknown kind"):
        send_templated_email(
            to="x@example.org", template="x", context={}, kind="nope", user=young.user
        )


def test_opt_outs_are_in_the_export_and_erased_with_the_account(login: Any, young: Any) -> None:
    from tests.factories import PASSWORD

    EmailOptOut.objects.create(user=young.user, kind=KIND)
    client = login(young)
    assert client.get(reverse("accounts:export_data")).json()["emails_switched_off"] == [KIND]
    client.post(reverse("accounts:erase"), {"password": PASSWORD})
    assert not EmailOptOut.objects.exists()
