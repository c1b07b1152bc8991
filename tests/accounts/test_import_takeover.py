"""An import may create people and update what the importing organisation owns of its
members, never take over an account: issue 14, item 1."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gensidig.accounts.models import Invitation, Member, SecurityEvent, Side

pytestmark = pytest.mark.django_db

HEADING = "name,email,department,manager email,side,generation,languages\n"


def upload(client: Any, content: str) -> Any:
    url = reverse("accounts:import_members", kwargs={"org": "fjordlys-test"})
    return client.post(url, {"file": SimpleUploadedFile("people.csv", content.encode())})


def test_import_of_another_organisations_member_does_not_rename_them(
    login: Any, admin: Any, outsider: Any
) -> None:
    upload(login(admin), HEADING + "Hijacked Name,outsider@example.org,Salg,,young,,\n")
    outsider.user.refresh_from_db()
    assert outsider.user.name == "Otto Outsider"


def test_import_of_another_organisations_member_creates_no_membership(
    login: Any, admin: Any, outsider: Any
) -> None:
    upload(login(admin), HEADING + "Otto,outsider@example.org,Salg,,young,,\n")
    assert not Member.objects.filter(organisation=admin.organisation, user=outsider.user).exists()


def test_import_of_another_organisations_member_invites_them(
    login: Any, admin: Any, outsider: Any
) -> None:
    response = upload(login(admin), HEADING + "Otto,outsider@example.org,Salg,,young,,da\n")
    invitation = Invitation.objects.get(organisation=admin.organisation)
    assert invitation.email == "outsider@example.org"
    assert invitation.member_fields["department"] == "Salg"
    assert [m.to for m in mail.outbox] == [["outsider@example.org"]]
    notes = [str(m) for m in response.wsgi_request._messages]
    assert any("invited to join" in note or "inviteret" in note for note in notes)


def test_import_again_sends_no_second_invitation(login: Any, admin: Any, outsider: Any) -> None:
    client = login(admin)
    upload(client, HEADING + "Otto,outsider@example.org,Salg,,young,,\n")
    upload(client, HEADING + "Otto,outsider@example.org,Salg,,young,,\n")
    assert Invitation.objects.filter(organisation=admin.organisation).count() == 1


def test_accepting_an_import_invitation_sets_the_organisations_data(
    client: Any, admin: Any, outsider: Any
) -> None:
    from gensidig.accounts import actions

    _invitation, token = actions.invite_member(
        organisation=admin.organisation,
        email="outsider@example.org",
        role="participant",
        invited_by=admin,
        member_fields={
            "department": "Salg",
            "generation": "1965-1979",
            "languages": ["da"],
            "side": Side.EXPERIENCED,
            "manager_email": "admin@example.org",
        },
    )
    member = actions.accept_invitation(token=token, user=outsider.user)
    assert (member.department, member.generation, member.languages, member.side) == (
        "Salg",
        "1965-1979",
        ["da"],
        Side.EXPERIENCED,
    )
    assert member.manager == admin
    outsider.user.refresh_from_db()
    assert outsider.user.name == "Otto Outsider"


def test_import_does_not_rename_a_member_who_has_used_their_account(
    login: Any, admin: Any, young: Any
) -> None:
    upload(login(admin), HEADING + "Someone Else,ung@example.org,IT,,young,,\n")
    young.refresh_from_db()
    young.user.refresh_from_db()
    assert (young.user.name, young.department) == ("Ida Ung", "IT")


def test_import_does_not_bring_back_a_removed_member(login: Any, admin: Any, young: Any) -> None:
    young.is_active = False
    young.save()
    response = upload(login(admin), HEADING + "Ida Ung,ung@example.org,IT,,young,,\n")
    young.refresh_from_db()
    assert (young.is_active, young.department) == (False, "Marketing")
    notes = [str(m) for m in response.wsgi_request._messages]
    assert any("ung@example.org" in note for note in notes)


def test_import_is_logged_with_counts(login: Any, admin: Any, outsider: Any) -> None:
    upload(
        login(admin),
        HEADING + "Otto,outsider@example.org,Salg,,young,,\nNy Person,ny@example.org,IT,,,,\n",
    )
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.IMPORTED)
    assert (event.organisation, event.actor_id) == (admin.organisation, admin.user.pk)
    assert event.details == {"created": 1, "updated": 0, "invited": 1, "skipped": 0}
    invited = SecurityEvent.objects.get(kind=SecurityEvent.Kind.INVITED)
    assert invited.subject_id == outsider.user.pk


def test_program_import_leaves_out_another_organisations_member(
    login: Any, admin: Any, outsider: Any
) -> None:
    from gensidig.programs.models import Enrolment
    from tests.factories import ProgramFactory

    program = ProgramFactory(organisation=admin.organisation, state="enrolling", mode="mutual")
    url = reverse("programs:import", kwargs={"org": "fjordlys-test", "program_id": program.pk})
    login(admin).post(
        url,
        {
            "file": SimpleUploadedFile(
                "p.csv",
                (
                    HEADING + "Otto,outsider@example.org,Salg,,young,,\nNy,ny@example.org,IT,,,,\n"
                ).encode(),
            )
        },
    )
    outsider.user.refresh_from_db()
    assert outsider.user.name == "Otto Outsider"
    assert [e.member.user.email for e in Enrolment.objects.filter(program=program)] == [
        "ny@example.org"
    ]
