from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
import vobject
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gensidig.matching.models import Pair
from gensidig.meetings import actions
from gensidig.meetings.models import CalendarFeed, Goal, Meeting, Reflection
from tests.meetings.conftest import BEGAN, held

pytestmark = pytest.mark.django_db

OPT_OUT_PREFIX = "http://127.0.0.1:8000/email/stop/"


def parse(ics: str) -> Any:
    """Read a calendar back with vobject, a different parser from the one that wrote it."""
    return vobject.readOne(ics)


def calendar_of(message: Any) -> tuple[str, str]:
    ((name, content, mimetype),) = message.attachments
    assert name == "meeting.ics"
    return content, mimetype


def book(duo: dict[str, Any], days: int = 7) -> Meeting:
    return actions.propose_meeting(
        pair=duo["pair"],
        by=duo["erik"],
        starts_at=timezone.now() + timedelta(days=days),
        minutes=60,
        video_url="https://meet.example/fjordlys",
    )


# Meetings and their calendar invites


def test_propose_meeting_emails_the_partner_only(duo: dict[str, Any]) -> None:
    meeting = book(duo)
    assert meeting.status == Meeting.Status.PROPOSED
    assert [m.to for m in mail.outbox] == [["ung@example.org"]]
    assert "Erik Erfaren" in mail.outbox[0].subject
    assert mail.outbox[0].attachments == []


def test_propose_meeting_in_the_past_is_refused(duo: dict[str, Any]) -> None:
    with pytest.raises(actions.MeetingError):
        actions.propose_meeting(
            pair=duo["pair"],
            by=duo["ida"],
            starts_at=timezone.now() - timedelta(hours=1),
            minutes=60,
            place="Kantinen",
        )


def test_confirm_meeting_by_the_proposer_is_refused(duo: dict[str, Any]) -> None:
    meeting = book(duo)
    with pytest.raises(actions.MeetingError):
        actions.confirm_meeting(meeting=meeting, by=duo["erik"])


def test_ics_round_trip_invite_update_and_cancel(duo: dict[str, Any]) -> None:
    meeting = book(duo)
    mail.outbox.clear()
    actions.confirm_meeting(meeting=meeting, by=duo["ida"])
    assert sorted(m.to[0] for m in mail.outbox) == ["erfaren@example.org", "ung@example.org"]
    content, mimetype = calendar_of(mail.outbox[0])
    assert mimetype == "text/calendar; method=REQUEST; charset=utf-8"
    cal = parse(content)
    assert cal.method.value == "REQUEST"
    event = cal.vevent
    assert event.uid.value == f"{meeting.uid}@gensidig"
    assert event.sequence.value == "0"
    assert event.dtstart.value == meeting.starts_at
    assert event.dtend.value == meeting.starts_at + timedelta(minutes=60)
    assert event.location.value == "https://meet.example/fjordlys"
    assert sorted(a.value for a in event.attendee_list) == [
        "mailto:erfaren@example.org",
        "mailto:ung@example.org",
    ]

    mail.outbox.clear()
    later = meeting.starts_at + timedelta(days=1, minutes=30)
    actions.change_meeting(
        meeting=meeting, by=duo["ida"], starts_at=later, minutes=45, place="Kantinen"
    )
    update = parse(calendar_of(mail.outbox[0])[0])
    assert update.method.value == "REQUEST"
    assert update.vevent.uid.value == event.uid.value
    assert update.vevent.sequence.value == "1"
    assert update.vevent.dtstart.value == later
    assert update.vevent.location.value == "Kantinen"

    mail.outbox.clear()
    actions.cancel_meeting(meeting=meeting, by=duo["erik"])
    content, mimetype = calendar_of(mail.outbox[0])
    assert mimetype == "text/calendar; method=CANCEL; charset=utf-8"
    cancel = parse(content)
    assert cancel.method.value == "CANCEL"
    assert cancel.vevent.uid.value == event.uid.value
    assert cancel.vevent.sequence.value == "2"
    assert cancel.vevent.status.value == "CANCELLED"
    meeting.refresh_from_db()
    assert meeting.cancelled_by == duo["erik"]


