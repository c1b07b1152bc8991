"""Administrators remove a person who left and can give access again: issue 14, item 7;
removals, reactivations, role changes and exports are in the security log (item 14)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from gensidig.accounts.models import Member, Role, SecurityEvent
from gensidig.matching.models import Pair
from gensidig.programs.models import State
from tests.factories import EnrolmentFactory, ProgramFactory

pytestmark = pytest.mark.django_db

ORG = "fjordlys-test"


def url(name: str, member: Any) -> str:
    return reverse(f"accounts:{name}", kwargs={"org": ORG, "member_id": member.pk})


def test_remove_member_asks_first_then_ends_access_and_pairs(
    client: Any, login: Any, admin: Any, young: Any, experienced: Any
) -> None:
    program = ProgramFactory(organisation=admin.organisation, state=State.RUNNING)
    pair = Pair.objects.create(
        program=program,
        a=EnrolmentFactory(program=program, member=young),
        b=EnrolmentFactory(program=program, member=experienced),
    )
    # The removed person is logged in elsewhere.
    from django.test import Client

    theirs = Client()
    theirs.force_login(young.user, backend="gensidig.accounts.backends.EmailBackend")
    dashboard = reverse("common:dashboard", kwargs={"org": ORG})
    assert theirs.get(dashboard).status_code == 200

    page = login(admin).get(url("remove_member", young), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "lose access at once" in page.content.decode()
    young.refresh_from_db()
    assert young.is_active  # a GET changes nothing
    response = client.post(url("remove_member", young))
    assert response.url == url("member_detail", young)
    young.refresh_from_db()
    assert (young.is_active, young.removed_at is not None) == (False, True)
    assert theirs.get(dashboard).status_code in (302, 404)
    pair.refresh_from_db()
    assert pair.ended_at is not None and pair.ended_by == admin
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.REMOVED)
    assert (event.actor_id, event.subject_id) == (admin.user.pk, young.user.pk)


def test_removed_members_are_listed_and_can_be_reactivated(
    client: Any, login: Any, admin: Any, young: Any
) -> None:
    login(admin).post(url("remove_member", young))
    listed = client.get(reverse("accounts:members", kwargs={"org": ORG}), {"state": "inactive"})
    assert "Ida Ung" in listed.content.decode()
    detail = client.get(url("member_detail", young), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert url("reactivate_member", young) in detail
    response = client.post(url("reactivate_member", young))
    assert response.url == url("member_detail", young)
    young.refresh_from_db()
    assert (young.is_active, young.removed_at) == (True, None)
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.REACTIVATED, subject_id=young.user.pk
    ).exists()


def test_remove_member_refused_to_participant_outsider_and_admin_for_owner(
    login: Any, admin: Any, young: Any, experienced: Any, outsider: Any
) -> None:
    assert login(young).post(url("remove_member", experienced)).status_code == 403
    assert login(outsider).post(url("remove_member", experienced)).status_code == 404
    assert login(outsider).post(url("reactivate_member", experienced)).status_code == 404
    experienced.role = Role.ADMIN
    experienced.save()
    assert login(experienced).get(url("remove_member", admin)).status_code == 403
    assert login(admin).get(url("remove_member", admin)).status_code == 403
    assert Member.objects.filter(is_active=False).count() == 0


def test_role_change_and_exports_are_logged(login: Any, admin: Any, young: Any) -> None:
    client = login(admin)
    client.post(url("member_detail", young), {"role": Role.ADMIN})
    changed = SecurityEvent.objects.get(kind=SecurityEvent.Kind.ROLE_CHANGED)
    assert (changed.actor_id, changed.subject_id, changed.details) == (
        admin.user.pk,
        young.user.pk,
        {"old": "participant", "new": "admin"},
    )
    client.get(reverse("accounts:export_members", kwargs={"org": ORG}))
    client.get(reverse("accounts:export_data"))
    exports = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORTED).order_by("pk")
    assert [e.details["what"] for e in exports] == ["member list", "own data"]
