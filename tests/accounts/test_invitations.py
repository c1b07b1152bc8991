from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from gensidig.accounts import actions
from gensidig.accounts.models import Invitation, Member, Role, User
from tests.factories import PASSWORD, InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db


def invitation_path(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/invitation/[^\s]+/)", body)
    assert match, body
    return match.group(1)


def test_invite_sends_email_with_one_time_link(login: Any, admin: Any) -> None:
    client = login(admin)
    assert (
        client.get(reverse("accounts:invite", kwargs={"org": "fjordlys-test"})).status_code == 200
    )
    response = client.post(
        reverse("accounts:invite", kwargs={"org": "fjordlys-test"}),
        {"email": "Ny@Example.org", "name": "Nina Ny", "role": Role.PARTICIPANT},
    )
    assert response.url == reverse("accounts:members", kwargs={"org": "fjordlys-test"})
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "ny@example.org",
        "participant",
        admin,
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ny@example.org"]
    assert mail.outbox[0].subject == "Du er inviteret til Fjordlys Test A/S på Gensidig"
    assert invitation_path(mail.outbox[0].body).startswith("/invitation/")


def test_invite_existing_member_is_refused_with_message(login: Any, admin: Any, young: Any) -> None:
    response = login(admin).post(
        reverse("accounts:invite", kwargs={"org": "fjordlys-test"}),
        {"email": "ung@example.org", "role": Role.PARTICIPANT},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "This person is already a member of the organisation." in response.content.decode()
    assert Invitation.objects.count() == 0


def test_invite_admin_cannot_hand_out_ownership(login: Any, admin: Any, experienced: Any) -> None:
    experienced.role = Role.ADMIN
    experienced.save()
    response = login(experienced).post(
        reverse("accounts:invite", kwargs={"org": "fjordlys-test"}),
        {"email": "boss@example.org", "role": Role.OWNER},
    )
    assert response.status_code == 200
    assert Invitation.objects.count() == 0


def test_invite_participant_is_forbidden(login: Any, young: Any) -> None:
    response = login(young).post(
        reverse("accounts:invite", kwargs={"org": "fjordlys-test"}),
        {"email": "x@example.org", "role": "participant"},
    )
    assert response.status_code == 403


def test_accept_invitation_new_person_sets_password_and_lands_in_organisation(
    client: Any, admin: Any
) -> None:
    _invitation, token = actions.invite_member(
        organisation=admin.organisation,
        email="ny@example.org",
        role=Role.PARTICIPANT,
        invited_by=admin,
    )
    url = reverse("accounts:accept_invitation", kwargs={"token": token})
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"name": "Nina Ny", "password1": "sommerfugl-42x", "password2": "sommerfugl-42x"}
    )
    assert response.url == reverse("common:dashboard", kwargs={"org": "fjordlys-test"})
    user = User.objects.get(email="ny@example.org")
    assert user.check_password("sommerfugl-42x")
    assert Member.objects.get(user=user).role == Role.PARTICIPANT
    assert client.get(response.url).status_code == 200


def test_accept_invitation_mismatched_passwords_saves_nothing(client: Any, admin: Any) -> None:
    _invitation, token = actions.invite_member(
        organisation=admin.organisation,
        email="ny@example.org",
        role=Role.PARTICIPANT,
        invited_by=admin,
    )
    response = client.post(
        reverse("accounts:accept_invitation", kwargs={"token": token}),
        {"name": "Nina", "password1": "sommerfugl-42x", "password2": "sommerfugl-43x"},
        HTTP_ACCEPT_LANGUAGE="da",
    )
    assert response.status_code == 200
    assert "De to adgangskoder er ikke ens." in response.content.decode()
    assert not User.objects.filter(email="ny@example.org").exists()


