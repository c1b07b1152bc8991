from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core import mail
from django.utils import translation

from gensidig.accounts import actions as account_actions
from gensidig.accounts.models import Invitation
from gensidig.programs import actions
from gensidig.programs.models import (
    Enrolment,
    EnrolmentStatus,
    ProfileTopic,
    Program,
    State,
    Topic,
)
from gensidig.programs.rules import ProgramStateError, why_not
from tests.factories import EnrolmentFactory, MemberFactory, ProgramFactory, TopicFactory

pytestmark = pytest.mark.django_db


def test_seed_topics_first_use_makes_both_directions_once(organisation: Any) -> None:
    assert actions.seed_topics(organisation=organisation) == 13
    assert actions.seed_topics(organisation=organisation) == 0
    topics = Topic.objects.filter(organisation=organisation)
    assert topics.count() == 13
    assert topics.filter(direction="young_to_experienced").count() == 5
    assert topics.filter(direction="experienced_to_young").count() == 8
    ai = topics.get(slug="ai-vaerktoejer")
    with translation.override("en"):
        assert ai.name == "AI writing and video tools"
    with translation.override("da"):
        assert ai.name == "AI-værktøjer til tekst og video"


def test_create_program_defaults_follow_the_engine_rules(organisation: Any, admin: Any) -> None:
    program = actions.create_program(
        organisation=organisation,
        charter=actions.Charter(
            name="Forløb 2027", starts_on=date(2027, 1, 1), ends_on=date(2027, 7, 1), sponsor=admin
        ),
    )
    assert program.state == State.DRAFT
    assert (
        program.reporting_line_depth,
        program.shared_language,
        program.different_department,
        program.exclude_same_manager,
        program.forbid_repeat,
        program.min_generation_gap,
    ) == (2, True, False, False, True, 1)
    assert program.ground_rules == ""
    assert len(program.signup_token) >= 20


def test_ground_rules_left_as_suggested_follow_the_reader_language(program: Any) -> None:
    with translation.override("da"):
        suggested = "\n".join(program.ground_rule_lines)
        assert program.ground_rule_lines[0].startswith("Fortrolighed")
    assert actions.normalised_ground_rules(suggested) == ""
    with translation.override("en"):
        assert program.ground_rule_lines[0].startswith("Confidentiality")
        assert len(program.ground_rule_lines) == 6
    assert actions.normalised_ground_rules("  Vi mødes på kontoret.\n\n") == "Vi mødes på kontoret."


def test_update_charter_sets_themes_of_the_organisation_only(
    program: Any, topics: dict[str, Any], outsider: Any
) -> None:
    foreign = TopicFactory(organisation=outsider.organisation)
    charter = actions.Charter(
        name="Nyt navn",
        starts_on=program.starts_on,
        ends_on=program.ends_on,
        themes_young_to_experienced=[topics["sociale-medier"], foreign],
        themes_experienced_to_young=[topics["strategi"]],
        ground_rules="Egen regel",
    )
    program = actions.update_charter(program=program, charter=charter)
    assert program.name == "Nyt navn"
    assert list(program.themes_young_to_experienced.all()) == [topics["sociale-medier"]]
    assert list(program.themes_experienced_to_young.all()) == [topics["strategi"]]
    assert program.ground_rule_lines == ["Egen regel"]


def test_states_follow_draft_enrolling_matching_running_closed(
    program: Any, young: Any, experienced: Any
) -> None:
    program = actions.open_enrolment(program=program)
    assert program.state == State.ENROLLING
    actions.enrol(program=program, member=young, side="young")
    actions.enrol(program=program, member=experienced, side="experienced")
    program = actions.start_matching(program=program)
    assert program.state == State.MATCHING
    program = actions.start_running(program=program)
    assert program.state == State.RUNNING
    program = actions.close_program(program=program)
    assert Program.objects.get(pk=program.pk).state == State.CLOSED


def test_start_matching_while_drafting_is_refused_with_reason(program: Any) -> None:
    with pytest.raises(ProgramStateError) as error, translation.override("en"):
        actions.start_matching(program=program)
    with translation.override("en"):
        assert str(error.value.reason) == "Matching can only start while enrolment is open."
    assert Program.objects.get(pk=program.pk).state == State.DRAFT


