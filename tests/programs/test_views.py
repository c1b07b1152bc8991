from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from gensidig.programs.models import Enrolment, EnrolmentStatus, ProfileTopic, Program, Topic
from tests.factories import EnrolmentFactory, MemberFactory

pytestmark = pytest.mark.django_db

ORG = "fjordlys-test"


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"programs:{name}", kwargs={"org": ORG, **kwargs})


def program_form_data(**changes: Any) -> dict[str, Any]:
    data = {
        "name": "Gensidig læring 2027",
        "purpose": "Digital fart og erfaring.",
        "sponsor": "",
        "starts_on": "2027-02-01",
        "ends_on": "2027-08-31",
        "cadence_weeks": "4",
        "meeting_minutes": "60",
        "mode": "reverse",
        "capacity": "1",
        "ground_rules": "",
        "reporting_line_depth": "2",
        "shared_language": "on",
        "forbid_repeat": "on",
        "min_generation_gap": "1",
    }
    data.update(changes)
    return data


def test_program_list_admin_sees_all_participant_only_own(
    login: Any, admin: Any, young: Any, enrolling: Any
) -> None:
    other = Program.objects.create(
        organisation=enrolling.organisation,
        name="Andet forløb",
        starts_on=enrolling.starts_on,
        ends_on=enrolling.ends_on,
    )
    EnrolmentFactory(program=enrolling, member=young)
    page = login(admin).get(url("list")).content.decode()
    assert "Gensidig læring" in page and "Andet forløb" in page
    page = login(young).get(url("list")).content.decode()
    assert "Gensidig læring" in page
    assert other.name not in page


def test_program_list_participant_without_programs_shows_empty_state(
    login: Any, young: Any
) -> None:
    response = login(young).get(url("list"), HTTP_ACCEPT_LANGUAGE="en")
    assert "No programs yet" in response.content.decode()


def test_dashboard_lists_member_programs_instead_of_empty_state(
    login: Any, young: Any, enrolling: Any
) -> None:
    EnrolmentFactory(program=enrolling, member=young)
    response = login(young).get(
        reverse("common:dashboard", kwargs={"org": ORG}), HTTP_ACCEPT_LANGUAGE="en"
    )
    page = response.content.decode()
    assert "Gensidig læring" in page
    assert "No programs yet" not in page


def test_program_create_admin_creates_draft_with_themes(
    login: Any, admin: Any, organisation: Any
) -> None:
    client = login(admin)
    response = client.get(url("create"))
    assert response.status_code == 200
    assert Topic.objects.filter(organisation=organisation).count() == 13
    social = Topic.objects.get(organisation=organisation, slug="sociale-medier")
    history = Topic.objects.get(organisation=organisation, slug="virksomhedens-historie")
    response = client.post(
        url("create"),
        program_form_data(
            sponsor=str(admin.pk),
            themes_young_to_experienced=[str(social.pk)],
            themes_experienced_to_young=[str(history.pk)],
        ),
    )
    program = Program.objects.get()
    assert response.url == url("detail", program_id=program.pk)
    assert (program.state, program.sponsor, program.ground_rules) == ("draft", admin, "")
    assert list(program.themes_young_to_experienced.all()) == [social]