def test_cancel_twice_in_a_row_by_the_same_side_alerts_the_owner(duo: dict[str, Any]) -> None:
    first, second = book(duo, 5), book(duo, 9)
    actions.cancel_meeting(meeting=first, by=duo["erik"])
    assert not [m for m in mail.outbox if m.to == ["admin@example.org"]]
    actions.cancel_meeting(meeting=second, by=duo["erik"])
    alerts = [m for m in mail.outbox if m.to == ["admin@example.org"]]
    assert len(alerts) == 1
    assert "Erik Erfaren" in alerts[0].subject
    assert "Ida Ung" in alerts[0].body


def test_cancel_by_alternating_sides_does_not_alert(duo: dict[str, Any]) -> None:
    first, second = book(duo, 5), book(duo, 9)
    actions.cancel_meeting(meeting=first, by=duo["erik"])
    actions.cancel_meeting(meeting=second, by=duo["ida"])
    assert not [m for m in mail.outbox if m.to == ["admin@example.org"]]


def test_cancel_after_a_held_meeting_starts_counting_again(duo: dict[str, Any]) -> None:
    first = book(duo, 5)
    actions.cancel_meeting(meeting=first, by=duo["erik"], now=timezone.now())
    held(duo["pair"], timezone.now() + timedelta(days=6))
    second = book(duo, 9)
    actions.cancel_meeting(meeting=second, by=duo["erik"], now=timezone.now() + timedelta(days=8))
    assert not [m for m in mail.outbox if m.to == ["admin@example.org"]]


# Reflections, goals and the ledger


def test_reflection_double_submitted_creates_one_row(duo: dict[str, Any], login: Any) -> None:
    meeting = held(duo["pair"], timezone.now() - timedelta(days=1))
    url = reverse(
        "meetings:reflect",
        kwargs={"org": "fjordlys-test", "pair_id": duo["pair"].pk, "meeting_id": meeting.pk},
    )
    client = login(duo["ida"].member)
    data = {
        "taught": [duo["tiktok"].pk],
        "learned": [duo["history"].pk],
        "learned_text": "Hvorfor vi flyttede fabrikken i 1987.",
        "usefulness": "4",
        "private_notes": "Spørg om Tyskland næste gang.",
    }
    assert client.post(url, data).status_code == 302
    assert client.post(url, {**data, "usefulness": "5"}).status_code == 302
    reflection = Reflection.objects.get()
    assert reflection.usefulness == 5
    assert list(reflection.learned.all()) == [duo["history"]]


def test_reflection_before_the_meeting_is_refused(duo: dict[str, Any]) -> None:
    meeting = book(duo)
    with pytest.raises(actions.MeetingError):
        actions.submit_reflection(
            meeting=meeting,
            author=duo["ida"],
            taught=[],
            learned=[],
            learned_text="x",
            usefulness=3,
        )


def test_ledger_counts_topics_per_direction(duo: dict[str, Any]) -> None:
    from gensidig.meetings.queries import ledger

    for days in (20, 10):
        meeting = held(duo["pair"], timezone.now() - timedelta(days=days))
        actions.submit_reflection(
            meeting=meeting,
            author=duo["ida"],
            taught=[duo["tiktok"]],
            learned=[duo["history"]],
            learned_text="Historie",
            usefulness=4,
        )
    actions.submit_reflection(
        meeting=meeting,
        author=duo["erik"],
        taught=[duo["history"]],
        learned=[duo["tiktok"]],
        learned_text="TikTok",
        usefulness=5,
    )
    ida_learns = ledger(duo["pair"], duo["ida"], duo["erik"])
    assert ida_learns == [{"topic": "Firmaets historie", "learned": 2, "taught": 1}]
    erik_learns = ledger(duo["pair"], duo["erik"], duo["ida"])
    assert erik_learns == [{"topic": "TikTok", "learned": 1, "taught": 2}]