def test_accept_invitation_used_twice_gets_clear_page(client: Any, admin: Any) -> None:
    _invitation, token = actions.invite_member(
        organisation=admin.organisation,
        email="ny@example.org",
        role=Role.PARTICIPANT,
        invited_by=admin,
    )
    url = reverse("accounts:accept_invitation", kwargs={"token": token})
    data = {"name": "Nina", "password1": "sommerfugl-42x", "password2": "sommerfugl-42x"}
    client.post(url, data)
    client.post(reverse("accounts:logout"))
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 410
    assert "The invitation has been used already." in response.content.decode()
    assert Member.objects.filter(user__email="ny@example.org").count() == 1


def test_accept_invitation_expired_gets_clear_page(client: Any, organisation: Any) -> None:
    InvitationFactory(
        organisation=organisation, token="old", expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.get(
        reverse("accounts:accept_invitation", kwargs={"token": "old"}), HTTP_ACCEPT_LANGUAGE="da"
    )
    assert response.status_code == 410
    assert "Invitationen er udløbet." in response.content.decode()


def test_accept_invitation_revoked_gets_clear_page(client: Any, organisation: Any) -> None:
    InvitationFactory(organisation=organisation, token="gone", revoked_at=timezone.now())
    response = client.get(reverse("accounts:accept_invitation", kwargs={"token": "gone"}))
    assert response.status_code == 410


def test_accept_invitation_unknown_token_gets_404_page(client: Any, db: None) -> None:
    response = client.get(
        reverse("accounts:accept_invitation", kwargs={"token": "nonsense"}),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 404
    assert "We do not know this link." in response.content.decode()


def test_accept_invitation_existing_account_joins_after_login(
    client: Any, admin: Any, outsider: Any
) -> None:
    _invitation, token = actions.invite_member(
        organisation=admin.organisation,
        email="outsider@example.org",
        role=Role.ADMIN,
        invited_by=admin,
    )
    url = reverse("accounts:accept_invitation", kwargs={"token": token})
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "Log in to accept" in response.content.decode()
    client.post(
        reverse("accounts:login"), {"username": "outsider@example.org", "password": PASSWORD}
    )
    response = client.post(url)
    assert response.url == reverse("common:dashboard", kwargs={"org": "fjordlys-test"})
    assert (
        Member.objects.get(user=outsider.user, organisation=admin.organisation).role == Role.ADMIN
    )


def test_accept_invitation_wrong_logged_in_account_is_refused(
    login: Any, admin: Any, young: Any
) -> None:
    _invitation, token = actions.invite_member(
        organisation=admin.organisation,
        email="someone@example.org",
        role=Role.PARTICIPANT,
        invited_by=admin,
    )
    response = login(young).post(reverse("accounts:accept_invitation", kwargs={"token": token}))
    assert response.status_code == 409
    assert not User.objects.filter(email="someone@example.org").exists()


def test_invite_again_replaces_the_earlier_link(admin: Any) -> None:
    _first, old = actions.invite_member(
        organisation=admin.organisation,
        email="ny@example.org",
        role=Role.PARTICIPANT,
        invited_by=admin,
    )
    actions.invite_member(
        organisation=admin.organisation,
        email="ny@example.org",
        role=Role.PARTICIPANT,
        invited_by=admin,
    )
    with pytest.raises(actions.InvitationError) as error:
        actions.get_usable_invitation(token=old)
    assert error.value.state == "revoked"


def test_revoke_invitation_withdraws_it(login: Any, admin: Any) -> None:
    invitation = InvitationFactory(organisation=admin.organisation, invited_by=admin)
    response = login(admin).post(
        reverse(
            "accounts:revoke_invitation",
            kwargs={"org": "fjordlys-test", "invitation_id": invitation.pk},
        )
    )
    assert response.url == reverse("accounts:members", kwargs={"org": "fjordlys-test"})
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.REVOKED


def test_invitation_email_follows_existing_users_language(admin: Any) -> None:
    UserFactory(email="english@example.org", language="en")
    actions.invite_member(
        organisation=admin.organisation,
        email="english@example.org",
        role="participant",
        invited_by=admin,
    )
    assert mail.outbox[0].subject == "You are invited to Fjordlys Test A/S on Gensidig"