def test_program_create_end_before_start_shows_error(login: Any, admin: Any) -> None:
    response = login(admin).post(
        url("create"), program_form_data(ends_on="2027-01-01"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "The end date must come after the start date." in response.content.decode()
    assert Program.objects.count() == 0


def test_program_create_participant_gets_403(login: Any, young: Any) -> None:
    assert login(young).get(url("create")).status_code == 403
    assert login(young).post(url("create"), program_form_data()).status_code == 403


def test_program_edit_saves_charter(login: Any, admin: Any, program: Any) -> None:
    client = login(admin)
    page = client.get(url("edit", program_id=program.pk), HTTP_ACCEPT_LANGUAGE="en")
    assert "Confidentiality: what is said in the pair stays in the pair." in page.content.decode()
    response = client.post(
        url("edit", program_id=program.pk),
        program_form_data(name="Nyt navn", ground_rules="Vi mødes hver måned."),
    )
    assert response.url == url("detail", program_id=program.pk)
    program.refresh_from_db()
    assert (program.name, program.ground_rules) == ("Nyt navn", "Vi mødes hver måned.")


def test_program_detail_admin_sees_disabled_steps_with_reasons(
    login: Any, admin: Any, program: Any
) -> None:
    response = login(admin).get(url("detail", program_id=program.pk), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert "Matching can only start while enrolment is open." in page
    assert "The meetings can only start after matching." in page
    assert "Enrolment has not opened yet." in page
    assert program.signup_token in page
    steps = {t["step"]: t["reason"] for t in response.context["transitions"]}
    assert steps["open_enrolment"] is None
    assert steps["close_program"] is None


def test_program_detail_shows_ground_rules_in_viewer_language(
    login: Any, admin: Any, program: Any
) -> None:
    client = login(admin)
    danish = client.get(url("detail", program_id=program.pk), HTTP_ACCEPT_LANGUAGE="da")
    assert "Den yngre partner styrer indholdet." in danish.content.decode()
    english = client.get(url("detail", program_id=program.pk), HTTP_ACCEPT_LANGUAGE="en")
    assert "The junior partner leads the content." in english.content.decode()


def test_program_state_post_moves_and_refuses_with_message(
    login: Any, admin: Any, program: Any
) -> None:
    client = login(admin)
    response = client.post(url("state", program_id=program.pk), {"step": "open_enrolment"})
    assert response.url == url("detail", program_id=program.pk)
    program.refresh_from_db()
    assert program.state == "enrolling"
    response = client.post(
        url("state", program_id=program.pk),
        {"step": "start_matching", "confirm": "yes"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Matching needs at least one enrolled participant on each side." in (
        response.content.decode()
    )
    program.refresh_from_db()
    assert program.state == "enrolling"
    response = client.post(url("state", program_id=program.pk), {"step": "nonsense"})
    assert response.status_code == 302


def test_program_state_participant_gets_403(login: Any, young_enrolment: Any) -> None:
    program = young_enrolment.program
    response = login(young_enrolment.member).post(
        url("state", program_id=program.pk), {"step": "close_program"}
    )
    assert response.status_code == 403
    program.refresh_from_db()
    assert program.state == "enrolling"


def test_program_detail_participant_not_enrolled_gets_403(
    login: Any, young: Any, program: Any
) -> None:
    assert login(young).get(url("detail", program_id=program.pk)).status_code == 403


def test_program_detail_invited_participant_joins(
    login: Any, young: Any, admin: Any, program: Any
) -> None:
    from gensidig.programs import actions

    actions.invite_to_program(program=program, member=young, invited_by=admin)
    client = login(young)
    page = client.get(url("detail", program_id=program.pk), HTTP_ACCEPT_LANGUAGE="en")
    assert "Join the program" in page.content.decode()
    assert "counts" not in page.context
    response = client.post(url("join", program_id=program.pk))
    assert response.url == url("profile", program_id=program.pk)
    assert Enrolment.objects.get(member=young).status == EnrolmentStatus.ENROLLED


def test_program_join_closed_program_shows_reason(
    login: Any, young: Any, admin: Any, program: Any
) -> None:
    from gensidig.programs import actions

    actions.invite_to_program(program=program, member=young, invited_by=admin)
    actions.close_program(program=program)
    response = login(young).post(
        url("join", program_id=program.pk), follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "The program is closed." in response.content.decode()
    assert Enrolment.objects.get(member=young).status == EnrolmentStatus.INVITED


def test_signup_link_member_enrols_once(login: Any, young: Any, enrolling: Any) -> None:
    client = login(young)
    link = url("signup", token=enrolling.signup_token)
    page = client.get(link, HTTP_ACCEPT_LANGUAGE="en")
    assert "Join Gensidig læring" in page.content.decode()
    response = client.post(link)
    assert response.url == url("profile", program_id=enrolling.pk)
    client.post(link)  # a double submit
    assert Enrolment.objects.filter(program=enrolling, member=young).count() == 1
    # Opening the link again goes straight to the profile.
    assert client.get(link).url == url("profile", program_id=enrolling.pk)


def test_signup_link_closed_program_refuses_with_clear_page(
    login: Any, young: Any, enrolling: Any
) -> None:
    enrolling.state = "closed"
    enrolling.save()
    client = login(young)
    response = client.get(url("signup", token=enrolling.signup_token), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 410
    assert "The program is closed." in response.content.decode()
    assert client.post(url("signup", token=enrolling.signup_token)).status_code == 410
    assert not Enrolment.objects.exists()


def test_signup_link_unknown_or_reset_token_gets_404_page(
    login: Any, admin: Any, young: Any, enrolling: Any
) -> None:
    old = enrolling.signup_token
    response = login(admin).post(url("signup_reset", program_id=enrolling.pk))
    assert response.url == url("detail", program_id=enrolling.pk)
    response = login(young).get(url("signup", token=old), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "This sign-up link does not work (any more)." in response.content.decode()


def test_signup_link_anonymous_is_sent_to_log_in(client: Any, enrolling: Any) -> None:
    link = url("signup", token=enrolling.signup_token)
    response = client.get(link)
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={link}"


def test_enrolments_admin_invites_members_and_by_email(
    login: Any, admin: Any, young: Any, experienced: Any, program: Any
) -> None:
    client = login(admin)
    page = client.get(url("enrolments", program_id=program.pk))
    assert page.status_code == 200
    response = client.post(
        url("enrolments", program_id=program.pk),
        {"form": "members", "m-members": [str(young.pk), str(experienced.pk)], "m-side": ""},
    )
    assert response.status_code == 302
    assert Enrolment.objects.filter(status="invited").count() == 2
    client.post(
        url("enrolments", program_id=program.pk),
        {"form": "email", "e-email": "ny@example.org", "e-name": "Nina", "e-side": "young"},
    )
    pending = Enrolment.objects.get(member=None)
    assert (pending.invited_email, pending.side) == ("ny@example.org", "young")
    assert sorted(m.to[0] for m in mail.outbox) == [
        "erfaren@example.org",
        "ny@example.org",
        "ung@example.org",
    ]
    page = client.get(url("enrolments", program_id=program.pk)).content.decode()
    assert "ny@example.org" in page


def test_enrolments_closed_program_refuses_invites(
    login: Any, admin: Any, young: Any, program: Any
) -> None:
    program.state = "closed"
    program.save()
    client = login(admin)
    response = client.post(
        url("enrolments", program_id=program.pk),
        {"form": "members", "m-members": [str(young.pk)]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "The program is closed." in response.content.decode()
    assert not Enrolment.objects.exists()


def test_enrolment_withdraw_admin(login: Any, admin: Any, young_enrolment: Any) -> None:
    program = young_enrolment.program
    response = login(admin).post(
        url("enrolment_withdraw", program_id=program.pk, enrolment_id=young_enrolment.pk),
        {"confirm": "yes"},
    )
    assert response.url == url("enrolments", program_id=program.pk)
    young_enrolment.refresh_from_db()
    assert young_enrolment.status == EnrolmentStatus.WITHDRAWN


def test_admin_pages_participant_gets_403(login: Any, young_enrolment: Any) -> None:
    client = login(young_enrolment.member)
    program = young_enrolment.program
    for name, kwargs in (
        ("enrolments", {"program_id": program.pk}),
        ("edit", {"program_id": program.pk}),
        ("topics", {}),
    ):
        assert client.get(url(name, **kwargs)).status_code == 403, name
    assert client.post(url("signup_reset", program_id=program.pk)).status_code == 403
    assert (
        client.post(
            url("enrolment_withdraw", program_id=program.pk, enrolment_id=young_enrolment.pk)
        ).status_code
        == 403
    )


def test_topics_admin_adds_renames_retires_and_merges(
    login: Any, admin: Any, organisation: Any
) -> None:
    client = login(admin)
    assert client.get(url("topics")).status_code == 200
    client.post(url("topics"), {"name_da": "Excel", "name_en": "Excel", "direction": "both"})
    excel = Topic.objects.get(organisation=organisation, name_da="Excel")
    assert client.get(url("topic_edit", topic_id=excel.pk)).status_code == 200
    response = client.post(
        url("topic_edit", topic_id=excel.pk),
        {"do": "rename", "name_da": "Regneark", "name_en": "Spreadsheets", "direction": "both"},
    )
    assert response.url == url("topics")
    client.post(url("topic_edit", topic_id=excel.pk), {"do": "retire"})
    excel.refresh_from_db()
    assert (excel.name_da, excel.retired) == ("Regneark", True)
    client.post(url("topic_edit", topic_id=excel.pk), {"do": "restore"})
    tools = Topic.objects.get(organisation=organisation, slug="digitale-vaerktoejer")
    client.post(url("topic_edit", topic_id=excel.pk), {"do": "merge", "target": str(tools.pk)})
    excel.refresh_from_db()
    assert excel.merged_into == tools
    page = client.get(url("topics"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Merged into New digital tools" in page


def test_topic_edit_of_another_organisation_gets_404(login: Any, admin: Any, outsider: Any) -> None:
    from tests.factories import TopicFactory

    foreign = TopicFactory(organisation=outsider.organisation)
    assert login(admin).get(url("topic_edit", topic_id=foreign.pk)).status_code == 404


def test_profile_participant_cannot_reach_another_profile(
    login: Any, young_enrolment: Any, experienced_enrolment: Any
) -> None:
    """The wizard only ever shows the visitor's own enrolment: there is no URL that names
    another participant's profile, and a member who is not enrolled is refused."""
    program = young_enrolment.program
    client = login(young_enrolment.member)
    response = client.get(url("profile_step", program_id=program.pk, step="about"))
    assert response.context["enrolment"] == young_enrolment
    outsider_member = MemberFactory(organisation=program.organisation)
    client = login(outsider_member)
    assert client.get(url("profile", program_id=program.pk)).status_code == 403
    assert client.get(url("profile_step", program_id=program.pk, step="share")).status_code == 403


def test_profile_admin_not_enrolled_gets_403(login: Any, admin: Any, enrolling: Any) -> None:
    assert login(admin).get(url("profile", program_id=enrolling.pk)).status_code == 403


def test_profile_unknown_step_gets_404(login: Any, young_enrolment: Any) -> None:
    program = young_enrolment.program
    client = login(young_enrolment.member)
    assert client.get(url("profile_step", program_id=program.pk, step="nope")).status_code == 404


def test_profile_wizard_saves_each_step(
    login: Any,
    young_enrolment: Any,
    experienced_enrolment: Any,
    topics: dict[str, Any],
) -> None:
    program = young_enrolment.program
    client = login(young_enrolment.member)
    assert client.get(url("profile", program_id=program.pk)).url == url(
        "profile_step", program_id=program.pk, step="about"
    )

    def step(name: str) -> str:
        return url("profile_step", program_id=program.pk, step=name)

    response = client.post(step("about"), {"side": "young", "generation": "1995-2009"})
    assert response.url == step("share")
    young_enrolment.refresh_from_db()
    assert (young_enrolment.profile_step, young_enrolment.side) == (1, "young")
    assert client.get(url("profile", program_id=program.pk)).url == step("share")

    social = topics["sociale-medier"]
    response = client.post(step("share"), {"add": str(social.pk)})
    assert response.url == f"{step('share')}#chosen"
    client.post(step("share"), {"add": str(social.pk)})  # a double submit
    assert ProfileTopic.objects.filter(enrolment=young_enrolment).count() == 1
    response = client.post(
        step("share"), {f"level-{social.pk}": "3", "other": "TikTok-videoer, AI-værktøjer"}
    )
    assert response.url == step("learn")
    row = ProfileTopic.objects.get(enrolment=young_enrolment)
    assert (row.kind, row.level) == ("share", 3)
    page = client.get(step("share"), HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "AI-værktøjer til tekst og video" in page  # suggested from the free text

    strategy = topics["strategi"]
    client.post(step("learn"), {"add": str(strategy.pk)})
    response = client.post(step("learn"), {f"level-{strategy.pk}": "2", "stay": "1"})
    assert response.url == step("learn")
    client.post(step("learn"), {"remove": [str(strategy.pk)], "other": ""})
    assert not ProfileTopic.objects.filter(enrolment=young_enrolment, kind="want").exists()

    response = client.post(
        step("practical"), {"languages": ["da", "en"], "availability": "Tirsdage"}
    )
    assert response.url == step("wishes")
    response = client.post(step("wishes"), {"wishes": [str(experienced_enrolment.pk)]})
    assert response.url == step("charter")
    page = client.get(step("charter"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The senior partner books the meetings." in page
    response = client.post(step("charter"), {"acknowledge": "on"})
    assert response.url == url("detail", program_id=program.pk)
    young_enrolment.refresh_from_db()
    assert young_enrolment.profile_step == 6
    assert young_enrolment.languages == ["da", "en"]
    assert list(young_enrolment.wishes.all()) == [experienced_enrolment]
    assert young_enrolment.charter_acknowledged_at is not None


def test_profile_wizard_invalid_steps_show_errors(
    login: Any, young_enrolment: Any, experienced_enrolment: Any
) -> None:
    program = young_enrolment.program
    client = login(young_enrolment.member)

    def step(name: str) -> str:
        return url("profile_step", program_id=program.pk, step=name)

    assert client.post(step("about"), {"side": "old"}).status_code == 200
    assert client.post(step("practical"), {}).status_code == 200
    response = client.post(
        step("wishes"),
        {"wishes": [str(experienced_enrolment.pk)], "blocks": [str(experienced_enrolment.pk)]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "A person cannot be both a wish and a block." in response.content.decode()
    assert client.post(step("charter"), {}).status_code == 200
    young_enrolment.refresh_from_db()
    assert young_enrolment.profile_step == 0


def test_profile_topic_search_htmx_returns_matching_topics(
    login: Any, young_enrolment: Any, topics: dict[str, Any]
) -> None:
    program = young_enrolment.program
    client = login(young_enrolment.member)
    step = url("profile_step", program_id=program.pk, step="learn")
    response = client.get(step, {"q": "forhand"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.startswith('<div id="topic-results"')
    assert [t.slug for t in response.context["results"]] == ["forhandling"]
    # Without JavaScript the same search reloads the whole page.
    response = client.get(step, {"q": "negotiat"})
    assert [t.slug for t in response.context["results"]] == ["forhandling"]
    assert "<html" in response.content.decode()


def test_profile_locked_after_matching_shows_reason(
    login: Any, young_enrolment: Any, experienced_enrolment: Any
) -> None:
    from gensidig.programs import actions

    program = actions.start_matching(program=young_enrolment.program)
    client = login(young_enrolment.member)
    response = client.post(
        url("profile_step", program_id=program.pk, step="about"),
        {"side": "experienced", "generation": "1965-1979"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Profiles are fixed once matching has started." in response.content.decode()
    young_enrolment.refresh_from_db()
    assert young_enrolment.side == "young"


def test_profile_add_topic_of_another_organisation_gets_404(
    login: Any, young_enrolment: Any, outsider: Any
) -> None:
    from tests.factories import TopicFactory

    foreign = TopicFactory(organisation=outsider.organisation)
    client = login(young_enrolment.member)
    step = url("profile_step", program_id=young_enrolment.program.pk, step="share")
    assert client.post(step, {"add": str(foreign.pk)}).status_code == 404


def test_profile_wishes_offer_only_the_other_side(
    login: Any, young_enrolment: Any, experienced_enrolment: Any
) -> None:
    other_young = EnrolmentFactory(program=young_enrolment.program, side="young")
    undecided = EnrolmentFactory(program=young_enrolment.program, side="")
    client = login(young_enrolment.member)
    response = client.get(url("profile_step", program_id=young_enrolment.program.pk, step="wishes"))
    offered = set(response.context["form"].fields["wishes"].queryset)
    assert offered == {experienced_enrolment, undecided}
    assert other_young not in offered


def test_export_data_contains_own_program_profile_only(
    login: Any, young_enrolment: Any, experienced_enrolment: Any, topics: dict[str, Any]
) -> None:
    ProfileTopic.objects.create(
        enrolment=young_enrolment, topic=topics["sociale-medier"], kind="share", level=3
    )
    ProfileTopic.objects.create(
        enrolment=experienced_enrolment, topic=topics["strategi"], kind="share", level=3
    )
    young_enrolment.wishes.set([experienced_enrolment])
    data = login(young_enrolment.member).get(reverse("accounts:export_data")).json()
    [profile] = data["program_profiles"]
    assert (profile["program"], profile["side"]) == ("Gensidig læring", "young")
    assert profile["shares"] == [{"topic": "Social media and trends", "level": 3}]
    assert profile["wishes"] == ["Erik Erfaren"]
    assert "Strategy" not in str(data)


def test_profile_add_topic_keeps_levels_and_text_typed_before(
    login: Any, young_enrolment: Any, topics: dict[str, Any]
) -> None:
    social, ai = topics["sociale-medier"], topics["ai-vaerktoejer"]
    ProfileTopic.objects.create(enrolment=young_enrolment, topic=social, kind="share", level=1)
    client = login(young_enrolment.member)
    step = url("profile_step", program_id=young_enrolment.program.pk, step="share")
    client.post(step, {"add": str(ai.pk), f"level-{social.pk}": "3", "other": "Snapchat"})
    levels = dict(
        ProfileTopic.objects.filter(enrolment=young_enrolment).values_list("topic__slug", "level")
    )
    assert levels == {"sociale-medier": 3, "ai-vaerktoejer": 2}
    young_enrolment.refresh_from_db()
    assert young_enrolment.share_other == "Snapchat"


def test_profile_topic_results_list_what_the_side_usually_offers_first(
    login: Any, young_enrolment: Any, topics: dict[str, Any]
) -> None:
    client = login(young_enrolment.member)
    program_id = young_enrolment.program.pk
    share = client.get(url("profile_step", program_id=program_id, step="share"))
    directions = [t.direction for t in share.context["results"]]
    assert directions == ["young_to_experienced"] * 5 + ["experienced_to_young"] * 8
    learn = client.get(url("profile_step", program_id=program_id, step="learn"))
    assert learn.context["results"][0].direction == "experienced_to_young"


def test_program_list_participant_sees_everyone_enrolled_count(
    login: Any, young_enrolment: Any, experienced_enrolment: Any
) -> None:
    response = login(young_enrolment.member).get(url("list"))
    [program] = response.context["programs"]
    assert program.enrolled == 2


def test_dashboard_shows_own_profile_progress(
    login: Any, young_enrolment: Any, experienced_enrolment: Any
) -> None:
    young_enrolment.profile_step = 2
    young_enrolment.save()
    client = login(young_enrolment.member)
    page = client.get(reverse("common:dashboard", kwargs={"org": ORG}), HTTP_ACCEPT_LANGUAGE="en")
    assert "Your profile: 2 of 6 steps" in page.content.decode()
    page = login(experienced_enrolment.member).get(
        reverse("common:dashboard", kwargs={"org": ORG}), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Your profile: 0 of 6 steps" in page.content.decode()


def test_program_edit_closed_program_is_refused_with_reason(
    login: Any, admin: Any, program: Any
) -> None:
    program.state = "closed"
    program.save()
    response = login(admin).post(
        url("edit", program_id=program.pk),
        program_form_data(name="Nyt navn"),
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "The program is closed." in response.content.decode()
    program.refresh_from_db()
    assert program.name == "Gensidig læring"


def test_program_join_participant_not_invited_gets_403(
    login: Any, young: Any, enrolling: Any
) -> None:
    assert login(young).post(url("join", program_id=enrolling.pk)).status_code == 403
    assert not Enrolment.objects.exists()


def test_profile_own_words_htmx_suggests_catalogue_topics_while_typing(
    login: Any, young_enrolment: Any, topics: dict[str, Any]
) -> None:
    client = login(young_enrolment.member)
    step = url("profile_step", program_id=young_enrolment.program.pk, step="learn")
    response = client.get(step, {"other": "forhandle, konflikter"}, HTTP_HX_REQUEST="true")
    assert response.content.decode().startswith('<div id="suggestions"')
    assert {t.slug for t in response.context["suggestions"]} == {
        "forhandling",
        "konflikthaandtering",
    }
    empty = client.get(step, {"other": ""}, HTTP_HX_REQUEST="true")
    assert empty.context["suggestions"] == []


LOCKED_RULES = "The pairing rules are fixed once matching has started"


@pytest.mark.parametrize("state", ["matching", "running"])
def test_program_edit_pairing_rules_after_matching_started_are_disabled_with_reason(
    login: Any, admin: Any, program: Any, state: str
) -> None:
    program.state = state
    program.save()
    response = login(admin).get(url("edit", program_id=program.pk), HTTP_ACCEPT_LANGUAGE="en")
    assert LOCKED_RULES in response.content.decode()
    form = response.context["form"]
    assert form.fields["min_generation_gap"].disabled
    assert form.fields["mode"].disabled
    assert not form.fields["name"].disabled


@pytest.mark.parametrize("state", ["matching", "running"])
def test_program_edit_pairing_rules_after_matching_started_keep_rules_save_the_rest(
    login: Any, admin: Any, program: Any, state: str
) -> None:
    program.state = state
    program.save()
    response = login(admin).post(
        url("edit", program_id=program.pk),
        program_form_data(
            name="Nyt navn", mode="mutual", min_generation_gap="3", different_department="on"
        ),
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "The charter was saved." in response.content.decode()
    program.refresh_from_db()
    assert program.name == "Nyt navn"
    assert (program.mode, program.min_generation_gap, program.different_department) == (
        "reverse",
        1,
        False,
    )


@pytest.mark.parametrize("state", ["draft", "enrolling"])
def test_program_edit_pairing_rules_before_matching_are_saved(
    login: Any, admin: Any, program: Any, state: str
) -> None:
    program.state = state
    program.save()
    client = login(admin)
    page = client.get(url("edit", program_id=program.pk), HTTP_ACCEPT_LANGUAGE="en")
    assert LOCKED_RULES not in page.content.decode()
    client.post(
        url("edit", program_id=program.pk),
        program_form_data(min_generation_gap="3", different_department="on"),
    )
    program.refresh_from_db()
    assert (program.min_generation_gap, program.different_department) == (3, True)


WITHDRAWN_REASON = "You were withdrawn from this program."


def test_signup_link_withdrawn_person_while_enrolling_is_refused_with_reason(
    login: Any, young_enrolment: Any
) -> None:
    young_enrolment.status = EnrolmentStatus.WITHDRAWN
    young_enrolment.save()
    program = young_enrolment.program
    client = login(young_enrolment.member)
    link = url("signup", token=program.signup_token)
    page = client.get(link, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 409
    assert WITHDRAWN_REASON in page.content.decode()
    response = client.post(link, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    young_enrolment.refresh_from_db()
    assert young_enrolment.status == EnrolmentStatus.WITHDRAWN


@pytest.mark.parametrize("state", ["matching", "running"])
def test_signup_link_withdrawn_person_mid_run_is_refused_and_cannot_be_invited_back(
    login: Any, admin: Any, young_enrolment: Any, state: str
) -> None:
    young_enrolment.status = EnrolmentStatus.WITHDRAWN
    young_enrolment.save()
    program = young_enrolment.program
    program.state = state
    program.save()
    response = login(young_enrolment.member).post(url("signup", token=program.signup_token))
    assert response.status_code == 409
    login(admin).post(
        url("enrolments", program_id=program.pk),
        {"form": "members", "m-members": [young_enrolment.member.pk]},
    )
    young_enrolment.refresh_from_db()
    assert young_enrolment.status == EnrolmentStatus.WITHDRAWN


def test_signup_link_withdrawn_person_invited_again_joins_explicitly(
    login: Any, admin: Any, young_enrolment: Any
) -> None:
    program = young_enrolment.program
    person = young_enrolment.member
    login(admin).post(
        url("enrolment_withdraw", program_id=program.pk, enrolment_id=young_enrolment.pk),
        {"confirm": "yes"},
    )
    login(admin).post(
        url("enrolments", program_id=program.pk), {"form": "members", "m-members": [person.pk]}
    )
    young_enrolment.refresh_from_db()
    assert young_enrolment.status == EnrolmentStatus.INVITED
    response = login(person).post(url("join", program_id=program.pk))
    assert response.url == url("profile", program_id=program.pk)
    young_enrolment.refresh_from_db()
    assert young_enrolment.status == EnrolmentStatus.ENROLLED


def test_side_one_definition_for_members_and_enrolments() -> None:
    from gensidig.accounts import models as account_models
    from gensidig.programs import models as program_models

    assert program_models.Side is account_models.Side
    field = program_models.Enrolment._meta.get_field("side")
    assert field.choices == account_models.Member._meta.get_field("side").choices


def test_enrolments_side_shows_translated_short_label(
    login: Any, admin: Any, young_enrolment: Any, experienced_enrolment: Any
) -> None:
    program = young_enrolment.program
    page = login(admin).get(url("enrolments", program_id=program.pk), HTTP_ACCEPT_LANGUAGE="da")
    cells = page.content.decode()
    assert "<td>Ung</td>" in cells
    assert "<td>Erfaren</td>" in cells


def test_profile_about_step_explains_each_side_translated(login: Any, young_enrolment: Any) -> None:
    step = url("profile_step", program_id=young_enrolment.program.pk, step="about")
    page = login(young_enrolment.member).get(step, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Young: digitally native" in page
    assert "Experienced: many years in the trade" in page