def test_goals_are_at_most_three_per_side_with_progress_over_time(duo: dict[str, Any]) -> None:
    goals = [
        actions.add_goal(pair=duo["pair"], learner=duo["ida"], text=f"Mål {n}") for n in range(3)
    ]
    with pytest.raises(actions.MeetingError):
        actions.add_goal(pair=duo["pair"], learner=duo["ida"], text="Et fjerde")
    actions.add_goal(pair=duo["pair"], learner=duo["erik"], text="TikTok-annoncer")
    actions.mark_goal(goal=goals[0], by=duo["ida"], progress=2)
    actions.mark_goal(goal=goals[0], by=duo["ida"], progress=4)
    assert [m.progress for m in goals[0].marks.all()] == [0, 2, 4]
    assert goals[0].progress == 4
    with pytest.raises(actions.MeetingError):
        actions.mark_goal(goal=goals[0], by=duo["erik"], progress=1)


def test_assessment_pre_and_post_for_goal_topics(duo: dict[str, Any], login: Any) -> None:
    actions.add_goal(pair=duo["pair"], learner=duo["ida"], text="Historien", topic=duo["history"])
    client = login(duo["ida"].member)
    kwargs = {"org": "fjordlys-test", "pair_id": duo["pair"].pk}
    for phase, level in (("pre", 1), ("post", 4)):
        url = reverse("meetings:assessment", kwargs={**kwargs, "phase": phase})
        assert client.get(url).status_code == 200
        assert client.post(url, {f"topic_{duo['history'].pk}": level}).status_code == 302
    levels = dict(duo["pair"].assessments.filter(learner=duo["ida"]).values_list("phase", "level"))
    assert levels == {"pre": 1, "post": 4}
    bad = reverse("meetings:assessment", kwargs={**kwargs, "phase": "later"})
    assert client.get(bad).status_code == 404


# Permissions for every object


def pair_urls(duo: dict[str, Any]) -> dict[str, tuple[str, str]]:
    pair = duo["pair"]
    meeting = held(pair, timezone.now() - timedelta(days=1))
    goal = Goal.objects.create(pair=pair, learner=duo["ida"], text="Strategi")
    base = {"org": "fjordlys-test", "pair_id": pair.pk}
    m = {**base, "meeting_id": meeting.pk}
    return {
        "propose": ("get", reverse("meetings:propose", kwargs=base)),
        "change": ("get", reverse("meetings:change", kwargs=m)),
        "confirm": ("post", reverse("meetings:meeting_step", kwargs={**m, "verb": "confirm"})),
        "reflect": ("get", reverse("meetings:reflect", kwargs=m)),
        "add_goal": ("post", reverse("meetings:add_goal", kwargs=base)),
        "mark_goal": ("post", reverse("meetings:mark_goal", kwargs={**base, "goal_id": goal.pk})),
        "change_goal": (
            "post",
            reverse("meetings:change_goal", kwargs={**base, "goal_id": goal.pk}),
        ),
        "assessment": ("get", reverse("meetings:assessment", kwargs={**base, "phase": "pre"})),
        "closing": ("get", reverse("meetings:closing", kwargs=base)),
    }


def test_pair_objects_are_the_partners_only(
    duo: dict[str, Any], login: Any, admin: Any, outsider: Any
) -> None:
    urls = pair_urls(duo)
    for who, expected in ((duo["freja"], 404), (admin, 404), (outsider, 404)):
        client = login(who)
        for name, (method, url) in urls.items():
            assert getattr(client, method)(url).status_code == expected, (who, name)
    partner = login(duo["erik"].member)
    for name, (method, url) in urls.items():
        assert getattr(partner, method)(url).status_code in {200, 302}, name


def test_pair_home_shows_private_notes_to_partners_and_status_to_admins(
    duo: dict[str, Any], login: Any, admin: Any
) -> None:
    meeting = held(duo["pair"], timezone.now() - timedelta(days=2))
    actions.submit_reflection(
        meeting=meeting,
        author=duo["ida"],
        taught=[],
        learned=[duo["history"]],
        learned_text="Om 1987",
        usefulness=4,
        private_notes="Hemmelig note om chefen",
    )
    url = reverse("meetings:pair", kwargs={"org": "fjordlys-test", "pair_id": duo["pair"].pk})
    partner_page = login(duo["erik"].member).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Hemmelig note om chefen" in partner_page
    assert "Om 1987" in partner_page
    admin_response = login(admin).get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert admin_response.status_code == 200
    admin_page = admin_response.content.decode()
    assert "Hemmelig note om chefen" not in admin_page
    assert "Om 1987" not in admin_page
    assert "Meetings held" in admin_page
    assert login(duo["freja"]).get(url).status_code == 404


