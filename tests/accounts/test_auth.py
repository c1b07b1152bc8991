from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_with_email_any_case_lands_on_the_organisation(client: Any, young: Any) -> None:
    response = client.post(
        reverse("accounts:login"),
        {"username": "UNG@example.org", "password": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse(
        "common:dashboard", kwargs={"org": "fjordlys-test"}
    )
    assert response.context["user"] == young.user


def test_login_wrong_password_shows_translated_error(client: Any, young: Any) -> None:
    response = client.post(
        reverse("accounts:login"),
        {"username": "ung@example.org", "password": "nope"},
        HTTP_ACCEPT_LANGUAGE="da",
    )
    assert response.status_code == 200
    assert "E-mailadressen eller adgangskoden er ikke rigtig" in response.content.decode()


def test_login_page_logged_in_redirects_home(login: Any, young: Any) -> None:
    response = login(young).get(reverse("accounts:login"))
    assert response.status_code == 302


def test_logout_post_ends_the_session(login: Any, young: Any) -> None:
    client = login(young)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_logout_get_is_refused(login: Any, young: Any) -> None:
    client = login(young)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session


def test_password_reset_sends_link_that_sets_new_password(client: Any, young: Any) -> None:
    response = client.post(reverse("accounts:password_reset"), {"email": "ung@example.org"})
    assert response.url == reverse("accounts:password_reset_done")
    assert client.get(response.url).status_code == 200
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ung@example.org"]
    link = next(line for line in message.body.splitlines() if "/password-reset/" in line)
    path = link.split("testserver", 1)[1]
    response = client.get(path)  # redirects to the set-password form with the token hidden
    assert response.status_code == 302
    form_url = response.url
    response = client.post(
        form_url, {"new_password1": "en-helt-ny-kode-42", "new_password2": "en-helt-ny-kode-42"}
    )
    assert response.url == reverse("accounts:password_reset_complete")
    assert client.get(response.url).status_code == 200
    young.user.refresh_from_db()
    assert young.user.check_password("en-helt-ny-kode-42")


def test_password_reset_unknown_email_sends_nothing_and_says_the_same(
    client: Any, young: Any
) -> None:
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert response.url == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_password_reset_bad_link_shows_clear_page(client: Any, young: Any) -> None:
    url = reverse("accounts:password_reset_confirm", kwargs={"uidb64": "MQ", "token": "bad-token"})
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "This link cannot be used" in response.content.decode()


def test_account_page_saves_name(login: Any, young: Any) -> None:
    client = login(young)
    assert client.get(reverse("accounts:account")).status_code == 200
    response = client.post(reverse("accounts:account"), {"name": "Ida Nørgaard"})
    assert response.url == reverse("accounts:account")
    young.user.refresh_from_db()
    assert young.user.name == "Ida Nørgaard"


def test_export_data_contains_own_data_only(login: Any, young: Any, admin: Any) -> None:
    response = login(young).get(reverse("accounts:export_data"))
    data = response.json()
    assert response["Content-Disposition"] == 'attachment; filename="gensidig-my-data.json"'
    assert data["account"]["email"] == "ung@example.org"
    assert [m["organisation"] for m in data["memberships"]] == ["Fjordlys Test A/S"]
    assert data["memberships"][0]["manager"] == "Erik Erfaren"
    assert "admin@example.org" not in response.content.decode()


def test_erase_with_wrong_password_keeps_everything(login: Any, young: Any) -> None:
    response = login(young).post(reverse("accounts:erase"), {"password": "wrong"})
    assert response.url == reverse("accounts:account")
    young.user.refresh_from_db()
    assert young.user.is_active


def test_erase_removes_account_and_memberships(login: Any, young: Any) -> None:
    from gensidig.accounts.models import Member, User

    response = login(young).post(reverse("accounts:erase"), {"password": PASSWORD})
    assert response.url == reverse("accounts:login")
    assert not User.objects.filter(email="ung@example.org").exists()
    assert not Member.objects.filter(pk=young.pk).exists()


def test_erase_last_owner_hands_organisation_to_an_admin(
    login: Any, admin: Any, experienced: Any
) -> None:
    from gensidig.accounts.models import Role

    experienced.role = Role.ADMIN
    experienced.save()
    login(admin).post(reverse("accounts:erase"), {"password": PASSWORD})
    experienced.refresh_from_db()
    assert experienced.role == Role.OWNER