def test_start_matching_without_both_sides_is_refused(enrolling: Any, young: Any) -> None:
    actions.enrol(program=enrolling, member=young, side="young")
    with translation.override("en"):
        assert (
            str(why_not(enrolling, "start_matching"))
            == "Matching needs at least one enrolled participant on each side."
        )
    with pytest.raises(ProgramStateError):
        actions.start_matching(program=enrolling)


def test_closed_program_allows_nothing(program: Any, young: Any) -> None:
    program = actions.close_program(program=program)
    with translation.override("en"):
        for step in ("open_enrolment", "start_matching", "close_program", "invite", "signup"):
            assert str(why_not(program, step)) == "The program is closed."
    with pytest.raises(ProgramStateError):
        actions.enrol(program=program, member=young)
    with pytest.raises(ProgramStateError):
        actions.update_charter(
            program=program,
            charter=actions.Charter(name="x", starts_on=date(2027, 1, 1), ends_on=date(2027, 2, 1)),
        )


def test_invite_to_program_emails_member_once(program: Any, young: Any, admin: Any) -> None:
    first = actions.invite_to_program(program=program, member=young, invited_by=admin)
    second = actions.invite_to_program(program=program, member=young, invited_by=admin)
    assert first.pk == second.pk
    assert (first.status, first.generation) == (EnrolmentStatus.INVITED, "1995-2009")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ung@example.org"]
    assert mail.outbox[0].subject == "Du er inviteret til Gensidig læring"
    assert f"/o/fjordlys-test/programs/{program.pk}/" in mail.outbox[0].body


def test_invited_member_joins_while_draft_but_self_signup_needs_enrolling(
    program: Any, young: Any, experienced: Any, admin: Any
) -> None:
    actions.invite_to_program(program=program, member=young, invited_by=admin)
    assert actions.enrol(program=program, member=young).status == EnrolmentStatus.ENROLLED
    with pytest.raises(ProgramStateError):
        actions.enrol(program=program, member=experienced)
    assert not Enrolment.objects.filter(member=experienced).exists()


def test_enrol_twice_creates_one_row(enrolling: Any, young: Any) -> None:
    first = actions.enrol(program=enrolling, member=young)
    second = actions.enrol(program=enrolling, member=young)
    assert first.pk == second.pk
    assert Enrolment.objects.filter(program=enrolling, member=young).count() == 1


def test_enrol_with_link_wrong_token_or_reset_link_is_refused(enrolling: Any, young: Any) -> None:
    old_token = enrolling.signup_token
    actions.reset_signup_link(program=enrolling)
    assert enrolling.signup_token != old_token
    with pytest.raises(actions.EnrolmentError):
        actions.enrol_with_link(organisation=enrolling.organisation, token=old_token, member=young)
    enrolment = actions.enrol_with_link(
        organisation=enrolling.organisation, token=enrolling.signup_token, member=young
    )
    assert enrolment.status == EnrolmentStatus.ENROLLED


def test_enrol_with_link_of_another_organisation_is_refused(enrolling: Any, outsider: Any) -> None:
    with pytest.raises(actions.EnrolmentError):
        actions.enrol_with_link(
            organisation=outsider.organisation, token=enrolling.signup_token, member=outsider
        )


def test_invite_new_person_by_email_waits_until_they_join(
    program: Any, admin: Any, db: None
) -> None:
    enrolment = actions.invite_person_to_program(
        program=program, email="Ny@Example.org", name="Nina Ny", invited_by=admin, side="young"
    )
    assert (enrolment.member, enrolment.invited_email) == (None, "ny@example.org")
    invitation = Invitation.objects.get(email="ny@example.org")
    assert invitation.organisation == program.organisation
    member = account_actions.accept_invitation(
        token=_token_from_mail(), name="Nina Ny", password="a-long-test-password"
    )
    enrolment.refresh_from_db()
    assert (enrolment.member, enrolment.invited_email, enrolment.side) == (member, "", "young")
    assert enrolment.status == EnrolmentStatus.INVITED


def _token_from_mail() -> str:
    import re

    match = re.search(r"/invitation/([^/\s]+)/", mail.outbox[-1].body)
    assert match
    return match.group(1)