def test_private_notes_only_in_the_authors_export(duo: dict[str, Any], login: Any) -> None:
    meeting = held(duo["pair"], timezone.now() - timedelta(days=2))
    actions.submit_reflection(
        meeting=meeting,
        author=duo["ida"],
        taught=[],
        learned=[],
        learned_text="Om 1987",
        usefulness=4,
        private_notes="Hemmelig note",
    )
    own = login(duo["ida"].member).get(reverse("accounts:export_data")).content.decode()
    assert "Hemmelig note" in own
    data = json.loads(own)
    assert data["pairs"][0]["reflections"][0]["private_notes"] == "Hemmelig note"
    assert len(data["pairs"][0]["meetings"]) == 1
    partner = login(duo["erik"].member).get(reverse("accounts:export_data")).content.decode()
    assert "Hemmelig note" not in partner
    assert json.loads(partner)["pairs"][0]["reflections"] == []


def test_erasing_an_account_erases_its_text_and_keeps_the_partners(
    duo: dict[str, Any], login: Any
) -> None:
    from tests.factories import PASSWORD

    meeting = held(duo["pair"], timezone.now() - timedelta(days=2))
    actions.submit_reflection(
        meeting=meeting,
        author=duo["ida"],
        taught=[],
        learned=[],
        learned_text="Idas tekst",
        usefulness=3,
        private_notes="Idas note",
    )
    actions.submit_reflection(
        meeting=meeting,
        author=duo["erik"],
        taught=[],
        learned=[],
        learned_text="Eriks tekst",
        usefulness=5,
        private_notes="Eriks note",
    )
    actions.add_goal(pair=duo["pair"], learner=duo["ida"], text="Idas mål")
    actions.add_goal(pair=duo["pair"], learner=duo["erik"], text="Eriks mål")
    login(duo["ida"].member).post(reverse("accounts:erase"), {"password": PASSWORD})
    # The partner keeps their own words; the erased person's are blanked, their numbers stay.
    assert sorted(
        Reflection.objects.values_list("learned_text", "private_notes", "usefulness")
    ) == [
        ("", "", 3),
        ("Eriks tekst", "Eriks note", 5),
    ]
    assert sorted(Goal.objects.values_list("text", flat=True)) == ["", "Eriks mål"]
    assert Meeting.objects.filter(pk=meeting.pk).exists()
    pair = Pair.objects.get(pk=duo["pair"].pk)
    assert (pair.a.member, pair.b.member) == (None, duo["erik"].member)
    page = login(duo["erik"].member).get(
        reverse("meetings:pair", kwargs={"org": "fjordlys-test", "pair_id": pair.pk}),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "a former member" in text and "Eriks note" in text
    assert "Ida Ung" not in text and "Idas" not in text


# Calendar feed


def test_calendar_feed_lists_confirmed_meetings_until_reset(
    duo: dict[str, Any], login: Any
) -> None:
    meeting = book(duo)
    actions.confirm_meeting(meeting=meeting, by=duo["ida"])
    book(duo, 12)  # proposed only: not in anyone's calendar yet
    client = login(duo["ida"].member)
    page = client.get(reverse("meetings:calendar", kwargs={"org": "fjordlys-test"}))
    assert page.status_code == 200
    token = CalendarFeed.objects.get(member=duo["ida"].member).token
    feed_url = reverse("meetings:feed", kwargs={"feed_token": token})
    assert feed_url in page.content.decode()
    client.logout()
    response = client.get(feed_url)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cal = parse(response.content.decode())
    assert cal.method.value == "PUBLISH"
    assert [e.uid.value for e in cal.vevent_list] == [f"{meeting.uid}@gensidig"]
    client = login(duo["ida"].member)
    client.post(
        reverse("meetings:calendar_reset", kwargs={"org": "fjordlys-test"}), {"confirm": "yes"}
    )
    assert client.get(feed_url).status_code == 404
    assert CalendarFeed.objects.get(member=duo["ida"].member).token != token


# Ending a pair


def test_end_pair_early_needs_a_reason_and_cancels_meetings_ahead(duo: dict[str, Any]) -> None:
    meeting = book(duo)
    actions.confirm_meeting(meeting=meeting, by=duo["ida"])
    with pytest.raises(actions.MeetingError):
        actions.end_pair(pair=duo["pair"], by=duo["ida"].member, reason=" ")
    mail.outbox.clear()
    actions.end_pair(pair=duo["pair"], by=duo["ida"].member, reason="Ny stilling i Aarhus")
    duo["pair"].refresh_from_db()
    assert duo["pair"].end_reason == "Ny stilling i Aarhus"
    assert duo["pair"].ended_by == duo["ida"].member
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    methods = sorted(calendar_of(m)[1] for m in mail.outbox if m.attachments)
    assert methods == ["text/calendar; method=CANCEL; charset=utf-8"] * 2
    closing_mails = [m for m in mail.outbox if not m.attachments]
    assert sorted(m.to[0] for m in closing_mails) == ["erfaren@example.org", "ung@example.org"]


def test_closing_questionnaire_once_per_member(duo: dict[str, Any], login: Any) -> None:
    url = reverse("meetings:closing", kwargs={"org": "fjordlys-test", "pair_id": duo["pair"].pk})
    client = login(duo["ida"].member)
    answers = {"what_changed": "Jeg tør mere", "again": "yes", "organisation_gain": "Nye idéer"}
    assert client.post(url, answers).status_code == 400  # the pair has not ended
    actions.end_pair(pair=duo["pair"], by=duo["ida"].member, reason="Færdig")
    assert client.post(url, answers).status_code == 302
    assert client.post(url, {**answers, "again": "maybe"}).status_code == 302
    assert list(duo["pair"].closing_answers.values_list("again", flat=True)) == ["maybe"]


def test_admin_ends_a_pair_from_the_program_page(
    duo: dict[str, Any], login: Any, admin: Any
) -> None:
    client = login(admin)
    url = reverse("meetings:end", kwargs={"org": "fjordlys-test", "pair_id": duo["pair"].pk})
    response = client.post(url, {"reason": "Erik er gået på pension"})
    assert response.url == reverse(
        "meetings:program_pairs",
        kwargs={"org": "fjordlys-test", "program_id": duo["program"].pk},
    )
    duo["pair"].refresh_from_db()
    assert duo["pair"].ended_by == admin


# The admin's pairs page


def test_program_pairs_lists_pairs_by_health_and_sends_check_in(
    duo: dict[str, Any], login: Any, admin: Any
) -> None:
    held(duo["pair"], timezone.now() - timedelta(days=2))
    duo["other"].created_at = timezone.now() - timedelta(days=60)
    duo["other"].save()
    client = login(admin)
    url = reverse(
        "meetings:program_pairs",
        kwargs={"org": "fjordlys-test", "program_id": duo["program"].pk},
    )
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # The pair that never met (stalled since February) comes before the one on track.
    assert page.index("Freja Ung + Poul Erfaren") < page.index("Ida Ung + Erik Erfaren")
    assert "Stalled" in page and "On track" in page
    mail.outbox.clear()
    check_in = reverse(
        "meetings:check_in",
        kwargs={
            "org": "fjordlys-test",
            "program_id": duo["program"].pk,
            "pair_id": duo["other"].pk,
        },
    )
    client.post(check_in, {"message": "Hvordan går det? Skal vi tage en snak?"})
    assert sorted(m.to[0] for m in mail.outbox) == ["freja@example.org", "poul@example.org"]
    assert "Hvordan går det? Skal vi tage en snak?" in mail.outbox[0].body
    assert login(duo["freja"]).get(url).status_code == 403


# Reminders and nudges


def test_nudges_send_each_reminder_once_with_a_switch_off_link(duo: dict[str, Any]) -> None:
    from gensidig.common.models import EmailOptOut
    from gensidig.meetings.tasks import send_nudges_task

    now = BEGAN + timedelta(days=10)
    held(duo["pair"], BEGAN + timedelta(days=9))  # yesterday: reflection missing
    Meeting.objects.create(
        pair=duo["pair"],
        proposed_by=duo["ida"],
        starts_at=now + timedelta(days=1),
        minutes=60,
        place="Kantinen",
        status=Meeting.Status.CONFIRMED,
    )
    # The other pair never met: at day 22 it is overdue (three-week cadence).
    send_nudges_task.enqueue(now=now.isoformat())
    subjects = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert [to for to, _ in subjects] == [
        "erfaren@example.org",
        "erfaren@example.org",
        "ung@example.org",
        "ung@example.org",
    ]
    assert sorted(m.subject for m in mail.outbox if m.to == ["ung@example.org"]) == [
        "Hvad lærte du sammen med Erik Erfaren?",
        "I morgen: møde med Erik Erfaren",
    ]
    # Every nudge is an optional email with its own one-click switch-off link.
    assert all(OPT_OUT_PREFIX in m.body for m in mail.outbox)
    mail.outbox.clear()
    send_nudges_task.enqueue(now=now.isoformat())
    assert mail.outbox == []

    overdue = BEGAN + timedelta(days=22)
    EmailOptOut.objects.create(user=duo["freja"].user, kind=actions.NO_MEETING_BOOKED)
    result = send_nudges_task.enqueue(now=overdue.isoformat())
    other_pair = [m for m in mail.outbox if m.to[0] in {"freja@example.org", "poul@example.org"}]
    assert [m.to for m in other_pair] == [["poul@example.org"]]
    assert other_pair[0].subject == "Tid til at mødes med Freja Ung igen"
    assert result.return_value[actions.NO_MEETING_BOOKED] == 1


def test_nudge_command_queues_the_daily_run(duo: dict[str, Any]) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("nudge", stdout=out)
    assert out.getvalue().startswith("Nudges queued (task ")


def test_pair_ends_by_itself_after_the_program_end_date(duo: dict[str, Any]) -> None:
    from gensidig.meetings.tasks import send_nudges_task

    program = duo["program"]
    after = timezone.make_aware(
        timezone.datetime.combine(program.ends_on + timedelta(days=1), timezone.datetime.min.time())
    )
    result = send_nudges_task.enqueue(now=after.isoformat())
    assert result.return_value["ended"] == 2
    duo["pair"].refresh_from_db()
    assert duo["pair"].ended_at == after
    assert duo["pair"].ended_by is None
    assert duo["pair"].end_reason == ""
    closing = [m for m in mail.outbox if m.subject == "Dit par med Erik Erfaren er afsluttet"]
    assert [m.to for m in closing] == [["ung@example.org"]]


def close_from_the_program_page(client: Any, program: Any) -> Any:
    url = reverse("programs:state", kwargs={"org": "fjordlys-test", "program_id": program.pk})
    return client.post(
        url, {"step": "close_program", "confirm": "yes"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )


def test_program_close_ends_active_pairs_at_once_with_closing_questions(
    duo: dict[str, Any], login: Any, admin: Any
) -> None:
    meeting = book(duo)
    actions.confirm_meeting(meeting=meeting, by=duo["ida"])
    actions.end_pair(pair=duo["other"], by=admin, reason="Poul er gået på pension")
    mail.outbox.clear()
    response = close_from_the_program_page(login(admin), duo["program"])
    assert "The program is now: Closed." in response.content.decode()
    duo["program"].refresh_from_db()
    assert duo["program"].state == "closed"
    duo["pair"].refresh_from_db()
    assert duo["pair"].ended_at is not None
    assert (duo["pair"].ended_by, duo["pair"].end_reason) == (admin, "")
    # The pair ended before keeps its own end.
    duo["other"].refresh_from_db()
    assert duo["other"].end_reason == "Poul er gået på pension"
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    closing = sorted(m.to[0] for m in mail.outbox if not m.attachments)
    assert closing == ["erfaren@example.org", "ung@example.org"]
    cancels = [m for m in mail.outbox if m.attachments]
    assert len(cancels) == 2
    # The partners answer the closing questions as after the daily run.
    url = reverse("meetings:closing", kwargs={"org": "fjordlys-test", "pair_id": duo["pair"].pk})
    answers = {"what_changed": "Jeg tør mere", "again": "yes", "organisation_gain": ""}
    assert login(duo["ida"].member).post(url, answers).status_code == 302
    # The daily run has nothing left to end.
    assert actions.end_pairs_at_program_end(now=timezone.now()) == 0


def test_program_close_when_ending_a_pair_fails_stays_open(
    duo: dict[str, Any], login: Any, admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("mail server down")

    monkeypatch.setattr(actions, "end_pair", broken)
    with pytest.raises(RuntimeError):
        close_from_the_program_page(login(admin), duo["program"])
    duo["program"].refresh_from_db()
    assert duo["program"].state == "running"
    duo["pair"].refresh_from_db()
    assert duo["pair"].ended_at is None


def test_program_close_participant_gets_403(duo: dict[str, Any], login: Any) -> None:
    response = close_from_the_program_page(login(duo["ida"].member), duo["program"])
    assert response.status_code == 403
    duo["pair"].refresh_from_db()
    assert duo["pair"].ended_at is None


def test_changing_a_proposed_meeting_asks_the_partner_again(duo: dict[str, Any]) -> None:
    meeting = book(duo)
    mail.outbox.clear()
    actions.change_meeting(
        meeting=meeting,
        by=duo["ida"],
        starts_at=meeting.starts_at + timedelta(hours=2),
        minutes=60,
        place="Kantinen",
    )
    assert [m.to for m in mail.outbox] == [["erfaren@example.org"]]
    assert mail.outbox[0].attachments == []
    actions.confirm_meeting(meeting=meeting, by=duo["erik"])
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CONFIRMED


def test_calendar_feed_with_an_unknown_token_is_not_found(client: Any) -> None:
    url = reverse("meetings:feed", kwargs={"feed_token": "not-a-real-token"})
    assert client.get(url).status_code == 404


def test_change_goal_by_the_learner_keeps_its_progress(duo: dict[str, Any], login: Any) -> None:
    goal = actions.add_goal(pair=duo["pair"], learner=duo["ida"], text="Strategi")
    actions.mark_goal(goal=goal, by=duo["ida"], progress=2)
    url = reverse(
        "meetings:change_goal",
        kwargs={"org": "fjordlys-test", "pair_id": duo["pair"].pk, "goal_id": goal.pk},
    )
    data = {f"goal-{goal.pk}-text": "Forstå vores strategi for 2030", f"goal-{goal.pk}-topic": ""}
    login(duo["erik"].member).post(url, data)
    goal.refresh_from_db()
    assert goal.text == "Strategi"  # the partner cannot change it
    login(duo["ida"].member).post(url, data)
    goal.refresh_from_db()
    assert goal.text == "Forstå vores strategi for 2030"
    assert goal.progress == 2


def goal_url(duo: dict[str, Any], goal: Goal) -> str:
    kwargs = {"org": "fjordlys-test", "pair_id": duo["pair"].pk, "goal_id": goal.pk}
    return reverse("meetings:change_goal", kwargs=kwargs)


def test_pair_page_links_to_the_form_pages_instead_of_drawing_the_forms(
    duo: dict[str, Any], login: Any
) -> None:
    goals = [
        actions.add_goal(pair=duo["pair"], learner=duo["ida"], text=text)
        for text in ("Strategi", "Kundeforståelse")
    ]
    base = {"org": "fjordlys-test", "pair_id": duo["pair"].pk}
    url = reverse("meetings:pair", kwargs=base)
    page = login(duo["ida"].member).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<select" in page  # the goals' progress, and nothing else:
    assert 'name="starts_at"' not in page
    assert 'name="text"' not in page
    for goal in goals:
        assert f'name="goal-{goal.pk}-text"' not in page
        assert f'href="{goal_url(duo, goal)}">Change the goal</a>' in page
    assert f'href="{reverse("meetings:propose", kwargs=base)}">Propose a meeting</a>' in page
    assert f'href="{reverse("meetings:add_goal", kwargs=base)}">Add a goal</a>' in page
    # The partner sees the goals but no way to change them.
    partner_page = login(duo["erik"].member).get(url).content.decode()
    assert "Strategi" in partner_page
    assert goal_url(duo, goals[0]) not in partner_page


def add_goal_url(duo: dict[str, Any]) -> str:
    kwargs = {"org": "fjordlys-test", "pair_id": duo["pair"].pk}
    return reverse("meetings:add_goal", kwargs=kwargs)


def test_add_goal_page_adds_one_goal_however_often_it_is_sent(
    duo: dict[str, Any], login: Any
) -> None:
    client = login(duo["ida"].member)
    page = client.get(add_goal_url(duo), HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "<h1>Tilføj et mål</h1>" in page
    assert f'<option value="{duo["history"].pk}">' in page
    token = re.search(r'name="once" value="([^"]+)"', page)
    assert token is not None
    data = {"text": "Vores strategi", "topic": duo["history"].pk, "once": token.group(1)}
    for _ in range(2):  # a double click
        response = client.post(add_goal_url(duo), data)
        assert response.status_code == 302
        assert response["Location"] == reverse(
            "meetings:pair", kwargs={"org": "fjordlys-test", "pair_id": duo["pair"].pk}
        )
    goal = Goal.objects.get(pair=duo["pair"])
    assert (goal.learner, goal.text, goal.topic) == (duo["ida"], "Vores strategi", duo["history"])


def test_add_goal_without_text_or_beyond_three_keeps_the_page(
    duo: dict[str, Any], login: Any
) -> None:
    client = login(duo["ida"].member)
    response = client.post(add_goal_url(duo), {"text": "", "topic": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    for n in range(3):
        actions.add_goal(pair=duo["pair"], learner=duo["ida"], text=f"Mål {n}")
    response = client.post(add_goal_url(duo), {"text": "Et fjerde"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    html = response.content.decode()
    assert "You have three goals already: change one instead." in html
    assert 'value="Et fjerde"' in html  # what was written is kept
    assert Goal.objects.filter(pair=duo["pair"]).count() == 3


def test_add_goal_page_is_refused_to_others(
    duo: dict[str, Any], login: Any, admin: Any, outsider: Any
) -> None:
    for who in (duo["freja"], admin, outsider):
        assert login(who).get(add_goal_url(duo)).status_code == 404, who
        assert login(who).post(add_goal_url(duo), {"text": "Indbrud"}).status_code == 404, who
    anonymous = Client()
    assert anonymous.get(add_goal_url(duo)).status_code == 302  # to the login page
    assert anonymous.post(add_goal_url(duo), {"text": "Indbrud"}).status_code == 302
    assert not Goal.objects.exists()


def test_change_goal_page_shows_the_goal_to_its_learner(duo: dict[str, Any], login: Any) -> None:
    goal = actions.add_goal(pair=duo["pair"], learner=duo["ida"], text="Strategi & <mål>")
    response = login(duo["ida"].member).get(goal_url(duo, goal), HTTP_ACCEPT_LANGUAGE="da")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Ret målet</h1>" in page
    assert f'name="goal-{goal.pk}-text" value="Strategi &amp; &lt;mål&gt;"' in page


def test_change_goal_page_is_refused_to_the_partner_and_outsiders(
    duo: dict[str, Any], login: Any, admin: Any, outsider: Any
) -> None:
    goal = actions.add_goal(pair=duo["pair"], learner=duo["ida"], text="Strategi")
    for who in (duo["erik"].member, duo["freja"], admin, outsider):
        assert login(who).get(goal_url(duo, goal)).status_code == 404, who
    client = login(duo["ida"].member)
    client.logout()
    assert client.get(goal_url(duo, goal)).status_code == 302  # to the login page


def test_change_goal_without_text_keeps_the_page_and_the_goal(
    duo: dict[str, Any], login: Any
) -> None:
    goal = actions.add_goal(pair=duo["pair"], learner=duo["ida"], text="Strategi")
    data = {f"goal-{goal.pk}-text": "", f"goal-{goal.pk}-topic": ""}
    response = login(duo["ida"].member).post(goal_url(duo, goal), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    goal.refresh_from_db()
    assert goal.text == "Strategi"
