"""Writes go through the apps' actions with the UI's rules; retries with an
Idempotency-Key create one object."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from gensidig.accounts.models import Invitation, Member, Role, SecurityEvent
from gensidig.discoveries.models import Comment, Discovery, Stage, Vote
from gensidig.matching.models import Proposal, Round
from gensidig.programs.models import Enrolment, EnrolmentStatus, Program, State, Topic
from tests.factories import MemberFactory, ProgramFactory, TopicFactory
from tests.matching.conftest import cohort  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


# --- Members ------------------------------------------------------------------------------


def test_invite_member_sends_an_invitation(api: Any, mailoutbox: Any = None) -> None:
    response = api.post("/invitations", {"email": "Ny@Example.org", "role": "admin"})
    assert response.status_code == 201
    assert response.json()["email"] == "ny@example.org"
    assert Invitation.objects.get().role == Role.ADMIN


def test_invite_existing_member_names_the_email_field(api: Any, young: Any) -> None:
    response = api.post("/invitations", {"email": young.user.email})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["email"]


def test_invite_without_email_names_the_field(api: Any) -> None:
    response = api.post("/invitations", {"role": "admin"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "email"


def test_admin_cannot_invite_an_owner(api_as: Any, organisation: Any) -> None:
    boss = MemberFactory(organisation=organisation, role=Role.ADMIN)
    response = api_as(boss).post("/invitations", {"email": "x@example.org", "role": "owner"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "role"


def test_change_role(api: Any, young: Any) -> None:
    response = api.patch(f"/members/{young.pk}", {"role": "admin"})
    assert (response.status_code, response.json()["role"]) == (200, "admin")


def test_change_role_logs_the_tokens_owner_as_actor(api: Any, admin: Any, young: Any) -> None:
    api.patch(f"/members/{young.pk}", {"role": "admin"})
    event = SecurityEvent.objects.get(
        kind=SecurityEvent.Kind.ROLE_CHANGED, subject_id=young.user_id
    )
    assert (event.actor_id, event.details) == (
        admin.user_id,
        {"old": "participant", "new": "admin"},
    )


def test_invite_logs_the_tokens_owner_as_actor(api: Any, admin: Any) -> None:
    api.post("/invitations", {"email": "ny@example.org", "role": "participant"})
    assert SecurityEvent.objects.get(kind=SecurityEvent.Kind.INVITED).actor_id == admin.user_id


def test_deactivate_member_logs_the_tokens_owner_as_actor(api: Any, admin: Any, young: Any) -> None:
    api.post(f"/members/{young.pk}/deactivate")
    assert SecurityEvent.objects.get(kind="removed", subject_id=young.user_id).actor_id == (
        admin.user_id
    )


def test_change_role_of_last_owner_is_409(api: Any, admin: Any) -> None:
    response = api.patch(f"/members/{admin.pk}", {"role": "participant"})
    assert (response.status_code, response.json()["code"]) == (409, "last-owner")


def test_admin_cannot_change_an_owner(api_as: Any, organisation: Any, admin: Any) -> None:
    boss = MemberFactory(organisation=organisation, role=Role.ADMIN)
    response = api_as(boss).patch(f"/members/{admin.pk}", {"role": "participant"})
    assert (response.status_code, response.json()["code"]) == (403, "owner-only")


def test_deactivate_member_logs_the_removal(api: Any, young: Any) -> None:
    response = api.post(f"/members/{young.pk}/deactivate")
    assert (response.status_code, response.json()["is_active"]) == (200, False)
    assert SecurityEvent.objects.filter(kind="removed", subject_id=young.user_id).exists()


def test_deactivate_last_owner_is_409(api: Any, admin: Any) -> None:
    assert api.post(f"/members/{admin.pk}/deactivate").status_code == 409
    assert Member.objects.get(pk=admin.pk).is_active


# --- Topics and programs ------------------------------------------------------------------


def test_create_and_rename_and_retire_topic(api: Any) -> None:
    created = api.post("/topics", {"name_da": "Podcasts", "name_en": "Podcasts"}).json()
    renamed = api.patch(f"/topics/{created['id']}", {"name_en": "Podcasting", "retired": True})
    assert renamed.json()["name_en"] == "Podcasting"
    assert Topic.objects.get(pk=created["id"]).retired


def test_create_program_and_change_its_charter(api: Any, organisation: Any) -> None:
    theme = TopicFactory(organisation=organisation, direction="young_to_experienced")
    response = api.post(
        "/programs",
        {
            "name": "Gensidig 2028",
            "starts_on": "2028-01-10",
            "ends_on": "2028-06-30",
            "themes_young_to_experienced": [theme.pk],
        },
    )
    assert response.status_code == 201
    program = Program.objects.get(pk=response.json()["id"])
    assert program.organisation == organisation
    assert list(program.themes_young_to_experienced.all()) == [theme]
    changed = api.patch(f"/programs/{program.pk}", {"cadence_weeks": 3, "purpose": "Læring"})
    assert changed.json()["cadence_weeks"] == 3
    assert changed.json()["themes_young_to_experienced"] == [theme.pk]
    assert changed.json()["name"] == "Gensidig 2028"


def test_create_program_with_end_before_start_names_the_field(api: Any) -> None:
    response = api.post(
        "/programs", {"name": "X", "starts_on": "2028-06-01", "ends_on": "2028-01-01"}
    )
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["ends_on"]


def test_create_program_with_a_bad_date_names_the_field(api: Any) -> None:
    response = api.post("/programs", {"name": "X", "starts_on": "soon", "ends_on": "2028-01-01"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "starts_on"


def test_pairing_rules_are_fixed_once_matching_started(api: Any, organisation: Any) -> None:
    program = ProgramFactory(organisation=organisation, state=State.MATCHING)
    response = api.patch(f"/programs/{program.pk}", {"capacity": 2})
    assert (response.status_code, response.json()["code"]) == (409, "pairing-rules-fixed")


def test_program_state_moves_and_refuses_with_the_reason(api: Any, organisation: Any) -> None:
    program = ProgramFactory(organisation=organisation, state=State.DRAFT)
    refused = api.post(f"/programs/{program.pk}/state", {"step": "start_running"})
    assert refused.status_code == 409
    assert refused.json()["message"]
    moved = api.post(f"/programs/{program.pk}/state", {"step": "open_enrolment"})
    assert moved.json()["state"] == "enrolling"
    unknown = api.post(f"/programs/{program.pk}/state", {"step": "fly"})
    assert unknown.json()["errors"][0]["field"] == "step"


def test_enrol_member_and_withdraw(api: Any, organisation: Any, young: Any) -> None:
    program = ProgramFactory(organisation=organisation, state=State.ENROLLING)
    enrolled = api.post(f"/programs/{program.pk}/enrolments", {"member_id": young.pk})
    assert (enrolled.status_code, enrolled.json()["status"]) == (201, "invited")
    withdrawn = api.post(f"/enrolments/{enrolled.json()['id']}/withdraw")
    assert withdrawn.json()["status"] == "withdrawn"
    assert Enrolment.objects.get().status == EnrolmentStatus.WITHDRAWN


def test_enrol_after_matching_started_is_409(api: Any, organisation: Any, young: Any) -> None:
    program = ProgramFactory(organisation=organisation, state=State.RUNNING)
    response = api.post(f"/programs/{program.pk}/enrolments", {"member_id": young.pk})
    assert (response.status_code, response.json()["code"]) == (409, "enrolment-closed")


# --- Matching -----------------------------------------------------------------------------


def test_run_round_and_publish(api: Any, cohort: Any) -> None:  # noqa: F811
    program = cohort["program"]
    ran = api.post(f"/programs/{program.pk}/rounds")
    assert ran.status_code == 201
    body = ran.json()
    assert body["status"] == "done"
    assert body["figures"]["pairs"] == 2
    proposals = api.get(f"/programs/{program.pk}/proposals").json()["items"]
    assert len(proposals) == 2
    assert all(p["reasons"] and p["parts"] for p in proposals)
    published = api.post(f"/rounds/{body['id']}/publish").json()
    assert published["published"] == 2
    assert Proposal.objects.filter(status="published").count() == 2


def test_run_round_outside_matching_is_409(api: Any, organisation: Any) -> None:
    program = ProgramFactory(organisation=organisation, state=State.ENROLLING)
    assert api.post(f"/programs/{program.pk}/rounds").status_code == 409
    assert not Round.objects.exists()


# --- Discoveries --------------------------------------------------------------------------


def test_create_comment_support_and_move_discovery(api: Any) -> None:
    created = api.post(
        "/discoveries",
        {"title": "Canva", "kind": "tool", "smarter_work": "Hurtigere grafik", "link": ""},
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    assert api.post(f"/discoveries/{pk}/comments", {"text": "God idé"}).status_code == 201
    assert api.post(f"/discoveries/{pk}/support").json()["added"] is True
    again = api.post(f"/discoveries/{pk}/support").json()
    assert (again["added"], again["discovery"]["supporters"]) == (False, 1)
    parked = api.post(f"/discoveries/{pk}/moves", {"to": "parked"})
    assert parked.json()["stage"] == "parked"
    assert (Comment.objects.count(), Vote.objects.count()) == (1, 1)


def test_move_to_trying_without_a_plan_names_the_fields(api: Any, admin: Any) -> None:
    discovery = Discovery.objects.create(
        organisation=admin.organisation, title="X", kind="tool", smarter_work="y", found_by=admin
    )
    response = api.post(f"/discoveries/{discovery.pk}/moves", {"to": "trying"})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {
        "plan_what",
        "plan_until",
        "plan_success",
    }
    tried = api.post(
        f"/discoveries/{discovery.pk}/moves",
        {
            "to": "trying",
            "plan_what": "Prøv det",
            "plan_until": str(date(2030, 1, 1)),
            "plan_success": "Tid sparet",
        },
    )
    assert tried.json()["stage"] == "trying"


def test_move_not_allowed_from_this_stage_is_409(api: Any, admin: Any) -> None:
    discovery = Discovery.objects.create(
        organisation=admin.organisation, title="X", kind="tool", smarter_work="y"
    )
    response = api.post(f"/discoveries/{discovery.pk}/moves", {"to": "adopted"})
    assert (response.status_code, response.json()["code"]) == (409, "move-not-allowed")
    assert Discovery.objects.get().stage == Stage.SPOTTED


# --- Idempotency --------------------------------------------------------------------------


def test_retried_post_with_idempotency_key_creates_one_object(api: Any) -> None:
    body = {"name_da": "Podcasts", "name_en": "Podcasts"}
    first = api.post("/topics", body, headers={"Idempotency-Key": "abc-1"})
    second = api.post("/topics", body, headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Topic.objects.filter(name_da="Podcasts").count() == 1


def test_retried_program_creation_with_idempotency_key_creates_one_program(api: Any) -> None:
    body = {"name": "Gensidig 2029", "starts_on": "2029-01-10", "ends_on": "2029-06-30"}
    for _ in range(3):
        assert api.post("/programs", body, headers={"Idempotency-Key": "p-1"}).status_code == 201
    assert Program.objects.filter(name="Gensidig 2029").count() == 1
    assert api.post("/programs", body).status_code == 201
    assert Program.objects.filter(name="Gensidig 2029").count() == 2


def test_idempotency_key_with_another_body_is_refused(api: Any) -> None:
    api.post("/topics", {"name_da": "A", "name_en": "A"}, headers={"Idempotency-Key": "k"})
    response = api.post(
        "/topics", {"name_da": "B", "name_en": "B"}, headers={"Idempotency-Key": "k"}
    )
    assert (response.status_code, response.json()["code"]) == (422, "idempotency-key-reused")
    assert not Topic.objects.filter(name_da="B").exists()


def test_nul_character_is_refused_with_the_field_named(api: Any) -> None:
    response = api.post("/topics", {"name_da": "A\u0000", "name_en": "A"})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["name_da"]
    listed = api.get("/members", q="x\u0000")
    assert [error["field"] for error in listed.json()["errors"]] == ["q"]