def test_invite_existing_member_by_email_invites_them_directly(
    program: Any, admin: Any, young: Any
) -> None:
    enrolment = actions.invite_person_to_program(
        program=program, email="UNG@example.org", invited_by=admin
    )
    assert enrolment.member == young
    assert Invitation.objects.count() == 0


def test_withdrawn_member_can_be_invited_again(program: Any, admin: Any, young: Any) -> None:
    enrolment = actions.invite_to_program(program=program, member=young, invited_by=admin)
    actions.withdraw_enrolment(enrolment=enrolment)
    again = actions.invite_to_program(program=program, member=young, invited_by=admin)
    assert (again.pk, again.status) == (enrolment.pk, EnrolmentStatus.INVITED)


def test_merge_topics_repoints_profiles_and_themes_keeping_higher_level(
    young_enrolment: Any, experienced_enrolment: Any, topics: dict[str, Any]
) -> None:
    program = young_enrolment.program
    social, trends = topics["sociale-medier"], TopicFactory(organisation=program.organisation)
    program.themes_young_to_experienced.set([trends])
    ProfileTopic.objects.create(enrolment=young_enrolment, topic=trends, kind="share", level=3)
    ProfileTopic.objects.create(enrolment=young_enrolment, topic=social, kind="share", level=1)
    ProfileTopic.objects.create(enrolment=experienced_enrolment, topic=trends, kind="want", level=2)
    actions.merge_topics(source=trends, target=social)
    trends.refresh_from_db()
    assert (trends.merged_into, trends.retired) == (social, True)
    assert list(program.themes_young_to_experienced.all()) == [social]
    rows = ProfileTopic.objects.order_by("enrolment_id").values_list(
        "enrolment_id", "topic_id", "kind", "level"
    )
    assert list(rows) == [
        (young_enrolment.pk, social.pk, "share", 3),
        (experienced_enrolment.pk, social.pk, "want", 2),
    ]
    assert Topic.objects.filter(pk=trends.pk).exists()


def test_retire_topic_keeps_profiles_but_hides_it(
    young_enrolment: Any, topics: dict[str, Any]
) -> None:
    topic = topics["strategi"]
    ProfileTopic.objects.create(enrolment=young_enrolment, topic=topic, kind="want", level=2)
    actions.retire_topic(topic=topic)
    assert ProfileTopic.objects.filter(topic=topic).count() == 1
    with pytest.raises(ValueError):
        actions.add_profile_topic(enrolment=young_enrolment, topic=topic, kind="want")
    actions.retire_topic(topic=topic, retired=False)
    assert Topic.objects.get(pk=topic.pk).is_active


def test_add_topic_same_danish_name_returns_existing(organisation: Any) -> None:
    first = actions.add_topic(organisation=organisation, name_da="Excel", name_en="Excel")
    second = actions.add_topic(organisation=organisation, name_da="excel ", name_en="Spreadsheets")
    assert first.pk == second.pk
    renamed = actions.rename_topic(
        topic=first, name_da="Regneark", name_en="Spreadsheets", direction="both"
    )
    assert (renamed.name_da, renamed.slug) == ("Regneark", "excel")


def test_profile_steps_save_and_count(
    young_enrolment: Any, experienced_enrolment: Any, topics: dict[str, Any]
) -> None:
    e = actions.save_profile_about(enrolment=young_enrolment, side="young", generation="1995-2009")
    assert e.profile_step == 1
    actions.add_profile_topic(enrolment=e, topic=topics["sociale-medier"], kind="share", level=3)
    actions.add_profile_topic(enrolment=e, topic=topics["sociale-medier"], kind="share", level=1)
    assert ProfileTopic.objects.filter(enrolment=e).count() == 1
    e = actions.save_profile_topics(
        enrolment=e, kind="share", levels={topics["sociale-medier"].pk: 2}, other="TikTok"
    )
    assert (e.profile_step, e.share_other) == (2, "TikTok")
    assert ProfileTopic.objects.get(enrolment=e).level == 2
    e = actions.save_profile_practical(enrolment=e, languages=["en", "da", "da"], availability="Ma")
    assert e.languages == ["da", "en"]
    e = actions.save_profile_wishes(enrolment=e, wishes=[experienced_enrolment], blocks=[])
    assert list(e.wishes.all()) == [experienced_enrolment]
    e = actions.acknowledge_charter(enrolment=e)
    assert e.profile_complete
    assert e.profile_step == 6


