"""The way in for people an import created: activation invitations, links in emails that
activate on the way, and "forgot my password" for someone who never had one (issue 15)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from gensidig.accounts import actions, imports
from gensidig.accounts.models import Invitation, Member, SecurityEvent, User
from gensidig.programs import actions as program_actions
from tests.factories import MemberFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

ORG = {"org": "fjordlys-test"}


def link_in(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/invitation/[^\s]+/)", body)
    assert match, body
    return match.group(1)


def imported(organisation: Any, email: str = "nina@example.org", name: str = "Nina Import") -> Any:
    """A member as an import makes them: an account without a usable password."""
    checked = imports.check_rows(
        [{"name": name, "email": email, "department": "Lager"}], organisation=organisation
    )
    imports.save_people(organisation=organisation, people=checked.people)
    return Member.objects.select_related("user", "organisation").get(user__email=email)


def test_imported_person_is_not_active_and_members_page_says_never_invited(
    login: Any, admin: Any
) -> None:
    nina = imported(admin.organisation)
    assert not nina.user.has_usable_password()
    assert not nina.user.is_activated
    assert admin.user.is_activated
    html = login(admin).get(reverse("accounts:members", kwargs=ORG)).content.decode()
    assert "1 medlem har aldrig logget ind" in html
    assert "aldrig inviteret" in html
    assert reverse("accounts:send_activations", kwargs=ORG) in html


def test_members_page_shows_manager(login: Any, admin: Any, young: Any) -> None:
    html = login(admin).get(reverse("accounts:members", kwargs=ORG)).content.decode()
    row = re.search(r"Ida Ung</a>.*?</tr>", html, re.S)
    assert row and "Erik Erfaren" in row.group(0)


def test_send_activations_asks_first_then_emails_everyone_not_yet_active(
    login: Any, admin: Any, young: Any
) -> None:
    imported(admin.organisation)
    imported(admin.organisation, "ole@example.org", "Ole Import")
    client = login(admin)
    page = client.get(reverse("accounts:send_activations", kwargs=ORG))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Nina Import" in html and "Ole Import" in html and "Ida Ung" not in html
    assert mail.outbox == []
    response = client.post(reverse("accounts:send_activations", kwargs=ORG))
    assert response.url == reverse("accounts:members", kwargs=ORG)
    assert sorted(m.to[0] for m in mail.outbox) == ["nina@example.org", "ole@example.org"]
    message = next(m for m in mail.outbox if m.to == ["nina@example.org"])
    assert message.subject == "Aktivér din Gensidig-konto hos Fjordlys Test A/S"
    assert link_in(message.body).startswith("/invitation/")
    assert Invitation.objects.filter(kind="activate", invited_by=admin).count() == 2
    html = client.get(reverse("accounts:members", kwargs=ORG)).content.decode()
    assert "aldrig logget ind" not in html or "inviteret" in html
    assert html.count(">inviteret<") == 2
    assert SecurityEvent.objects.filter(kind="invited", details={"kind": "activation"}).count() == 2


def test_send_activation_to_one_member_and_not_to_an_active_one(
    login: Any, admin: Any, young: Any
) -> None:
    nina = imported(admin.organisation)
    client = login(admin)
    url = reverse("accounts:send_activation", kwargs={**ORG, "member_id": nina.pk})
    response = client.post(url, {"back": "detail"})
    assert response.url == reverse("accounts:member_detail", kwargs={**ORG, "member_id": nina.pk})
    assert [m.to for m in mail.outbox] == [["nina@example.org"]]
    client.post(reverse("accounts:send_activation", kwargs={**ORG, "member_id": young.pk}))
    assert len(mail.outbox) == 1
    detail = client.get(reverse("accounts:member_detail", kwargs={**ORG, "member_id": nina.pk}))
    assert ">inviteret<" in detail.content.decode()


def test_send_activation_refused_to_participant_outsider_and_anonymous(
    client: Any, login: Any, admin: Any, young: Any, outsider: Any
) -> None:
    nina = imported(admin.organisation)
    one = reverse("accounts:send_activation", kwargs={**ORG, "member_id": nina.pk})
    every = reverse("accounts:send_activations", kwargs=ORG)
    assert client.post(one).status_code == 302  # to the login
    assert login(young).post(one).status_code == 403
    assert client.post(every).status_code == 403
    assert login(outsider).post(one).status_code == 404
    assert client.post(every).status_code == 404
    assert client.get(every).status_code == 404
    # And an outsider's own organisation cannot reach another's member by id.
    other = reverse(
        "accounts:send_activation",
        kwargs={"org": outsider.organisation.slug, "member_id": nina.pk},
    )
    assert client.post(other).status_code == 404
    assert mail.outbox == []


def test_activation_link_sets_password_confirms_details_and_logs_in(
    client: Any, admin: Any
) -> None:
    nina = imported(admin.organisation)
    actions.send_activation(member=nina, invited_by=admin)
    path = link_in(mail.outbox[0].body)
    page = client.get(path)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Lager" in html and 'value="Nina Import"' in html
    response = client.post(
        path,
        {
            "name": "Nina Nielsen",
            "language": "en",
            "password1": "a-long-new-password",
            "password2": "a-long-new-password",
        },
    )
    assert response.url == reverse("common:dashboard", kwargs=ORG)
    user = User.objects.get(email="nina@example.org")
    assert (user.name, user.language) == ("Nina Nielsen", "en")
    assert user.check_password("a-long-new-password") and user.is_activated
    assert client.get(reverse("accounts:account")).status_code == 200  # logged in
    # The link works once: a second visit, logged out, leads to the login.
    client.logout()
    again = client.get(path)
    assert again.status_code == 302 and again.url == reverse("accounts:login")


def test_activation_link_refuses_a_weak_password(client: Any, admin: Any) -> None:
    nina = imported(admin.organisation)
    _invitation, token = actions.create_activation(member=nina)
    path = actions.invitation_url(token)
    response = client.post(
        path, {"name": "Nina", "language": "da", "password1": "123", "password2": "123"}
    )
    assert response.status_code == 200
    assert not User.objects.get(pk=nina.user_id).has_usable_password()


def test_activation_link_expired_offers_a_new_one(client: Any, admin: Any) -> None:
    nina = imported(admin.organisation)
    invitation, token = actions.create_activation(member=nina)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.get(actions.invitation_url(token), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 410
    html = response.content.decode()
    assert "This activation link has expired" in html
    assert reverse("accounts:password_reset") in html


def test_password_reset_for_imported_person_sends_activation_link(client: Any, admin: Any) -> None:
    imported(admin.organisation)
    response = client.post(reverse("accounts:password_reset"), {"email": "Nina@example.org"})
    assert response.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nina@example.org"]
    assert message.subject == "Aktivér din Gensidig-konto hos Fjordlys Test A/S"
    path = link_in(message.body)
    assert client.get(path).status_code == 200
    invitation = Invitation.objects.get(kind="activate")
    assert invitation.invited_by is None


def test_password_reset_done_page_is_the_same_for_any_address(client: Any, admin: Any) -> None:
    imported(admin.organisation)
    pages = []
    for email in ("nina@example.org", "admin@example.org", "nobody@example.org"):
        response = client.post(reverse("accounts:password_reset"), {"email": email}, follow=True)
        # Only the per-request nonce and CSRF token may differ.
        pages.append(
            re.sub(
                r'(nonce="|X-CSRFToken": "|csrfmiddlewaretoken" value=")[^"]+',
                "",
                response.content.decode(),
            )
        )
    assert pages[0] == pages[1] == pages[2]
    assert "Hvis adressen tilhører en, der kan bruge Gensidig" in pages[0]
    assert sorted(m.to[0] for m in mail.outbox) == ["admin@example.org", "nina@example.org"]


def test_password_reset_sends_nothing_for_switched_off_account(client: Any, admin: Any) -> None:
    nina = imported(admin.organisation)
    User.objects.filter(pk=nina.user_id).update(is_active=False)
    client.post(reverse("accounts:password_reset"), {"email": "nina@example.org"})
    assert mail.outbox == []


def test_invite_form_sends_activation_to_imported_member_instead_of_refusing(
    login: Any, admin: Any
) -> None:
    imported(admin.organisation)
    response = login(admin).post(
        reverse("accounts:invite", kwargs=ORG),
        {"email": "nina@example.org", "role": "participant"},
    )
    assert response.status_code == 302
    assert Invitation.objects.get().kind == "activate"
    assert mail.outbox[0].subject == "Aktivér din Gensidig-konto hos Fjordlys Test A/S"


def test_program_invitation_to_never_signed_in_member_carries_activation_link(
    client: Any, admin: Any
) -> None:
    nina = imported(admin.organisation)
    program = ProgramFactory(organisation=admin.organisation, state="enrolling")
    program_actions.invite_to_program(program=program, member=nina, invited_by=admin)
    path = link_in(mail.outbox[0].body)
    response = client.post(
        path,
        {"name": "Nina", "language": "da", "password1": "a-long-pw-1", "password2": "a-long-pw-1"},
    )
    assert response.url == reverse("programs:detail", kwargs={**ORG, "program_id": program.pk})


def test_program_invitation_to_active_member_is_a_plain_link(admin: Any, young: Any) -> None:
    program = ProgramFactory(organisation=admin.organisation, state="enrolling")
    program_actions.invite_to_program(program=program, member=young, invited_by=admin)
    assert "/invitation/" not in mail.outbox[0].body
    assert f"/o/fjordlys-test/programs/{program.pk}/" in mail.outbox[0].body


def test_used_activation_link_in_a_later_email_leads_to_login_then_on(
    client: Any, admin: Any
) -> None:
    nina = imported(admin.organisation)
    _first, first_token = actions.create_activation(member=nina)
    later = actions.entry_link(member=nina, path="/o/fjordlys-test/")
    client.post(
        actions.invitation_url(first_token),
        {"name": "Nina", "language": "da", "password1": "a-long-pw-1", "password2": "a-long-pw-1"},
    )
    # Signed in as Nina, the later link goes straight on.
    assert client.get(later).url == "/o/fjordlys-test/"
    client.logout()
    response = client.get(later)
    assert response.url == reverse("accounts:login") + "?next=/o/fjordlys-test/"
    # And an active person's emails carry plain links from now on.
    assert actions.entry_link(member=Member.objects.get(pk=nina.pk), path="/x/") == "/x/"


def test_activation_link_for_removed_member_does_not_work(client: Any, admin: Any) -> None:
    nina = imported(admin.organisation)
    _invitation, token = actions.create_activation(member=nina)
    Member.objects.filter(pk=nina.pk).update(is_active=False)
    response = client.get(actions.invitation_url(token))
    assert response.status_code == 410
    assert not User.objects.get(pk=nina.user_id).has_usable_password()


def test_activation_link_of_another_person_refused_when_logged_in(
    login: Any, admin: Any, young: Any
) -> None:
    nina = imported(admin.organisation)
    _invitation, token = actions.create_activation(member=nina)
    response = login(young).get(actions.invitation_url(token))
    assert response.status_code == 409


def test_member_from_another_organisation_stays_invisible(
    login: Any, admin: Any, outsider: Any
) -> None:
    stranger = MemberFactory(
        organisation=outsider.organisation,
        user=UserFactory(email="stranger@example.org", password=None),
    )
    response = login(admin).post(
        reverse("accounts:send_activation", kwargs={**ORG, "member_id": stranger.pk})
    )
    assert response.status_code == 404


def test_join_invitation_for_an_account_never_used_lets_the_person_set_a_password(
    client: Any, admin: Any, outsider: Any
) -> None:
    # Imported into another organisation and never activated, then invited here.
    stranger = MemberFactory(
        organisation=outsider.organisation,
        user=UserFactory(email="dormant@example.org", name="Dorte", password=None),
    )
    _invitation, token = actions.invite_member(
        organisation=admin.organisation,
        email="dormant@example.org",
        role="participant",
        invited_by=admin,
    )
    path = actions.invitation_url(token)
    assert 'name="password1"' in client.get(path).content.decode()
    response = client.post(
        path, {"name": "Dorte D", "password1": "a-long-pw-1", "password2": "a-long-pw-1"}
    )
    assert response.url == reverse("common:dashboard", kwargs=ORG)
    user = User.objects.get(pk=stranger.user_id)
    assert user.check_password("a-long-pw-1")
    assert Member.objects.filter(organisation=admin.organisation, user=user).exists()