def test_profile_wishes_more_than_three_or_also_blocked_is_refused(
    young_enrolment: Any, experienced_enrolment: Any
) -> None:
    program = young_enrolment.program
    others = [EnrolmentFactory(program=program) for _ in range(4)]
    with pytest.raises(ValueError):
        actions.save_profile_wishes(enrolment=young_enrolment, wishes=others, blocks=[])
    with pytest.raises(ValueError):
        actions.save_profile_wishes(
            enrolment=young_enrolment, wishes=[others[0]], blocks=[others[0]]
        )


def test_profile_locked_once_matching_started(
    young_enrolment: Any, experienced_enrolment: Any
) -> None:
    actions.start_matching(program=young_enrolment.program)
    with pytest.raises(ProgramStateError):
        actions.save_profile_about(enrolment=young_enrolment, side="young", generation="x")


def test_claim_pending_enrolment_for_existing_member_row_keeps_one(
    program: Any, admin: Any, young: Any
) -> None:
    Enrolment.objects.create(program=program, invited_email="ung@example.org")
    actions.invite_to_program(program=program, member=young, invited_by=admin)
    assert actions.claim_pending_enrolments(member=young) == 0
    assert Enrolment.objects.filter(program=program).count() == 1


def test_enrol_member_of_another_organisation_is_refused(program: Any, outsider: Any) -> None:
    with pytest.raises(ValueError):
        actions.enrol(program=program, member=outsider)
    stranger = MemberFactory(organisation=outsider.organisation)
    with pytest.raises(ValueError):
        actions.invite_to_program(program=program, member=stranger, invited_by=outsider)


def test_program_factory_state_default_is_draft(db: None) -> None:
    assert ProgramFactory().state == State.DRAFT


def test_enrol_starts_profile_from_what_the_organisation_knows(enrolling: Any, young: Any) -> None:
    young.side, young.languages = "young", ["da", "en"]
    young.save()
    enrolment = actions.enrol(program=enrolling, member=young)
    assert (enrolment.side, enrolment.languages, enrolment.generation) == (
        "young",
        ["da", "en"],
        "1995-2009",
    )


@pytest.mark.parametrize("state", [State.MATCHING, State.RUNNING])
def test_update_charter_pairing_rules_after_matching_started_are_refused(
    program: Any, state: str
) -> None:
    program.state = state
    program.save()
    charter = actions.Charter(
        name=program.name,
        starts_on=program.starts_on,
        ends_on=program.ends_on,
        reporting_line_depth=0,
    )
    with pytest.raises(ProgramStateError) as refused:
        actions.update_charter(program=program, charter=charter)
    with translation.override("en"):
        assert str(refused.value.reason).startswith("The pairing rules are fixed")
    program.refresh_from_db()
    assert program.reporting_line_depth == 2


@pytest.mark.parametrize("state", [State.MATCHING, State.RUNNING])
def test_update_charter_after_matching_started_same_rules_saves_the_rest(
    program: Any, state: str
) -> None:
    program.state = state
    program.save()
    charter = actions.Charter(name="Nyt navn", starts_on=program.starts_on, ends_on=program.ends_on)
    assert actions.update_charter(program=program, charter=charter).name == "Nyt navn"


@pytest.mark.parametrize(
    ("state", "allowed"),
    [
        (State.DRAFT, True),
        (State.ENROLLING, True),
        (State.MATCHING, False),
        (State.RUNNING, False),
        (State.CLOSED, False),
    ],
)
def test_why_not_edit_pairing_rules_each_state(program: Any, state: str, allowed: bool) -> None:
    program.state = state
    assert (why_not(program, "edit_pairing_rules") is None) is allowed


def test_enrol_withdrawn_member_while_enrolling_is_refused(
    young_enrolment: Any, young: Any
) -> None:
    actions.withdraw_enrolment(enrolment=young_enrolment)
    with pytest.raises(ProgramStateError):
        actions.enrol_with_link(
            organisation=young.organisation,
            token=young_enrolment.program.signup_token,
            member=young,
        )
    young_enrolment.refresh_from_db()
    assert young_enrolment.status == EnrolmentStatus.WITHDRAWN
